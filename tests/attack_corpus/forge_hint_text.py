"""Forge the worker's hello: a frame on the answer descriptor whose ``hint`` is text.

Before the worker says hello, the file writes its own hello to descriptor 4
(the worker's answers): ``{"status": "ready", "style": "closure", "hint":
"x"}``. An earlier oracle indexed the hint as a dict and crashed with a
traceback, ending a ``--jobs 1`` batch.

Held when: the forged frame is a finding of this file only; the next file of
the batch still gets its verdict and the command ends normally.
"""

import json
import os
import struct

import numpy as np

text = json.dumps({"status": "ready", "style": "closure", "hint": "x", "payload": 0}).encode()
os.write(4, struct.pack("<Q", len(text)) + text)


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
