"""Finite-difference gradients, to check a backpropagation against its own loss.

The check every student should run (Exercise 1.b: "check your derivative"):
differentiate the loss numerically, coordinate by coordinate, and compare.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, softmax

from manual_backprop._checks import check_targets
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES, relu
from manual_backprop.layout import _unpack
from manual_backprop.network import _forward

__all__ = [
    "Derivative",
    "directional_derivative",
    "finite_difference_grad",
    "gradient_scale",
    "relative_error",
    "relu_piece",
]

Array = NDArray[np.float64]

# Fourth-order central differences: truncation error ~ h^4 |J^(5)| / 30 and
# rounding error ~ eps |J| / h, balanced at h ~ eps^(1/5) ~ 7e-4. The total
# error is then ~ eps^(4/5) ~ 3e-13 times the scale of J and its derivatives,
# small enough to check even the residual gradient of a converged optimisation.
# The step is absolute, not scaled by |W_i|: how fast J curves along a weight
# is set by the activations that weight multiplies, not by the weight's size
# (scaling by a trained output weight of ~10 cost ex1-relu four digits).
_STEP = float(np.finfo(np.float64).eps ** 0.2)
# Shrinking the step by 8 up to 8 times (to ~4e-11) keeps the rounding error
# eps |J| / h below ~1e-5 |J|; a point closer than that to a kink is left as is.
_MAX_SHRINKS = 8


class Derivative(NamedTuple):
    """A finite-difference derivative and what is known of its error."""

    #: The estimate, from the stencil at step ``step``.
    value: float
    #: ``|estimate at 2 * step - estimate at step|``: 15 times the truncation
    #: error of ``value`` while the fifth derivative is steady, so a safe bound.
    truncation: float
    #: The step used (smaller than eps^(1/5) where a kink was near).
    step: float


def _stencil(loss: Callable[[Array], float], W: Array, v: Array, h: float) -> float:
    """Fourth-order central difference of ``s -> loss(W + s v)`` at 0, step ``h``."""
    J = [loss(W + k * h * v) for k in (2.0, 1.0, -1.0, -2.0)]
    return (-J[0] + 8.0 * J[1] - 8.0 * J[2] + J[3]) / (12.0 * h)


def directional_derivative(
    loss: Callable[[Array], float],
    W: Array,
    direction: Array,
    piece: Callable[[Array], Array] | None = None,
) -> Derivative:
    r"""Derivative of ``loss`` at ``W`` along ``direction``, by fourth-order central differences.

    .. math::

        \nabla J(W) \cdot v \approx
        \frac{-J(W + 2hv) + 8 J(W + hv) - 8 J(W - hv) + J(W - 2hv)}{12 h}

    with ``h = eps^(1/5)`` (about 7e-4), evaluated at ``h`` and at ``2h`` so
    that their difference bounds the truncation error.

    A piecewise-smooth loss (a ReLU network) has kinks where a hidden
    pre-activation changes sign; a stencil that straddles one measures a
    mixture of two slopes. Given ``piece``, which identifies the smooth piece
    ``W`` lies in (for a ReLU network: the signs of every hidden
    pre-activation), the step is shrunk until every point of both stencils lies
    in the same piece as ``W``.

    Parameters
    ----------
    loss : callable
        ``J(W) -> float``.
    W : ndarray, shape (n_params,)
        Where to differentiate; not modified.
    direction : ndarray, shape (n_params,)
        ``v``; a unit vector ``e_i`` gives the partial derivative along ``W_i``.
    piece : callable, optional
        ``piece(W) -> ndarray``; two points are in the same smooth piece of the
        loss when their arrays are equal.

    Returns
    -------
    Derivative
        Eight loss evaluations (more where the step had to shrink).
    """
    h = _STEP
    if piece is not None:
        home = piece(W)
        for _ in range(_MAX_SHRINKS):
            if all(np.array_equal(piece(W + k * h * direction), home) for k in (4, 2, -2, -4)):
                break
            h /= 8.0
    value = _stencil(loss, W, direction, h)
    return Derivative(value, abs(_stencil(loss, W, direction, 2.0 * h) - value), h)


def finite_difference_grad(
    loss: Callable[[Array], float],
    W: Array,
    piece: Callable[[Array], Array] | None = None,
) -> Array:
    """Gradient of ``loss`` at ``W``, coordinate by coordinate, by :func:`directional_derivative`.

    Parameters
    ----------
    loss : callable
        ``J(W) -> float``.
    W : ndarray, shape (n_params,)
        Where to differentiate; not modified.
    piece : callable, optional
        As in :func:`directional_derivative`.

    Returns
    -------
    ndarray, shape (n_params,)
    """
    W = np.asarray(W, dtype=np.float64)
    unit = np.zeros_like(W)
    grad = np.empty_like(W)
    for i in range(W.size):
        unit[i] = 1.0
        grad[i] = directional_derivative(loss, W, unit, piece).value
        unit[i] = 0.0
    return grad


def relu_piece(X: Array, layer_sizes: Sequence[int]) -> Callable[[Array], Array]:
    """The smooth pieces of a ReLU network's loss on inputs ``X``, for ``piece=``.

    Returns ``piece(W)``: which hidden units are active on which sample. Within
    one such pattern the network is an affine map of its inputs and the loss is
    smooth in ``W``.
    """

    def piece(W: Array) -> Array:
        A, _ = _forward(_unpack(W, layer_sizes), X, relu)
        return np.concatenate([np.zeros(0, dtype=bool)] + [(A_l > 0.0).ravel() for A_l in A[:-1]])

    return piece


def gradient_scale(
    W: Array, X: Array, T: Array, layer_sizes: Sequence[int], lam: float, activation: str
) -> float:
    r"""The size of the numbers added up into the gradient: the yardstick of its rounding.

    Backpropagation run on magnitudes: the output delta ``(P - T) / N`` becomes
    ``(P + |T|) / N`` (the two numbers subtracted), every product and sum is
    taken on absolute values, and the penalty adds ``2 lam |W|``:

    .. math::

        \bar\delta_L = (P + |T|) / N, \qquad
        \bar\delta_{l-1} = |h'(A_{l-1})| \odot (\bar\delta_l |W_l|^\top), \qquad
        \bar G_l = |Z_{l-1}|^\top \bar\delta_l + 2\lambda |W_l|

    and the scale is the largest entry of :math:`\bar G`. A computation's
    rounding error is a few eps times this, however much the terms cancel:
    where the network is confidently right, where the data and penalty terms
    balance at a minimum, or where ``P - T`` is computed naively (correct
    float64 code, such as ``jax.grad``'s, may round ``P_ic - 1`` to 0).
    """
    sizes = list(layer_sizes)
    T_matrix = check_targets(T, X.shape[0], sizes[-1])
    params = _unpack(np.asarray(W, dtype=np.float64), sizes)
    A, Z = _forward(params, X, ACTIVATIONS[activation])
    P = expit(A[-1]) if sizes[-1] == 1 else softmax(A[-1], axis=1)
    delta = (P + np.abs(T_matrix)) / X.shape[0]
    scale = 0.0
    for l in range(len(params), 0, -1):
        W_l = params[l - 1][0]
        G_W = np.abs(Z[l - 1]).T @ delta + 2.0 * lam * np.abs(W_l)
        scale = max(scale, float(np.max(G_W)), float(np.max(np.sum(delta, axis=0))))
        if l > 1:
            delta = np.abs(DERIVATIVES[activation](A[l - 2])) * (delta @ np.abs(W_l).T)
    return scale


def relative_error(actual: Array, expected: Array, scale: float | None = None) -> float:
    """Normwise relative error ``max|actual - expected| / scale``.

    ``scale`` defaults to ``max|expected|``; 0 is returned when both the
    difference and the scale are 0.
    """
    if scale is None:
        scale = float(np.max(np.abs(expected), initial=0.0))
    difference = float(np.max(np.abs(np.asarray(actual) - expected), initial=0.0))
    if scale == 0.0:
        return 0.0 if difference == 0.0 else float("inf")
    return difference / scale
