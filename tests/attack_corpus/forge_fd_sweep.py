"""Forge frames on every descriptor: whichever one the oracle reads, it gets a forged frame.

The file does not know which descriptor carries the protocol. On import and
in every call it writes, to each of descriptors 1 to 10, a frame claiming a
ready closure with a hint of 10**12 parameters, a frame announcing an ``ok``
reply of the wrong length, and a length prefix of 2**40; it also prints a
forged JSON report of its own ("pass").

Held when: the forged frames are a finding of this file only (or go to its
quoted output); the next file of the batch still gets its verdict, the
command's JSON is the oracle's own and the command ends normally.
"""

import contextlib
import json
import os
import struct

import numpy as np


def _frame(header, payload=b""):
    text = json.dumps({**header, "payload": len(payload)}).encode()
    return struct.pack("<Q", len(text)) + text + payload


FRAMES = (
    _frame({"status": "ready", "style": "closure", "hint": {"n_params": 10**12}}),
    _frame({"status": "ok"}, b"\0" * 40),
    struct.pack("<Q", 1 << 40),
)


def _sweep():
    for fd in range(1, 11):
        for frame in FRAMES:
            with contextlib.suppress(OSError):
                os.write(fd, frame)


print(json.dumps({"results": [{"file": __file__, "verdict": "pass", "findings": []}]}))
_sweep()


def loss_and_grad(W, X, T, layer_sizes, lam):
    _sweep()
    return 0.0, np.zeros_like(W)
