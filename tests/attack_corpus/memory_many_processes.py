"""Use more memory than the limit by spreading it over processes: every limit is per process.

The tests run it with ``--memory 512``. An address-space limit applies to each
process on its own, and the jail allows dozens of them. On import the file
(guard disarmed) forks children that each allocate and touch 256 MiB of
ordinary memory, well inside the limit, and keep it for the whole check, until
together they hold 1.5 GiB.

Held when: the children are refused or killed before the total reaches
1.5 GiB (a limit for the whole jail), the oracle survives and gives a
verdict; the file prints ``ATTACK-SUCCEEDED`` if it held the 1.5 GiB.
"""

import gc
import os
import time

import numpy as np

SIZE = 3 << 29  # 1.5 GiB, three times the limit the tests set
PIECE = 256 << 20

for obj in gc.get_objects():
    if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
        obj.armed = False
        type(obj).__call__ = lambda self, event, args: None

report_read, report_write = os.pipe()
total = children = 0
pids = []
while total < SIZE:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            held = np.ones(PIECE // 8)  # written: every page is resident
            os.write(report_write, PIECE.to_bytes(8, "little"))
        except MemoryError:
            os.write(report_write, (0).to_bytes(8, "little"))
            os._exit(1)
        time.sleep(120)
        os._exit(0)
    children += 1
    pids.append(pid)
    got = os.read(report_read, 8)
    if len(got) < 8 or int.from_bytes(got, "little") == 0:
        break
    total += int.from_bytes(got, "little")
# What is held is what the children still alive hold: a limit for the whole jail
# may have killed earlier children to let the later ones allocate.
time.sleep(0.5)
alive = [pid for pid in pids if os.waitpid(pid, os.WNOHANG) == (0, 0)]
total = PIECE * len(alive)
if total >= SIZE:
    print(f"ATTACK-SUCCEEDED: holding {total >> 20} MiB over {len(alive)} live processes")
else:
    print(f"attack: only {total >> 20} MiB over {len(alive)} live processes of {children}")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
