"""Use more memory than the limit with many in-memory files, each under the file-size limit.

The tests run it with ``--memory 512``. A file-size limit bounds each
``memfd``, and the descriptor limit bounds how many one process holds open,
but their product can still be many times the memory limit, and each forked
child has descriptors of its own. On import the file makes in-memory files,
filling each until the kernel refuses (``EFBIG``), until it holds 1.5 GiB;
when its descriptors run out, it forks a child that carries on (children stay
until the check ends).

Held when: the total is refused well before 1.5 GiB, the oracle survives and
gives a verdict; the file prints ``ATTACK-SUCCEEDED`` if it held the 1.5 GiB.
"""

import contextlib
import gc
import os
import time

import numpy as np

SIZE = 3 << 29  # 1.5 GiB, three times the limit the tests set
CHUNK = b"\1" * (1 << 20)

for obj in gc.get_objects():
    if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
        obj.armed = False
        type(obj).__call__ = lambda self, event, args: None


def _fill(budget):
    """Hold up to ``budget`` bytes in memfds of this process; returns how much it holds."""
    held = 0
    with contextlib.suppress(OSError):
        while held < budget:
            fd = os.memfd_create("notes")
            with contextlib.suppress(OSError):
                while held < budget:
                    held += os.write(fd, CHUNK)
    return held


report_read, report_write = os.pipe()
total = own = _fill(SIZE)
children = 0
held_by = {}
while total < SIZE and children < 40:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.close(report_read)
        held = _fill(SIZE - total)
        os.write(report_write, held.to_bytes(8, "little"))
        time.sleep(120)
        os._exit(0)
    children += 1
    got = os.read(report_read, 8)
    if len(got) < 8 or int.from_bytes(got, "little") == 0:
        break
    held_by[pid] = int.from_bytes(got, "little")
    total += held_by[pid]
# Only what the processes still alive hold counts (a limit may have killed some since).
time.sleep(1)
total = own + sum(n for pid, n in held_by.items() if os.waitpid(pid, os.WNOHANG) == (0, 0))
if total >= SIZE:
    print(f"ATTACK-SUCCEEDED: holding {total >> 20} MiB in memfds ({children} children)")
else:
    print(f"attack: only {total >> 20} MiB in memfds ({children} children)")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
