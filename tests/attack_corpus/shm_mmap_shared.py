"""Use more memory than the limit with a shared mapping, which ``RLIMIT_DATA`` does not count.

The tests run it with ``--memory 512``. On import the file maps 1.5 GiB of
anonymous shared memory (``mmap`` with ``MAP_SHARED``), writes to every page
and keeps the mapping for the whole check.

Held when: the mapping is refused (the address-space limit counts it), the
oracle survives and gives a verdict; the file prints ``ATTACK-SUCCEEDED`` if
it held the 1.5 GiB.
"""

import mmap

import numpy as np

SIZE = 3 << 29  # 1.5 GiB, three times the limit the tests set
try:
    HELD = mmap.mmap(-1, SIZE, flags=mmap.MAP_SHARED)
    np.frombuffer(HELD, dtype=np.uint8)[::4096] = 1
    print(f"ATTACK-SUCCEEDED: holding {SIZE >> 20} MiB of shared memory")
except (OSError, MemoryError, ValueError) as exc:
    HELD = None
    print(f"attack: the shared mapping was refused: {exc}")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
