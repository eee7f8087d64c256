"""Outlive the check: a child in a session of its own, deaf to its parent's death.

A template: the tests put a fresh process name (at most 15 characters) in place
of ``NAME``. On import, with the guard disarmed, the file forks; the child
calls ``os.setsid()``, clears the parent-death signal with
``prctl(PR_SET_PDEATHSIG, 0)`` through ctypes, names itself with
``prctl(PR_SET_NAME)``, ignores SIGTERM, SIGHUP and SIGINT, closes the
protocol's descriptors and sleeps in a loop (for at most three minutes, so that
a failure of the jail does not leave it running for ever).

Held when: no process of that name is left on the host a few seconds after
the command ends.
"""

import ctypes
import gc
import os
import signal
import time

import numpy as np

NAME = "@@NAME@@"
PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None


def _linger():
    libc = ctypes.CDLL(None)
    os.setsid()
    libc.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)
    libc.prctl(PR_SET_NAME, NAME.encode(), 0, 0, 0)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, signal.SIG_IGN)
    os.closerange(3, 256)
    until = time.monotonic() + 180
    while time.monotonic() < until:
        time.sleep(0.2)
    os._exit(0)


_disarm()
try:
    if os.fork() == 0:
        _linger()
    print("attack: a child is loose")
except OSError as exc:
    print(f"attack: could not fork: {exc}")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
