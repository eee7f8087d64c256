"""Forge an answer: a length prefix of 2**63 bytes, then nothing.

During the first call the file writes eight bytes to descriptor 4, announcing
a header of 2**63 bytes, and then answers normally. An oracle that allocated
or waited for what the prefix announces would run out of memory or hang.

Held when: the garbled frame is a finding of this file only; the next file of
the batch still gets its verdict and the command ends normally.
"""

import os
import struct

import numpy as np


def loss_and_grad(W, X, T, layer_sizes, lam):
    os.write(4, struct.pack("<Q", 1 << 63))
    return 0.0, np.zeros_like(W)
