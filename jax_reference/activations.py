"""Hidden-layer activations ``h``, forward only.

There is deliberately no derivative here (no ``sigmoid_grad``, no ``DERIVATIVES``
registry): ``jax.grad`` differentiates the forward functions themselves. Compare with
``manual_backprop.activations``, where every activation sits beside its derivative.

Each function maps a pre-activation ``a`` to an activation ``z = h(a)`` entrywise, in
float64, and can be called directly or inside ``jax.jit`` / ``jax.grad``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from numpy.typing import ArrayLike

from ._x64 import in_float64

__all__ = ["ACTIVATIONS", "relu", "sigmoid", "tanh"]


@in_float64
def sigmoid(a: ArrayLike) -> jax.Array:
    r"""Logistic sigmoid, entrywise.

    .. math::

        \sigma(a) = \frac{1}{1 + e^{-a}}

    Computed by ``jax.nn.sigmoid``, which stays finite for any float64 ``a`` and whose
    derivative :math:`\sigma(a)(1 - \sigma(a))` is finite too. (Differentiating the
    literal formula would give ``inf / inf = nan`` at ``a = -1000``.)

    Parameters
    ----------
    a : array_like, any shape
        Pre-activations.

    Returns
    -------
    z : jax.Array, float64, same shape as ``a``
        Values in :math:`[0, 1]`.

    See Also
    --------
    manual_backprop.activations.sigmoid : the numpy twin.
    """
    a = jnp.asarray(a, dtype=jnp.float64)
    return jax.nn.sigmoid(a)


@in_float64
def relu(a: ArrayLike) -> jax.Array:
    r"""Rectified linear unit, entrywise.

    .. math::

        \operatorname{relu}(a) = \max(a, 0)

    Computed by ``jax.nn.relu``, whose derivative at exactly :math:`a = 0` is taken to
    be 0 (a valid subgradient; the project's convention, SPEC section 1).

    Parameters
    ----------
    a : array_like, any shape
        Pre-activations.

    Returns
    -------
    z : jax.Array, float64, same shape as ``a``
        Values in :math:`[0, \infty)`.

    See Also
    --------
    manual_backprop.activations.relu : the numpy twin.
    """
    a = jnp.asarray(a, dtype=jnp.float64)
    return jax.nn.relu(a)


@in_float64
def tanh(a: ArrayLike) -> jax.Array:
    r"""Hyperbolic tangent, entrywise.

    .. math::

        \tanh(a) = \frac{e^{a} - e^{-a}}{e^{a} + e^{-a}}

    Parameters
    ----------
    a : array_like, any shape
        Pre-activations.

    Returns
    -------
    z : jax.Array, float64, same shape as ``a``
        Values in :math:`[-1, 1]`.

    See Also
    --------
    manual_backprop.activations.tanh : the numpy twin.
    """
    a = jnp.asarray(a, dtype=jnp.float64)
    return jnp.tanh(a)


#: Hidden activations by the name the public functions accept as ``activation``.
ACTIVATIONS: dict[str, Callable[[ArrayLike], jax.Array]] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": tanh,
}
