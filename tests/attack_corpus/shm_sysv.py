"""Use more memory than the limit through System V shared memory, attached only a piece at a time.

The tests run it with ``--memory 512``. A System V segment outlives its
mapping: the file creates 64 MiB segments one after another
(``shmget(IPC_PRIVATE)``), attaches each, fills it, detaches it and keeps
the segment, up to 1.5 GiB. The address space never holds more than one.

Held when: the segments are refused or counted before 1.5 GiB, the oracle
survives and gives a verdict; the file prints ``ATTACK-SUCCEEDED`` if it held
the 1.5 GiB.
"""

import ctypes

import numpy as np

SIZE = 3 << 29  # 1.5 GiB, three times the limit the tests set
PIECE = 64 << 20
IPC_PRIVATE, IPC_CREAT = 0, 0o1000
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
held = 0
while held < SIZE:
    segment = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(PIECE), IPC_CREAT | 0o600)
    if segment < 0:
        break
    address = libc.shmat(segment, None, 0)
    if address in (None, ctypes.c_void_p(-1).value):
        break
    ctypes.memset(address, 1, PIECE)
    libc.shmdt(ctypes.c_void_p(address))
    held += PIECE
if held >= SIZE:
    print(f"ATTACK-SUCCEEDED: holding {held >> 20} MiB in System V segments")
else:
    print(f"attack: only {held >> 20} MiB in System V segments (errno {ctypes.get_errno()})")


def loss_and_grad(W, X, T, layer_sizes, lam):
    return 0.0, np.zeros_like(W)
