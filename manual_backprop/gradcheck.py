"""Finite-difference gradients, to check a backpropagation against its own loss.

The check every student should run (Exercise 1.b: "check your derivative"):
differentiate the loss numerically, coordinate by coordinate, and compare.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, softmax

from manual_backprop._checks import (
    check_activation,
    check_inputs,
    check_layer_sizes,
    check_sigmoid_targets,
    check_targets,
    check_weights,
)
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES, relu
from manual_backprop.layout import _unpack, n_params
from manual_backprop.network import _forward
from manual_backprop.network import loss as loss_value

__all__ = [
    "Derivative",
    "directional_derivative",
    "finite_difference_grad",
    "gradient_scale",
    "logit_magnitude",
    "loss_rounding",
    "pre_activations",
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
# A truncation estimate below 1e-10 of the derivative needs no smaller step;
# above it, steps down to h / 2^14 are tried and the one with the smallest
# truncation estimate plus rounding error (eps |J| / h, times the loss's own
# rounding of up to ~N + L ulps and the stencil's weight 1.5) is kept.
_CONVERGED = 1e-10
_MAX_HALVINGS = 14
_ROUNDING = 64.0
_EPS = float(np.finfo(np.float64).eps)


class Derivative(NamedTuple):
    """A finite-difference derivative and what is known of its error."""

    #: The estimate, from the stencil at step ``step``.
    value: float
    #: ``|estimate at 2 * step - estimate at step|``: 15 times the truncation
    #: error of ``value`` while the fifth derivative is steady, so a safe bound.
    truncation: float
    #: The step used (smaller than eps^(1/5) where a kink was near).
    step: float
    #: False when ``piece`` was given and no step kept every stencil point in
    #: the piece of ``W`` (a pre-activation on the kink itself): then ``value``
    #: mixes two slopes and means nothing.
    smooth: bool = True


def _stencil(loss: Callable[[Array], float], W: Array, v: Array, h: float) -> float:
    """Fourth-order central difference of ``s -> loss(W + s v)`` at 0, step ``h``."""
    J = [loss(W + k * h * v) for k in (2.0, 1.0, -1.0, -2.0)]
    return (-J[0] + 8.0 * J[1] - 8.0 * J[2] + J[3]) / (12.0 * h)


def directional_derivative(
    loss: Callable[[Array], float],
    W: Array,
    direction: Array,
    piece: Callable[[Array], Array] | None = None,
    noise: float | None = None,
) -> Derivative:
    r"""Derivative of ``loss`` at ``W`` along ``direction``, by fourth-order central differences.

    .. math::

        \nabla J(W) \cdot v \approx
        \frac{-J(W + 2hv) + 8 J(W + hv) - 8 J(W - hv) + J(W - 2hv)}{12 h}

    with ``h = eps^(1/5)`` (about 7e-4), evaluated at ``h`` and at ``2h`` so
    that their difference bounds the truncation error. Where that bound is
    large, smaller steps are tried and the one with the smallest estimated
    error (truncation plus rounding) is kept.

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
    noise : float, optional
        Bound on the rounding error of one evaluation of ``loss`` near ``W``,
        used to weigh truncation against rounding when choosing a step; by
        default ``64 eps |loss(W)|``. Where the logits are large, their own
        rounding makes the loss's error much larger than that (see
        :func:`loss_rounding`).

    Returns
    -------
    Derivative
        Eight loss evaluations, or 65 where smaller steps had to be tried.
    """
    h = _STEP
    smooth = True
    if piece is not None:
        # Every stencil below, at 2h and at any smaller step, stays within +-4h.
        home = piece(W)
        for _ in range(_MAX_SHRINKS):
            if all(np.array_equal(piece(W + k * h * direction), home) for k in (4, 2, -2, -4)):
                break
            h /= 8.0
        else:
            smooth = False
    coarse, value = _stencil(loss, W, direction, 2.0 * h), _stencil(loss, W, direction, h)
    truncation = abs(coarse - value)
    # Where the loss curves on a scale shorter than h (huge weights, deep
    # products) that estimate is large: try ever smaller steps, bound each
    # one's truncation error by its distance to both neighbours in the sequence
    # (one neighbour alone can be close by coincidence), and keep the step with
    # the smallest bound plus rounding error.
    if truncation > _CONVERGED * abs(value):
        steps = [h / 2.0**k for k in range(-1, _MAX_HALVINGS + 1)]
        values = [coarse, value] + [_stencil(loss, W, direction, h_k) for h_k in steps[2:]]
        rounding = 1.5 * (_ROUNDING * _EPS * abs(loss(W)) if noise is None else noise)
        candidates = [
            (
                max(abs(values[k - 1] - values[k]), abs(values[k] - values[k + 1]))
                + rounding / steps[k],
                k,
            )
            for k in range(1, len(steps) - 1)
        ]
        _, best = min(candidates)
        h, value = steps[best], values[best]
        truncation = max(abs(values[best - 1] - value), abs(value - values[best + 1]))
    return Derivative(value, truncation, h, smooth)


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


def pre_activations(
    W: Array, X: Array, layer_sizes: Sequence[int], activation: str = "sigmoid"
) -> list[Array]:
    r"""Every layer's pre-activations on inputs ``X``: where a ReLU network has its kinks.

    .. math::

        Z_0 = X, \qquad A_l = Z_{l-1} W_l + b_l, \qquad Z_l = h(A_l) \quad (l < L)

    The loss of a ReLU network is smooth in ``W`` except where some hidden
    ``A_l`` is exactly 0; there its derivative may be taken as ``relu'(0) = 0``
    (as :func:`manual_backprop.relu_grad` does) or 1, and both are right.

    Parameters
    ----------
    W : ndarray, shape (n_params,)
        Flat parameter vector in the canonical layout.
    X : ndarray, shape (N, n_0)
        Inputs, one sample per row.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    activation : {"sigmoid", "relu", "tanh"}
        The hidden activation ``h``.

    Returns
    -------
    list of ndarray
        ``[A_1, ..., A_L]``, ``A_l`` of shape ``(N, n_l)``; ``A_L`` holds the logits.

    Raises
    ------
    ValueError, TypeError
        For bad input, as :func:`manual_backprop.loss` does: the message names
        the argument.

    See Also
    --------
    manual_backprop.forward : the logits ``A_L`` alone.
    relu_piece : which hidden units are active, for finite differences within one piece.
    """
    sizes = check_layer_sizes(layer_sizes)
    weights = check_weights(W, n_params(sizes))
    inputs = check_inputs(X, sizes[0])
    h = ACTIVATIONS[check_activation(activation, tuple(ACTIVATIONS))]
    A, _ = _forward(_unpack(weights, sizes), inputs, h)
    return A


def _forward_to_probabilities(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    activation: str,
    output: str = "auto",
) -> tuple[list[tuple[Array, Array]], list[Array], list[Array], Array, Array]:
    """The layers, the forward pass's A and Z, the output probabilities (a sigmoid per
    unit for one unit or ``output="sigmoids"``, else the softmax), T as a matrix."""
    sigmoids = output == "sigmoids" or layer_sizes[-1] == 1
    check = check_sigmoid_targets if output == "sigmoids" else check_targets
    T_matrix = check(T, X.shape[0], layer_sizes[-1])
    params = _unpack(np.asarray(W, dtype=np.float64), layer_sizes)
    A, Z = _forward(params, X, ACTIVATIONS[activation])
    P = expit(A[-1]) if sigmoids else softmax(A[-1], axis=1)
    return params, A, Z, P, T_matrix


def gradient_scale(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float,
    activation: str,
    output: str = "auto",
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
    ``output`` is :func:`manual_backprop.loss`'s: with ``"sigmoids"``, ``P = sigma(A_L)``
    unit by unit.
    """
    params, A, Z, P, T_matrix = _forward_to_probabilities(W, X, T, layer_sizes, activation, output)
    delta = (P + np.abs(T_matrix)) / X.shape[0]
    scale = 0.0
    for l in range(len(params), 0, -1):
        W_l = params[l - 1][0]
        G_W = np.abs(Z[l - 1]).T @ delta + 2.0 * lam * np.abs(W_l)
        scale = max(scale, float(np.max(G_W)), float(np.max(np.sum(delta, axis=0))))
        if l > 1:
            delta = np.abs(DERIVATIVES[activation](A[l - 2])) * (delta @ np.abs(W_l).T)
    return scale


