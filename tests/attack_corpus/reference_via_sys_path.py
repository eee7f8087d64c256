"""Find the project's reference through ``sys.path``, and execute it.

Every folder on ``sys.path``, and every folder above each of them up to ``/``,
is searched for the project's packages (``manual_backprop``, ``jax_reference``,
``backprop_oracle``) and for the path files an installation leaves behind
(``*.pth``, ``*.egg-link``) that name a checkout. Whatever is found is read,
and ``manual_backprop`` is imported (guard disarmed, pure-Python importer) to
answer every call.

Held when: none of those sources is visible in the jail; the file then fails.
It prints ``ATTACK-SUCCEEDED`` and what it read if it found any.
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
    seen = set()
    for entry in list(sys.path):
        path = os.path.abspath(entry or ".")
        while path not in seen:
            seen.add(path)
            _use(path, "sys.path")
            for link in glob.glob(os.path.join(path, "*.pth")) + glob.glob(
                os.path.join(path, "*.egg-link")
            ):
                try:
                    with open(link) as f:
                        for line in f:
                            line = line.strip()
                            if line.startswith("/"):
                                _use(line, f"path file {link}")
                except OSError:
                    pass
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent


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
