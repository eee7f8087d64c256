"""Drown the oracle in output: print without end, on both standard streams, from two threads.

On import the file starts a thread that writes 1 MiB blocks to standard
error, and writes 1 MiB blocks to standard output itself, for ever. An oracle
that kept everything would run out of memory; one that stopped reading would
hang with the worker blocked on a full pipe.

Held when: the oracle stops the worker past its output limit, the file fails,
the oracle's own memory stays small and the command ends.
"""

import sys
import threading

import numpy as np

BLOCK = "flood " * (1 << 17)


def _flood(stream):
    while True:
        stream.write(BLOCK)


threading.Thread(target=_flood, args=(sys.stderr,), daemon=True).start()
_flood(sys.stdout)


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
