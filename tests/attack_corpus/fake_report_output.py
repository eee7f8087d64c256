"""Forge the oracle's output: a JSON report and a PASS line of its own, then kill the oracle.

On import the file prints a complete JSON document saying it passed, and a
text line "PASS" (on standard output and on ``/dev/stdout``,
``/proc/self/fd/1`` and ``/proc/1/fd/1``), then sends SIGKILL to its parent
and to PID 1, as a file that knows it will fail would do to cut the real
report short.

Held when: the command's standard output is exactly one JSON document, the
oracle's own, in which this file fails.
"""

import contextlib
import json
import os
import signal

import numpy as np

FAKE = json.dumps({"results": [{"file": "fake_report_output.py", "verdict": "pass",
                                "findings": [], "counterexample": None}]})  # fmt: skip
print(FAKE, flush=True)
for path in ("/dev/stdout", "/proc/self/fd/1", "/proc/1/fd/1"):
    with contextlib.suppress(OSError), open(path, "w") as f:
        f.write(FAKE + "\nPASS  fake_report_output.py\n")
for pid in (os.getppid(), 1):
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
