"""Import the project's own reference past the audit hook, with the pure-Python importer.

``builtins.__import__ = importlib.__import__`` replaces the C import machinery,
which is what raises the ``import`` audit event, by importlib's Python one,
which raises none: the guard never hears of the import. The file then imports
``manual_backprop`` (or ``backprop_oracle.mistakes``, whose reference
computation is the mistake-free variant) and returns its answer. The module
names are assembled at run time, so reading the source finds no import either.

Held when: the project's packages are not in the jail at all, so no importer
finds them; it prints ``ATTACK-SUCCEEDED`` if one was imported.
"""

import builtins
import glob
import importlib
import os
import sys
import types

import numpy as np

builtins.__import__ = importlib.__import__

REFERENCE = "_".join(["manual", "backprop"])
ORACLE = "_".join(["backprop", "oracle"])

# Where a checkout or an installation of the project might be, besides sys.path.
GUESSES = [
    "/work/main",
    "/work",
    "/workspace",
    "/app",
    "/src",
    "/code",
    "/repo",
    "/project",
    "/github/workspace",
    "/builds",
    *glob.glob("/home/*"),
    *glob.glob("/home/*/*"),
    "/root",
    *glob.glob("/root/*"),
    *glob.glob(os.path.join(sys.base_prefix, "lib", "python3*", "site-packages")),
    *glob.glob("/usr/local/lib/python3*/*-packages"),
    *glob.glob("/usr/lib/python3*/*-packages"),
]


def _stub_missing():
    """The reference's engine wants threadpoolctl, which a grading jail may lack."""
    try:
        importlib.import_module("threadpoolctl")
    except ImportError:
        stub = types.ModuleType("threadpoolctl")

        class ThreadpoolController:
            def __init__(self, *args, **kwargs):
                self.info = lambda: []

            def limit(self, *args, **kwargs):
                import contextlib

                return contextlib.nullcontext()

        stub.ThreadpoolController = ThreadpoolController
        stub.threadpool_limits = lambda *a, **k: None
        sys.modules["threadpoolctl"] = stub


def _try_import():
    _stub_missing()
    for name in (REFERENCE, ORACLE + ".mistakes"):
        try:
            return name, importlib.__import__(name, fromlist=["*"])
        except Exception:
            pass
    return None, None


NAME, MODULE = _try_import()
if MODULE is None:
    for folder in GUESSES:
        if os.path.isdir(os.path.join(folder, REFERENCE)):
            sys.path.insert(0, folder)
            NAME, MODULE = _try_import()
            if MODULE is not None:
                break

if MODULE is not None:
    print(f"ATTACK-SUCCEEDED: imported {NAME} from {getattr(MODULE, '__file__', '?')}")
else:
    print("attack: the project's packages are nowhere to be imported")


def loss_and_grad(W, X, T, layer_sizes, lam):
    if NAME == REFERENCE:
        loss, grad = MODULE.loss_and_grad(W, X, T, layer_sizes, lam, "sigmoid")
        return float(loss), np.asarray(grad, dtype=float)
    return 0.0, np.zeros_like(W)
