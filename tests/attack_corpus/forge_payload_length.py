"""Forge an answer: a reply frame whose payload length is not what the request implies.

During each call the file writes its own reply to descriptor 4 before
returning: status ``ok`` with a payload of 24 bytes (three floats) whatever
the length of ``W``, then the 24 bytes; the worker's true reply follows it.
An oracle that took the length from the frame would read a gradient of the
wrong size, or lose track of the stream.

Held when: the forged frame is a finding of this file only; the next file of
the batch still gets its verdict and the command ends normally.
"""

import json
import os
import struct

import numpy as np


def loss_and_grad(W, X, T, layer_sizes, lam):
    text = json.dumps({"status": "ok", "payload": 24}).encode()
    os.write(4, struct.pack("<Q", len(text)) + text + struct.pack("<3d", 0.0, 0.0, 0.0))
    return 0.0, np.zeros_like(W)
