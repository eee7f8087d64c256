"""Hostile: writes a forged answer into every pipe it can find, hoping one is the oracle's."""
import os
import stat

import numpy as np


def loss_and_grad(W, X, T, layer_sizes, lam):
    forged = b"\xff" * 64
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, forged)
        except OSError:
            pass
    return 0.0, np.zeros_like(W)
