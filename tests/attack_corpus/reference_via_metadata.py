"""Find the project's reference through ``importlib.metadata``, and execute it.

The installed distributions are listed over ``sys.path`` and over every
site folder the file can guess; for this project's distribution it reads
``direct_url.json`` (an editable install names its checkout there), the
``RECORD``'s files and ``locate_file``, then reads and imports the reference.

Held when: no distribution metadata of the project is visible in the jail.
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
    import importlib.metadata as metadata
    import json

    folders = list(sys.path) + glob.glob(
        os.path.join(sys.base_prefix, "lib", "python3*", "site-packages")
    )
    folders += glob.glob("/usr/lib/python3*/*-packages") + glob.glob(
        "/usr/local/lib/python3*/*-packages"
    )
    for dist in metadata.distributions(path=folders):
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name not in ("manual-backprop", "backprop-oracle"):
            continue
        FOUND.append(f"metadata: distribution {name}")
        direct = dist.read_text("direct_url.json")
        if direct:
            url = json.loads(direct).get("url", "")
            if url.startswith("file://"):
                _use(url[len("file://") :], "direct_url.json")
        for file in dist.files or []:
            located = str(dist.locate_file(file))
            for package in PACKAGES:
                marker = os.sep + package + os.sep
                if marker in located:
                    _use(located.split(marker)[0], "RECORD")
                    break


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
