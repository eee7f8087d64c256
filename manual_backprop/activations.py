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


def sigmoid(a: Array, out: Array | None = None) -> Array:
    r"""Logistic sigmoid.

    .. math:: \sigma(a) = \frac{1}{1 + e^{-a}}

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Where to write the result (``a`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [0, 1]. For ``a < -709``, ``exp(-a)`` overflows to inf and
        the quotient is 0, the right limit (the true value is below 1e-308).
    """
    # e = exp(-a), then 1 / (1 + e), all in one buffer: numpy's exp is
    # vectorised, several times faster than scipy.special.expit on large arrays.
    e = np.negative(a, out=_buffer(a, out))
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1.0
    return np.reciprocal(e, out=e)


def sigmoid_grad(a: Array, out: Array | None = None) -> Array:
    r"""Derivative of the sigmoid with respect to its pre-activation.

    .. math::

        \sigma'(a) = \sigma(a)\,(1 - \sigma(a)) = \sigma(a)\,\sigma(-a)
                   = \frac{1}{2 + 2\cosh a}

    The last form is used: it is even in ``a``, needs one transcendental
    function, and keeps full relative precision in both tails; it underflows
    to 0 only for ``|a| > 710``, where the true value is below 1e-308. The
    textbook ``s * (1 - s)`` loses every digit once ``s = sigma(a)`` rounds to
    1 (``a > 37``).

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Where to write the result (``a`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [0, 1/4].
    """
    c = _buffer(a, out)
    with np.errstate(over="ignore"):  # cosh(a) = inf for |a| > 710: 1 / inf = 0
        np.cosh(a, out=c)
    # 1 / (2 (1 + cosh a)) as (1 / (1 + cosh a)) / 2: the same bits, and no overflow of
    # 2 cosh(a) where cosh(a) itself is still finite (709.8 < |a| <= 710.5).
    c += 1.0
    np.reciprocal(c, out=c)
    c *= 0.5
    return c


def relu(a: Array, out: Array | None = None) -> Array:
    r"""Rectified linear unit.

    .. math:: \mathrm{relu}(a) = \max(a, 0)

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Where to write the result (``a`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``a``
    """
    return np.maximum(a, 0.0, out=_buffer(a, out))


def relu_grad(a: Array, out: Array | None = None) -> Array:
    r"""Derivative of the ReLU: 1 where ``a > 0``, else 0.

    .. math:: \mathrm{relu}'(a) = [a > 0]

    At exactly ``a = 0`` the ReLU has no derivative; any value in [0, 1] is a
    valid subgradient. We take 0, as ``jax.nn.relu`` does, so that the two
    twins agree bit for bit on the kink.

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Where to write the result (``a`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``a``
        Zeros and ones.
    """
    return np.greater(a, 0.0, out=_buffer(a, out))


def tanh(a: Array, out: Array | None = None) -> Array:
    r"""Hyperbolic tangent.

    .. math:: \tanh(a) = \frac{e^{a} - e^{-a}}{e^{a} + e^{-a}} = 2\sigma(2a) - 1

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Where to write the result (``a`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [-1, 1].
    """
    return np.tanh(a, out=_buffer(a, out))


def tanh_grad(a: Array, out: Array | None = None) -> Array:
    r"""Derivative of tanh with respect to its pre-activation.

    .. math:: \tanh'(a) = 1 - \tanh^2(a) = \mathrm{sech}^2(a) = \frac{1}{\cosh^2 a}

    The last form is used for the same reason as in :func:`sigmoid_grad`:
    ``1 - tanh(a)**2`` is exactly 0 for ``|a| > 19`` although the true value
    is still far above the smallest float64.

    Parameters
    ----------
    a : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Where to write the result (``a`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``a``
        Values in [0, 1].
    """
    c = _buffer(a, out)
    with np.errstate(over="ignore"):  # cosh(a) = inf for |a| > 710, and so is its square
        np.cosh(a, out=c)
        c *= c
    return np.reciprocal(c, out=c)


def _buffer(a: Array, out: Array | None) -> Array:
    """``out``, or a new float64 array of ``a``'s shape (an array even when ``a`` is 0-d)."""
    return np.empty(np.shape(a)) if out is None else out


#: Hidden activations by name: ``h``.
ACTIVATIONS: dict[str, Callable[..., Array]] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": tanh,
}

#: Their derivatives by the same name: ``h'``, each a function of the pre-activation ``a``.
DERIVATIVES: dict[str, Callable[..., Array]] = {
    "sigmoid": sigmoid_grad,
    "relu": relu_grad,
    "tanh": tanh_grad,
}
