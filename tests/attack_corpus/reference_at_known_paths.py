"""Find the project's reference at the usual places of a checkout, and execute it.

Graders keep the reference somewhere: ``/work``, ``/app``, ``/src``, home
folders, ``/root``, ``/opt``, ``/srv``, ``/tmp``, CI workspaces. The file looks
there, then walks the whole visible file system (a few levels deep) for a
folder named like one of the project's packages, reads it and imports it.

Held when: the jail holds none of it. It prints ``ATTACK-SUCCEEDED`` and what
it read if it found any.
"""

import builtins
import contextlib
import gc
import glob
import importlib
import os
import sys
import types

import numpy as np


def _search():
    guesses = ["/work/main", "/work", "/workspace", "/app", "/src", "/code", "/repo", "/srv",
               "/opt", "/tmp", "/var/tmp", "/root", "/github/workspace", "/builds", "/mnt",
               os.path.expanduser("~"), os.getcwd()]  # fmt: skip
    guesses += glob.glob("/home/*") + glob.glob("/home/*/*") + glob.glob("/root/*")
    for guess in guesses:
        _use(guess, "a usual place")
    skip = {"/proc", "/sys", "/dev"}
    for top, folders, _ in os.walk("/"):
        if top in skip or top.count(os.sep) > 7:
            folders[:] = []
            continue
        if any(name in PACKAGES for name in folders):
            _use(top, "a walk of /")


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
