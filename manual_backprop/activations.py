"""Hidden-unit activations ``h`` and their derivatives ``h'``, side by side.

Every function is entrywise on arrays of any shape, takes the *pre-activation*
``a`` (never the activated value ``z = h(a)``) and is overflow-free and
warning-free for every float64 input, ``+-inf`` included.

The derivatives are written so that they stay accurate in relative terms in the
saturated tails, where the textbook forms ``s * (1 - s)`` and ``1 - tanh(a)**2``
round to exactly 0 long before the true value underflows.

See Also
--------
jax_reference.activations : the same forward functions, with no derivatives at all.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
]

Array = NDArray[np.float64]


def sigmoid(a: Array) -> Array:
    r"""Logistic sigmoid.

    .. math:: \sigma(a) = \frac{1}{1 + e^{-a}}

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [0, 1]. ``scipy.special.expit`` evaluates it without
        overflowing ``exp`` for large negative ``a``.
    """
    return expit(a)  # type: ignore[no-any-return]


def sigmoid_grad(a: Array) -> Array:
    r"""Derivative of the sigmoid with respect to its pre-activation.

    .. math:: \sigma'(a) = \sigma(a)\,(1 - \sigma(a)) = \sigma(a)\,\sigma(-a)

    The second form is used: ``1 - sigma(a)`` loses every digit once
    ``sigma(a)`` rounds to 1 (``a > 37``), while ``sigma(-a)`` keeps full
    relative precision until it underflows near ``a = 745``.

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [0, 1/4].
    """
    return expit(a) * expit(-a)  # type: ignore[no-any-return]


def relu(a: Array) -> Array:
    r"""Rectified linear unit.

    .. math:: \mathrm{relu}(a) = \max(a, 0)

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``a``
    """
    return np.maximum(a, 0.0)


def relu_grad(a: Array) -> Array:
    r"""Derivative of the ReLU: 1 where ``a > 0``, else 0.

    .. math:: \mathrm{relu}'(a) = [a > 0]

    At exactly ``a = 0`` the ReLU has no derivative; any value in [0, 1] is a
    valid subgradient. We take 0, as ``jax.nn.relu`` does, so that the two
    twins agree bit for bit on the kink.

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``a``
        Zeros and ones.
    """
    return (a > 0.0).astype(np.float64)


def tanh(a: Array) -> Array:
    r"""Hyperbolic tangent.

    .. math:: \tanh(a) = \frac{e^{a} - e^{-a}}{e^{a} + e^{-a}} = 2\sigma(2a) - 1

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [-1, 1].
    """
    return np.tanh(a)


def tanh_grad(a: Array) -> Array:
    r"""Derivative of tanh with respect to its pre-activation.

    .. math:: \tanh'(a) = 1 - \tanh^2(a) = \mathrm{sech}^2(a) = 4\,\sigma(2a)\,\sigma(-2a)

    The last form is used for the same reason as in :func:`sigmoid_grad`:
    ``1 - tanh(a)**2`` is exactly 0 for ``|a| > 19`` although the true value
    is still far above the smallest float64.

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [0, 1].
    """
    # Beyond |a| = 400 the result is 4 e^{-800}, below the smallest float64, so
    # clipping there changes nothing and keeps ``2 * a`` from overflowing.
    two_a = 2.0 * np.clip(a, -400.0, 400.0)
    return 4.0 * expit(two_a) * expit(-two_a)  # type: ignore[no-any-return]


#: Hidden activations by name: ``h``.
ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": tanh,
}

#: Their derivatives by the same name: ``h'``, each a function of the pre-activation ``a``.
DERIVATIVES: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid_grad,
    "relu": relu_grad,
    "tanh": tanh_grad,
}
