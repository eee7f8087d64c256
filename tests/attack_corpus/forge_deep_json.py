"""Forge the worker's hello: a JSON header nested 30000 levels deep, and one that is not UTF-8.

Before the worker's hello the file writes a frame whose header is
``[[[...]]]`` 30000 levels deep (Python's JSON parser raises RecursionError on
it), then one of bytes that are not UTF-8. An oracle that caught only
ValueError would end with a traceback.

Held when: the forged frame is a finding of this file only; the next file of
the batch still gets its verdict and the command ends normally.
"""

import os
import struct

import numpy as np

deep = b"[" * 30000 + b"]" * 30000
os.write(4, struct.pack("<Q", len(deep)) + deep)
garbage = b"\xff\xfe{\x80"
os.write(4, struct.pack("<Q", len(garbage)) + garbage)


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
