"""Outlive the oracle itself: a loose child, and calls slow enough for the oracle to be killed.

A template: the tests put a fresh process name in place of ``NAME``. On import
the file lets loose a child as ``survive_setsid.py`` does (own session, no
parent-death signal, named ``NAME``, sleeping for at most three minutes);
every call then takes two seconds, so that the check is still going when the
test kills the oracle's process with SIGKILL.

Held when: once the oracle is killed, no process of that name (and no process
the oracle started) is left on the host a few seconds later, and no scratch
folder is left in the oracle's temporary folder.
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
except OSError as exc:
    print(f"attack: could not fork: {exc}")


def loss_and_grad(W, X, T, layer_sizes, lam):
    time.sleep(2.0)
    return 0.0, np.zeros_like(W)
