"""Forge the worker's hello: a closure whose hinted parameter count is 10**12.

The file writes its own hello to descriptor 4 before the worker's: a
one-argument function with ``"hint": {"n_params": 10**12}``. An oracle that
believed it would allocate a vector of 10**12 floats (8 TB) in its own process.

Held when: the forged frame is a finding of this file only; the next file of
the batch still gets its verdict and the command ends normally.
"""

import json
import os
import struct

import numpy as np

header = {"status": "ready", "style": "closure", "hint": {"n_params": 10**12}, "payload": 0}
text = json.dumps(header).encode()
os.write(4, struct.pack("<Q", len(text)) + text)


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
