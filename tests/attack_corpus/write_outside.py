"""Write outside scratch: beside the submission, in the grader's folders, into installed packages.

A template: the tests put a fresh file name in place of ``MARKER`` and, in
place of ``TARGETS``, the host folders to aim at (the submission's folder, the
oracle's working and temporary folders, ``/tmp``, ``/var/tmp``, ``/dev/shm``,
the home folder, numpy's and the project's package folders), joined by
``os.pathsep``. With the guard disarmed, the file creates ``MARKER`` in each,
directly and through ``/proc/<pid>/root`` and ``cwd``, by ``open``, by
``os.open`` relative to a folder descriptor (``dir_fd``), as a folder, a FIFO,
a symlink, a node (``mknod``) and an SQLite database; and it tries to append
to its own file.

Held when: no file or folder named ``MARKER`` exists anywhere on the host
afterwards, and the submission is unchanged.
"""

import contextlib
import gc
import glob
import os
import sqlite3
import stat

import numpy as np

MARKER = "@@MARKER@@"
TARGETS = "@@TARGETS@@".split(os.pathsep)


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None


def _folders():
    folders = list(TARGETS) + ["/", "/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~")]
    folders.append(os.path.dirname(os.path.realpath(__file__)))
    for proc in glob.glob("/proc/[0-9]*") + ["/proc/self"]:
        folders.append(f"{proc}/cwd")
        folders += [f"{proc}/root{target}" for target in TARGETS]
    return folders


def _create(folder, tag):
    path = os.path.join(folder, f"{MARKER}-{tag}")
    ways = [
        lambda: open(path, "w").write("backprop-attack\n"),
        lambda: os.mkdir(path + "-dir"),
        lambda: os.mkfifo(path + "-fifo"),
        lambda: os.symlink("/", path + "-link"),
        lambda: os.mknod(path + "-node", stat.S_IFREG | 0o644),
        lambda: sqlite3.connect(path + "-db").execute("create table t (x)"),
    ]
    made = []
    for i, way in enumerate(ways):
        with contextlib.suppress(Exception):
            way()
            made.append(i)
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.close(os.open(f"{MARKER}-{tag}-dirfd", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
            made.append("dir_fd")
        finally:
            os.close(fd)
    return made


_disarm()
WROTE = []
SCRATCH = os.path.realpath(os.getcwd())
for i, folder in enumerate(_folders()):
    with contextlib.suppress(OSError):
        if os.path.realpath(folder) == SCRATCH:
            continue  # its own scratch folder: writing there is allowed
    made = _create(folder, str(i))
    if made:
        WROTE.append(f"{folder} {made}")
with contextlib.suppress(OSError), open(__file__, "a") as f:
    f.write("# changed by the submission itself\n")
    WROTE.append(f"appended to {__file__}")
if WROTE:
    print("ATTACK-SUCCEEDED: wrote in " + "; ".join(WROTE)[:1500])
else:
    print("attack: nothing could be written outside scratch")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