def logit_magnitude(W: Array, X: Array, layer_sizes: Sequence[int], activation: str) -> Array:
    r"""A bound on the size of every output logit, from the forward pass run on magnitudes.

    .. math::

        M_0 = |X|, \qquad M_l = \min(|h|_{\max}, |M_{l-1}| |W_l| + |b_l|)

    with :math:`|h|_{\max} = 1` for sigmoid and tanh and no cap for ReLU
    (:math:`|h(a)| \le |a|`). A computed logit carries a rounding error of a
    few ulps of this bound, however much its terms cancel.

    Returns
    -------
    ndarray, shape (N, n_L)
    """
    params = _unpack(np.asarray(W, dtype=np.float64), layer_sizes)
    magnitude = np.abs(X)
    for l, (W_l, b_l) in enumerate(params, start=1):
        magnitude = magnitude @ np.abs(W_l) + np.abs(b_l)
        if l < len(params) and activation != "relu":
            magnitude = np.minimum(magnitude, 1.0)  # |sigmoid|, |tanh| <= 1
    return magnitude


def loss_rounding(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float,
    activation: str,
    output: str = "auto",
) -> float:
    r"""A bound on the rounding error of one evaluation of :func:`manual_backprop.loss`.

    Two sources: the loss's own arithmetic, a few ulps of each of its
    non-negative terms, and the rounding of the logits, each carrying an
    absolute error of a few ulps of :math:`M`, the size its forward pass would
    reach on magnitudes (:func:`logit_magnitude`), passed on to the loss
    through :math:`|\partial J / \partial a| = |p - t| / N`:

    .. math::

        \epsilon_J \approx c\,\varepsilon \Bigl(J + \sum_i \frac{|p_i - t_i|}{N} M_i\Bigr)

    with :math:`c = 64` covering sums of up to ~60 terms. Near a saturated
    output, the second term dominates by orders of magnitude: a loss of 1e-188
    made of logits of size 400 is known to ~1e-12 of itself, not to 1e-14.
    ``output`` is :func:`manual_backprop.loss`'s.
    """
    _, _, _, P, T_matrix = _forward_to_probabilities(W, X, T, layer_sizes, activation, output)
    sensitivity = np.abs(P - T_matrix) / X.shape[0]
    magnitude = logit_magnitude(W, X, layer_sizes, activation)
    J = loss_value(W, X, T_matrix, layer_sizes, lam, activation, output=output)
    # The "sigmoids" loss sums N K terms, not N: the worst-case error of a recursive sum
    # grows with the number of terms, and 64 K ulps (>= N K + 24 for the property tests'
    # N <= 40, K <= 5) keeps the margin 64 gives the other outputs.
    ulps = _ROUNDING * (layer_sizes[-1] if output == "sigmoids" else 1)
    return ulps * _EPS * (J + float(np.sum(sensitivity * magnitude)))


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
