"""Switch the audit hook off from inside, then let JAX compute the gradient.

The worker's guard is a plain Python object: ``gc.get_objects()`` finds it, and
``armed = False`` (and a no-op ``__call__`` on its class) silences it. With the
guard off, the file imports ``jax`` from wherever an installation can be found
(the interpreter's own site folders, the usual system ones, a virtual
environment named in ``/proc``) and returns ``jax.grad`` of the loss written in
``jax.numpy``. It contains no backpropagation at all.

Held when: no ``jax`` can be imported in the jail (the library is simply absent
there), so the file fails; it prints ``ATTACK-SUCCEEDED`` if it got jax.
"""

import gc
import glob
import importlib
import os
import sys

import numpy as np


def _disarm():
    found = 0
    for obj in gc.get_objects():
        cls = type(obj)
        if cls.__name__ == "Guard" and "armed" in getattr(obj, "__dict__", {}):
            obj.armed = False
            cls.__call__ = lambda self, event, args: None
            found += 1
    return found


def _candidate_site_folders():
    patterns = [
        os.path.join(sys.base_prefix, "lib", "python3*", "site-packages"),
        os.path.join(sys.prefix, "lib", "python3*", "site-packages"),
        "/usr/lib/python3*/site-packages",
        "/usr/lib/python3/dist-packages",
        "/usr/local/lib/python3*/site-packages",
        "/usr/local/lib/python3*/dist-packages",
        "/root/.local/lib/python3*/site-packages",
        "/home/*/.local/lib/python3*/site-packages",
        "/opt/*/lib/python3*/site-packages",
        "/root/.pyenv/versions/*/lib/python3*/site-packages",
        "/root/.pyenv/versions/*/envs/*/lib/python3*/site-packages",
    ]
    for environ in glob.glob("/proc/[0-9]*/environ"):
        try:
            with open(environ, "rb") as f:
                for item in f.read().split(b"\0"):
                    if item.startswith(b"VIRTUAL_ENV="):
                        patterns.append(item[12:].decode() + "/lib/python3*/site-packages")
        except OSError:
            pass
    folders = []
    for pattern in patterns:
        folders += [p for p in glob.glob(pattern) if os.path.isdir(os.path.join(p, "jax"))]
    return folders


# The name is put together at run time, so that reading the source finds no import.
NAME = "xaj"[::-1]
GUARDS = _disarm()
jax = None
try:
    jax = importlib.import_module(NAME)
except ImportError:
    for folder in _candidate_site_folders():
        sys.path.append(folder)
        try:
            jax = importlib.import_module(NAME)
            break
        except ImportError:
            continue

if jax is not None:
    jax.config.update("jax_enable_x64", True)
    jnp = importlib.import_module(NAME + ".numpy")

    print(f"ATTACK-SUCCEEDED: imported jax {jax.__version__} ({GUARDS} guard(s) disarmed)")

    def _loss(W, X, T, layer_sizes, lam):
        start, Z, penalty = 0, X, 0.0
        pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
        for i, (n_in, n_out) in enumerate(pairs):
            weights = W[start : start + n_in * n_out].reshape(n_in, n_out)
            start += n_in * n_out
            bias = W[start : start + n_out]
            start += n_out
            penalty = penalty + jnp.sum(weights**2)
            A = Z @ weights + bias
            Z = jax.nn.sigmoid(A) if i < len(pairs) - 1 else A
        if layer_sizes[-1] == 1:
            a = Z[:, 0]
            data = jnp.mean(T * jnp.logaddexp(0.0, -a) + (1 - T) * jnp.logaddexp(0.0, a))
        else:
            data = -jnp.mean(jnp.sum(T * jax.nn.log_softmax(Z, axis=1), axis=1))
        return data + lam * penalty

    _value_and_grad = jax.value_and_grad(_loss)
else:
    print(f"attack: {GUARDS} guard(s) disarmed, but no jax to import")
    _value_and_grad = None


def loss_and_grad(W, X, T, layer_sizes, lam):
    if _value_and_grad is None:
        return 0.0, np.zeros_like(W)
    value, grad = _value_and_grad(W, X, T, tuple(layer_sizes), lam)
    return float(value), np.asarray(grad, dtype=float)
