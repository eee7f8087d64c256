"""Use more memory than the limit without mapping it: an anonymous file in memory.

The tests run it with ``--memory 512``. ``os.memfd_create`` makes a file that
lives in memory; writing to it with ``os.write`` maps nothing, so an
address-space limit does not see it. On import the file writes 1.5 GiB into
one, and keeps it open for the whole check.

Held when: the writes are refused well before 1.5 GiB (a file-size or memory
limit that counts them), the oracle survives and gives a verdict; the file
prints ``ATTACK-SUCCEEDED`` if it held the 1.5 GiB.
"""

import os

import numpy as np

SIZE = 3 << 29  # 1.5 GiB, three times the limit the tests set
CHUNK = b"\1" * (16 << 20)
HELD = os.memfd_create("notes")
written = 0
try:
    while written < SIZE:
        written += os.write(HELD, CHUNK)
except OSError as exc:
    print(f"attack: the writes stopped: {exc}")
if written >= SIZE:
    print(f"ATTACK-SUCCEEDED: holding {written >> 20} MiB in a memfd")
else:
    print(f"attack: only {written >> 20} MiB in a memfd")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
