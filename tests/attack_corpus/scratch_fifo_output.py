"""Block the oracle: FIFOs named like the files an oracle reads back from scratch.

An earlier oracle read the worker's output from ``scratch/output.txt``; a FIFO
there blocked it for ever, and the batch never finished. The file makes FIFOs
``output.txt``, ``stdout.txt``, ``stderr.txt``, ``result.json`` and
``report.txt`` in its working folder (and in the folder ``TMPDIR`` names),
then answers every call (wrongly).

Held when: the batch ends, every file gets its verdict, and this one fails.
"""

import contextlib
import os

import numpy as np

NAMES = ("output.txt", "stdout.txt", "stderr.txt", "result.json", "report.txt")
MADE = []
for folder in {os.getcwd(), os.environ.get("TMPDIR", os.getcwd())}:
    for name in NAMES:
        with contextlib.suppress(OSError):
            os.mkfifo(os.path.join(folder, name))
            MADE.append(os.path.join(folder, name))
print(f"attack: made {len(MADE)} FIFOs")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
