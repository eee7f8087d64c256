"""Find the project's reference through ``/proc``, and execute it.

From ``/proc/self`` and from every process it can see (``/proc/<pid>``): the
working folder (``cwd``), the root (``root``, a way into another mount
namespace), the command line and environment (``PWD``, ``VIRTUAL_ENV``,
``PYTHONPATH`` name checkouts), the memory maps and the mount table (host
paths of bound folders), the open descriptors (``fd``, a way back into a
folder the jail does not show). Every path found, and the folders above it,
are searched for the project's packages.

Held when: nothing under ``/proc`` leads out of the jail. It prints
``ATTACK-SUCCEEDED`` and what it read if it found any.
"""

import builtins
import contextlib
import gc
import importlib
import os
import sys
import types

import numpy as np


def _paths_in(data):
    return {p for p in data.replace(b"\0", b" ").replace(b"=", b" ").decode(errors="replace").split()
            if p.startswith("/")}  # fmt: skip


def _search():
    candidates = set()
    pids = ["self", "thread-self"] + [p for p in os.listdir("/proc") if p.isdigit()]
    for pid in pids:
        base = f"/proc/{pid}"
        for link in ("cwd", "root", "exe"):
            candidates.add(f"{base}/{link}")
            with contextlib.suppress(OSError):
                candidates.add(os.readlink(f"{base}/{link}"))
        for name in ("cmdline", "environ", "maps", "mountinfo"):
            with contextlib.suppress(OSError), open(f"{base}/{name}", "rb") as f:
                candidates |= _paths_in(f.read())
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"{base}/fd"):
                candidates.add(f"{base}/fd/{fd}")
                with contextlib.suppress(OSError):
                    candidates.add(os.readlink(f"{base}/fd/{fd}"))
    for root in [c for c in candidates if c.endswith("/root")]:
        for guess in ("work/main", "work", "app", "src", "root", "home"):
            candidates.add(f"{root}/{guess}")
    seen = set()
    for path in sorted(candidates):
        while path and path not in seen and path != "/":
            seen.add(path)
            if os.path.isdir(path):
                _use(path, "/proc")
            path = os.path.dirname(path)


# ---- what every reference-reading attack does with a folder it found ----

PACKAGES = ("_".join(["manual", "backprop"]), "_".join(["jax", "reference"]),
            "_".join(["backprop", "oracle"]))  # fmt: skip
FOUND = []
REFERENCE = None


def _disarm():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            type(obj).__call__ = lambda self, event, args: None
    builtins.__import__ = importlib.__import__


def _stub_threadpoolctl():
    if "threadpoolctl" in sys.modules:
        return
    try:
        importlib.import_module("threadpoolctl")
    except ImportError:
        stub = types.ModuleType("threadpoolctl")
        stub.ThreadpoolController = type(
            "ThreadpoolController",
            (),
            {"info": lambda self: [], "limit": lambda self, **k: contextlib.nullcontext()},
        )
        sys.modules["threadpoolctl"] = stub


def _use(parent, how):
    """``parent`` holds one of the project's packages: read its source, then import it."""
    global REFERENCE
    for package in PACKAGES:
        folder = os.path.join(parent, package)
        source = os.path.join(folder, "__init__.py")
        try:
            with open(source) as f:
                text = f.read()
        except OSError:
            continue
        FOUND.append(f"{how}: read {len(text)} characters of {source}")
        if REFERENCE is None and package == PACKAGES[0]:
            _disarm()
            _stub_threadpoolctl()
            sys.path.insert(0, parent)
            try:
                REFERENCE = importlib.import_module(package)
            except Exception as exc:
                FOUND.append(f"{how}: import failed: {type(exc).__name__}")


def _report():
    if FOUND:
        print("ATTACK-SUCCEEDED: " + "; ".join(FOUND)[:600])
    else:
        print("attack: found none of the project's sources")


def loss_and_grad(W, X, T, layer_sizes, lam):
    if REFERENCE is None:
        return 0.0, np.zeros_like(W)
    loss, grad = REFERENCE.loss_and_grad(W, X, T, layer_sizes, lam, "sigmoid")
    return float(loss), np.asarray(grad, dtype=float)


_search()
_report()
