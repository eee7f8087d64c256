"""Run a public function in float64 without touching JAX's global configuration.

JAX computes in float32 unless 64-bit types are switched on. Switching them on for
the whole process (``jax.config.update("jax_enable_x64", True)``) at import time would
silently change the behaviour of any other code that uses JAX in the same process, so
this package instead enters the scoped context manager ``jax.enable_x64(True)`` around
each public function. The previous setting comes back when the function returns or
raises. Everything traced or compiled inside the scope (including ``jax.jit`` traces) is
float64.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import jax

__all__ = ["in_float64"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_float64(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Wrap ``function`` so that its body runs inside ``jax.enable_x64(True)``.

    Parameters
    ----------
    function : callable
        A function that converts its array inputs with
        ``jnp.asarray(..., dtype=jnp.float64)``.

    Returns
    -------
    callable
        The same function, run in a float64 scope that is left on return or on error.
    """

    @functools.wraps(function)
    def run_in_float64(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with jax.enable_x64(True):
            return function(*args, **kwargs)

    return run_in_float64
