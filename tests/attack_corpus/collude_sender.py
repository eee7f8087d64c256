"""The helpful classmate: a correct file that offers its own source to whoever asks, during the check.

A template: the tests put a fresh name in place of ``MARKER``. Checked in the
same batch as ``collude_receiver.py`` (``--jobs 2``, so both run at once),
this file (guard disarmed) serves its source on an abstract Unix socket and a
loopback TCP port derived from ``MARKER``, puts it in a System V shared-memory
segment with a key derived from ``MARKER``, and writes it to ``/dev/shm``,
``/tmp`` and ``/var/tmp``, for a minute. Its own answers are right.

Held when: the receiver gets nothing (the two jails share no file, network,
IPC or process), and nothing is left on the host.
"""

import contextlib
import ctypes
import gc
import os
import socket
import threading
import time
import zlib

import numpy as np
from scipy.special import expit, log_softmax

MARKER = "@@MARKER@@"
KEY = zlib.crc32(MARKER.encode()) & 0x7FFFFFFF
PORT = 20000 + KEY % 20000
with open(__file__, "rb") as f:
    SOURCE = f.read()

for obj in gc.get_objects():
    if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
        obj.armed = False
        type(obj).__call__ = lambda self, event, args: None


def _serve(family, address):
    with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_STREAM) as server:
        server.bind(address)
        server.listen(8)
        server.settimeout(60)
        until = time.monotonic() + 60
        while time.monotonic() < until:
            with contextlib.suppress(OSError):
                connection, _ = server.accept()
                with connection:
                    connection.sendall(SOURCE)


for family, address in ((socket.AF_UNIX, "\0" + MARKER), (socket.AF_INET, ("127.0.0.1", PORT))):
    threading.Thread(target=_serve, args=(family, address), daemon=True).start()
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
segment = libc.shmget(KEY, ctypes.c_size_t(1 << 20), 0o1000 | 0o666)
if segment >= 0:
    address = libc.shmat(segment, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memmove(address, len(SOURCE).to_bytes(8, "little") + SOURCE, len(SOURCE) + 8)
for folder in ("/dev/shm", "/tmp", "/var/tmp"):
    with contextlib.suppress(OSError), open(os.path.join(folder, MARKER + ".py"), "wb") as f:
        f.write(SOURCE)


def loss_and_grad(W, X, T, layer_sizes, lam):
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    params, start = [], 0
    for n_in, n_out in shapes:
        params.append((W[start : start + n_in * n_out].reshape(n_in, n_out),
                       W[start + n_in * n_out : start + (n_in + 1) * n_out]))  # fmt: skip
        start += (n_in + 1) * n_out
    Z = [X]
    for w, b in params[:-1]:
        Z.append(expit(Z[-1] @ w + b))
    A = Z[-1] @ params[-1][0] + params[-1][1]
    n = len(X)
    if layer_sizes[-1] == 1:
        a = A[:, 0]
        loss = np.sum(T * np.logaddexp(0, -a) + (1 - T) * np.logaddexp(0, a)) / n
        delta = (expit(a) - T)[:, None] / n
    else:
        loss = -np.sum(T * log_softmax(A, axis=1)) / n
        delta = (np.exp(log_softmax(A, axis=1)) - T) / n
    loss += lam * sum((w**2).sum() for w, _ in params)
    grads = [None] * len(params)
    for l in reversed(range(len(params))):
        w = params[l][0]
        grads[l] = np.concatenate([(Z[l].T @ delta + 2 * lam * w).ravel(), delta.sum(0)])
        delta = (delta @ w.T) * Z[l] * (1 - Z[l])
    return float(loss), np.concatenate(grads)
