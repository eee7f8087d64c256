"""Find the project's reference through an editable install's finder, and execute it.

``pip install -e .`` leaves ``__editable___*_finder.py`` in site-packages, with
a ``MAPPING`` from each package name to its folder in the checkout. The file
reads every such finder it can find (site folders of every interpreter it can
guess, including those named in other processes' environments) and imports the
reference from the folder it names.

Held when: no finder (and no checkout) is visible in the jail. It prints
``ATTACK-SUCCEEDED`` and what it read if it found any.
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
    import ast

    patterns = [
        os.path.join(sys.base_prefix, "lib", "python3*", "site-packages"),
        "/root/.pyenv/versions/*/lib/python3*/site-packages",
        "/usr/lib/python3*/*-packages",
        "/usr/local/lib/python3*/*-packages",
        "/home/*/.local/lib/python3*/site-packages",
        "/root/.local/lib/python3*/site-packages",
        "/opt/*/lib/python3*/site-packages",
        *sys.path,
    ]
    folders = sorted({os.path.realpath(f) for p in patterns for f in glob.glob(p)})
    for folder in folders:
        for finder in glob.glob(os.path.join(folder, "__editable__*finder.py")):
            try:
                with open(finder) as f:
                    tree = ast.parse(f.read())
            except (OSError, SyntaxError):
                continue
            FOUND.append(f"finder: {finder}")
            for node in ast.walk(tree):
                targets = getattr(node, "targets", []) + [getattr(node, "target", None)]
                if isinstance(node, ast.Assign | ast.AnnAssign) and any(
                    getattr(t, "id", "") == "MAPPING" for t in targets
                ):
                    for path in ast.literal_eval(node.value).values():
                        _use(os.path.dirname(path), f"MAPPING of {finder}")


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
