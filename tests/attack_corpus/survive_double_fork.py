"""Outlive the check: the daemon's double fork, the grandchild orphaned at once.

A template: the tests put a fresh process name in place of ``NAME``. On import,
with the guard disarmed, the file forks; the child calls ``os.setsid()``,
forks again and exits, so that the grandchild is adopted by whatever reaps
orphans. The grandchild clears its parent-death signal, names itself
``NAME``, ignores the usual signals, closes every inherited descriptor and
sleeps in a loop (for at most three minutes).

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


def _grandchild():
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)
    libc.prctl(PR_SET_NAME, NAME.encode(), 0, 0, 0)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, signal.SIG_IGN)
    os.closerange(0, 256)
    until = time.monotonic() + 180
    while time.monotonic() < until:
        time.sleep(0.2)
    os._exit(0)


_disarm()
try:
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            _grandchild()
        os._exit(0)
    os.waitpid(child, 0)
    print("attack: a grandchild is loose")
except OSError as exc:
    print(f"attack: could not fork: {exc}")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
