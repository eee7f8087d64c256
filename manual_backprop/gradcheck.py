"""Finite-difference gradients, to check a backpropagation against its own loss.

The check every student should run (Exercise 1.b: "check your derivative"):
differentiate the loss numerically, coordinate by coordinate, and compare.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["finite_difference_grad", "relative_error"]

Array = NDArray[np.float64]

# Fourth-order central differences: truncation error ~ h^4 |J^(5)| / 30 and
# rounding error ~ eps |J| / h, balanced at h ~ eps^(1/5) ~ 7e-4. The total
# error is then ~ eps^(4/5) ~ 3e-13 times the scale of J and its derivatives,
# small enough to check even the residual gradient of a converged optimisation.
# The step is absolute, not scaled by |W_i|: how fast J curves along a weight
# is set by the activations that weight multiplies, not by the weight's size
# (scaling by a trained output weight of ~10 cost ex1-relu four digits).
_STEP = float(np.finfo(np.float64).eps ** 0.2)
# Shrinking the step by 8 up to 8 times (to ~1e-11) keeps the rounding error
# eps |J| / h below ~1e-5 |J|; a point closer than that to a kink is left as is.
_MAX_SHRINKS = 8


def finite_difference_grad(
    loss: Callable[[Array], float],
    W: Array,
    piece: Callable[[Array], Array] | None = None,
) -> Array:
    r"""Gradient of ``loss`` at ``W`` by fourth-order central differences.

    .. math::

        \frac{\partial J}{\partial W_i} \approx
        \frac{-J(W + 2h e_i) + 8 J(W + h e_i) - 8 J(W - h e_i) + J(W - 2h e_i)}{12 h}

    with ``h = eps^(1/5)`` (about 7e-4) for every coordinate.

    A piecewise-smooth loss (a ReLU network) has kinks where a hidden
    pre-activation changes sign; a stencil that straddles one measures a
    mixture of two slopes. Given ``piece``, which identifies the smooth piece
    ``W`` lies in (for a ReLU network: the signs of every hidden
    pre-activation), the step is shrunk until all four points lie in the same
    piece as ``W``.

    Parameters
    ----------
    loss : callable
        ``J(W) -> float``.
    W : ndarray, shape (n_params,)
        Where to differentiate; not modified.
    piece : callable, optional
        ``piece(W) -> ndarray``; two points are in the same smooth piece of the
        loss when their arrays are equal.

    Returns
    -------
    ndarray, shape (n_params,)
        Four loss evaluations per coordinate.
    """
    W = np.array(W, dtype=np.float64)  # our own copy, nudged one coordinate at a time
    grad = np.empty_like(W)
    home = None if piece is None else piece(W)
    for i, w_i in enumerate(W.copy()):
        h = _STEP
        for _ in range(_MAX_SHRINKS if piece is not None else 0):
            if _stencil_in_piece(piece, home, W, i, w_i, h):  # type: ignore[arg-type]
                break
            h /= 8.0
        values = []
        for k in (2, 1, -1, -2):
            W[i] = w_i + k * h
            values.append(loss(W))
        W[i] = w_i
        grad[i] = (-values[0] + 8.0 * values[1] - 8.0 * values[2] + values[3]) / (12.0 * h)
    return grad


def _stencil_in_piece(
    piece: Callable[[Array], Array], home: Array, W: Array, i: int, w_i: float, h: float
) -> bool:
    """Whether ``W + k h e_i`` for k = +-1, +-2 all lie in the piece ``home``."""
    try:
        for k in (2, 1, -1, -2):
            W[i] = w_i + k * h
            if not np.array_equal(piece(W), home):
                return False
        return True
    finally:
        W[i] = w_i


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
