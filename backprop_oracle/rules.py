"""The oracle's comparison rules: pure functions of numbers, no worker, no search.

Each rule takes what a submission returned and what the reference computed
(or, for self-consistency, a way to evaluate the submission's own loss), and
says whether they agree within the tolerances of :mod:`.tolerances`, as a
:class:`~backprop_oracle.findings.Finding` or None. A gradient's disagreement
is described block by block in the canonical layout (SPEC section 2), so that
a report can say *where* it is wrong.

==========================  =====================================================
:func:`non_finite`          the returned loss and gradient are finite
:func:`loss_tolerance`      how far a correct loss may be from the reference's
:func:`compare_loss`        the loss against the reference, within that tolerance
:func:`compare_gradient`    the gradient against the reference, normwise, with
                            the failing blocks (:func:`localise`)
:func:`self_consistency`    the gradient against finite differences of the
                            submission's own loss
:func:`on_a_kink`           a ReLU problem on a kink decides nothing
==========================  =====================================================
"""

import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from backprop_oracle.findings import Finding
from backprop_oracle.tolerances import (
    EPS,
    FD_RTOL,
    GRADIENT_ATOL,
    GRADIENT_RTOL,
    LOSS_ATOL,
    LOSS_LOGIT_ULPS,
    LOSS_RTOL,
)
from manual_backprop.gradcheck import (
    directional_derivative,
    logit_magnitude,
    loss_rounding,
    pre_activations,
    relative_error,
)

__all__ = [
    "MAX_FD_COORDINATES",
    "Comparison",
    "NoDerivative",
    "block_of",
    "blocks",
    "compare_gradient",
    "compare_loss",
    "fd_coordinates",
    "localise",
    "loss_tolerance",
    "non_finite",
    "on_a_kink",
    "self_consistency",
]

#: Coordinates checked against finite differences at a counterexample.
MAX_FD_COORDINATES = 40

Array = NDArray[np.float64]


def blocks(layer_sizes: Sequence[int]) -> list[tuple[str, slice, tuple[int, ...]]]:
    """The parameter blocks of the canonical vector, in order.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, ..., n_L]``.

    Returns
    -------
    list of (str, slice, tuple of int)
        ``(name, where, shape)`` for ``W1, b1, W2, ...``: ``W[where]`` holds the
        block, ``W_l`` of shape ``(n_{l-1}, n_l)`` row-major, ``b_l`` of shape ``(n_l,)``.
    """
    found: list[tuple[str, slice, tuple[int, ...]]] = []
    start = 0
    for l, (n_in, n_out) in enumerate(pairwise(layer_sizes), start=1):
        found.append((f"W{l}", slice(start, start + n_in * n_out), (n_in, n_out)))
        start += n_in * n_out
        found.append((f"b{l}", slice(start, start + n_out), (n_out,)))
        start += n_out
    return found


def block_of(index: int, layer_sizes: Sequence[int]) -> str:
    """The name of the parameter at flat ``index``, such as ``W2[3, 0]`` or ``b1[4]``.

    Parameters
    ----------
    index : int
        A position in the canonical vector ``W`` of shape ``(n_params,)``.
    layer_sizes : sequence of int
        ``[n_0, ..., n_L]``.

    Raises
    ------
    IndexError
        When ``index`` is beyond the last parameter.
    """
    start = 0
    for l, (n_in, n_out) in enumerate(pairwise(layer_sizes), start=1):
        if index < start + n_in * n_out:
            row, column = divmod(index - start, n_out)
            return f"W{l}[{row}, {column}]"
        start += n_in * n_out
        if index < start + n_out:
            return f"b{l}[{index - start}]"
        start += n_out
    raise IndexError(f"index {index} is beyond the {start} parameters of {list(layer_sizes)}")


def localise(
    grad: Array, reference: Array, layer_sizes: list[int], scale: float, worst: int = 3
) -> list[dict[str, Any]]:
    """The blocks where ``grad`` and ``reference`` differ beyond tolerance, worst entries first.

    Parameters
    ----------
    grad, reference : ndarray of shape (n_params,)
        The submission's gradient and the reference's, both canonical.
    layer_sizes : list of int
        ``[n_0, ..., n_L]``.
    scale : float
        The gradient's scale (:func:`manual_backprop.gradcheck.gradient_scale`):
        a block fails when ``max |grad - reference| / scale`` exceeds
        :data:`~backprop_oracle.tolerances.GRADIENT_RTOL`.
    worst : int
        How many entries of each failing block to name.

    Returns
    -------
    list of dict
        One ``{"block", "relative_error", "worst": [{"entry", "submission",
        "reference"}, ...]}`` per failing block, the largest error first.
    """
    found = []
    for name, where, _ in blocks(layer_sizes):
        gap = np.abs(grad[where] - reference[where])
        error = float(np.max(gap)) / scale if scale > 0 else math.inf
        if not float(np.max(gap)) > GRADIENT_RTOL * scale + GRADIENT_ATOL:
            continue
        order = np.argsort(-gap, kind="stable")[:worst]
        found.append(
            {
                "block": name,
                "relative_error": error,
                "worst": [
                    {
                        "entry": block_of(where.start + int(i), layer_sizes),
                        "submission": float(grad[where][i]),
                        "reference": float(reference[where][i]),
                    }
                    for i in order
                ],
            }
        )
    return sorted(found, key=lambda b: -b["relative_error"])


def on_a_kink(W: Array, X: Array, layer_sizes: Sequence[int]) -> bool:
    """Whether some hidden pre-activation of a ReLU network is exactly 0.

    There ``relu'(0)`` may be taken as 0 (the reference) or 1 (SPEC section
    1): both are right, so such a problem decides nothing about a submission.

    Parameters
    ----------
    W : ndarray of shape (n_params,)
        Canonical parameter vector.
    X : ndarray of shape (N, n_0)
        Inputs.
    layer_sizes : list of int
        ``[n_0, ..., n_L]``.
    """
    A = pre_activations(W, X, layer_sizes, "relu")
    return any(bool(np.any(A_l == 0.0)) for A_l in A[:-1])


class Comparison(NamedTuple):
    """The outcome of comparing a submission's number with the reference's."""

    #: The error over its tolerance: at most 1 passes.
    ratio: float
    #: What is wrong, or None when the submission agrees.
    finding: Finding | None
    #: For a gradient, the failing blocks as :func:`localise` gives them.
    blocks: list[dict[str, Any]]


def non_finite(loss: float, grad: Array) -> Finding | None:
    """A ``non-finite`` finding when the returned loss or gradient holds NaN or inf.

    Parameters
    ----------
    loss : float
        The returned loss.
    grad : ndarray of shape (n_params,)
        The returned gradient.
    """
    bad = [
        name for name, value in (("loss", loss), ("grad", grad)) if not np.all(np.isfinite(value))
    ]
    if not bad:
        return None
    return Finding("non-finite", f"the returned {' and '.join(bad)} contains NaN or inf")


def loss_tolerance(
    reference_loss: float,
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float,
    activation: str,
    output: str = "auto",
) -> float:
    r"""How far a correct computation of the loss may be from ``reference_loss``.

    .. math::

        \tau = r J + a + u\,\varepsilon\,\overline{\max_k M_{ik}} + \epsilon_J

    with ``r = LOSS_RTOL``, ``a = LOSS_ATOL`` and ``u = LOSS_LOGIT_ULPS`` (their
    reasons are in :mod:`.tolerances`), ``M`` the logits' magnitude bound
    (:func:`manual_backprop.gradcheck.logit_magnitude`, shape ``(N, n_L)``) and
    :math:`\epsilon_J` the reference's own rounding
    (:func:`manual_backprop.gradcheck.loss_rounding`).

    Parameters
    ----------
    reference_loss : float
        ``J``, the reference's loss on this problem.
    W : ndarray of shape (n_params,)
        Canonical parameters.
    X : ndarray of shape (N, n_0)
    T : ndarray of shape (N,) or (N, n_L)
    layer_sizes : sequence of int
    lam : float
    activation : str
    output : str
        The reference's output. With ``sigmoids`` (ex4's K independent units)
        each sample's loss adds a term per unit, each carrying its own logit's
        rounding: the sum over the units replaces the largest logit.
    """
    logits = logit_magnitude(W, X, layer_sizes, activation)
    per_sample = np.sum(logits, axis=1) if output == "sigmoids" else np.max(logits, axis=1)
    return (
        LOSS_RTOL * reference_loss
        + LOSS_ATOL
        + LOSS_LOGIT_ULPS * EPS * float(np.mean(per_sample))
        + loss_rounding(W, X, T, layer_sizes, lam, activation, output=output)
    )


def compare_loss(loss: float, reference_loss: float, tolerance: float) -> Comparison:
    """The loss against the reference's: a ``loss-mismatch`` beyond ``tolerance``.

    Parameters
    ----------
    loss, reference_loss : float
        The submission's loss and the reference's.
    tolerance : float
        From :func:`loss_tolerance`.
    """
    difference = abs(loss - reference_loss)
    if difference <= tolerance:
        return Comparison(difference / tolerance, None, [])
    return Comparison(
        difference / tolerance,
        Finding(
            "loss-mismatch",
            f"the loss is {loss!r} where the assignment's loss is {reference_loss!r} "
            f"(difference {difference:.3g}, tolerance {tolerance:.3g})",
        ),
        [],
    )


def compare_gradient(
    grad: Array, reference: Array, layer_sizes: list[int], scale: float
) -> Comparison:
    """The gradient against the reference's, normwise: a ``gradient-mismatch`` beyond tolerance.

    The error is ``max |grad - reference| / scale``, allowed up to
    :data:`~backprop_oracle.tolerances.GRADIENT_RTOL`; beyond it, the finding
    names the failing blocks (:func:`localise`) and the worst entry.

    Parameters
    ----------
    grad, reference : ndarray of shape (n_params,)
        The submission's gradient and the reference's, both canonical.
    layer_sizes : list of int
    scale : float
        :func:`manual_backprop.gradcheck.gradient_scale` of the problem.
    """
    error = relative_error(grad, reference, scale)
    tolerance = GRADIENT_RTOL * scale + GRADIENT_ATOL  # the absolute part: underflow only
    gap = float(np.max(np.abs(grad - reference), initial=0.0))
    if not gap > tolerance:
        return Comparison(gap / tolerance, None, [])
    found = localise(grad, reference, layer_sizes, scale)
    worst = found[0]["worst"][0]
    return Comparison(
        gap / tolerance,
        Finding(
            "gradient-mismatch",
            f"the gradient differs from the reference in "
            f"{', '.join(b['block'] for b in found)} (relative error {error:.3g}, that is "
            f"the largest |yours - reference| over S = {scale:.3g}, the size of the terms "
            f"summed into the gradient; at {worst['entry']} yours is "
            f"{worst['submission']!r}, the reference {worst['reference']!r})",
            {"blocks": [b["block"] for b in found]},
        ),
        found,
    )


class NoDerivative(Exception):
    """Raised by an ``own_loss`` that cannot evaluate the loss near the point."""


def fd_coordinates(gap: Array, seed: int = 0) -> list[int]:
    """The coordinates to check against finite differences, at most :data:`MAX_FD_COORDINATES`.

    Every coordinate of a small vector; otherwise the half where the gradient
    is furthest from the reference's, and as many others drawn at random.

    Parameters
    ----------
    gap : ndarray of shape (n_params,)
        ``|grad - reference|``.
    seed : int
        Seeds the random half.
    """
    rng = np.random.default_rng(seed)
    if gap.size <= MAX_FD_COORDINATES:
        return list(range(gap.size))
    worst = np.argsort(-gap, kind="stable")[: MAX_FD_COORDINATES // 2]
    others = rng.choice(gap.size, MAX_FD_COORDINATES // 2, replace=False)
    return sorted({int(i) for i in worst} | {int(i) for i in others})


def self_consistency(
    own_loss: Callable[[Array], float],
    W: Array,
    loss: float,
    grad: Array,
    coordinates: Sequence[int],
    *,
    layer_sizes: Sequence[int] = (),
    scale: float | None = None,
    rounding: float = 0.0,
    piece: Callable[[Array], Array] | None = None,
) -> Finding | None:
    r"""The gradient against finite differences of the submission's *own* loss.

    A ``gradient-inconsistent`` finding names the coordinate whose gap is the
    largest multiple of its bound

    .. math::

        |g_i - d_i| \le r \max(s, |d_i|) + 2 t_i + 3 \eta / h_i

    with ``d_i`` the fourth-order difference
    (:func:`manual_backprop.gradcheck.directional_derivative`), ``t_i`` its
    truncation estimate, ``h_i`` its step, ``r = FD_RTOL``, ``s`` the larger of
    ``max |g|`` and ``scale``, and ``eta = 64 eps |loss| + rounding`` the loss's
    rounding. A coordinate whose loss cannot be evaluated nearby, or whose
    stencil cannot stay in one smooth piece, is skipped.

    Parameters
    ----------
    own_loss : callable
        ``own_loss(W) -> float``; raises :class:`NoDerivative` where it has no value.
    W : ndarray of shape (n_params,)
        The point, as ``own_loss`` takes it.
    loss : float
        ``own_loss(W)``.
    grad : ndarray of shape (n_params,)
        The submission's gradient at ``W``.
    coordinates : sequence of int
        Which partial derivatives to check.
    layer_sizes : sequence of int
        Names the coordinate (``W2[0, 1]``); empty for a ``fun(W)``, whose
        coordinates are named ``W[i]``.
    scale : float, optional
        The gradient's scale, when known.
    rounding : float
        The rounding error of the loss beyond ``64 eps |loss|``
        (:func:`manual_backprop.gradcheck.loss_rounding`).
    piece : callable, optional
        For a ReLU network, :func:`manual_backprop.gradcheck.relu_piece`.
    """
    size = max(float(np.max(np.abs(grad), initial=0.0)), scale or 0.0)
    noise = 64 * EPS * abs(loss)
    noise += rounding
    worst: tuple[float, int, float] | None = None
    unit = np.zeros_like(W)
    for i in coordinates:
        unit[i] = 1.0
        try:
            d = directional_derivative(own_loss, W, unit, piece, noise)
        except NoDerivative:
            d = None
        unit[i] = 0.0
        if d is None or not d.smooth or not math.isfinite(d.value):
            continue
        bound = FD_RTOL * max(size, abs(d.value)) + 2.0 * d.truncation + 3.0 * noise / d.step
        bound += GRADIENT_ATOL  # derivatives lost to underflow decide nothing
        gap = abs(float(grad[i]) - d.value)
        ratio = gap / bound if bound > 0.0 else math.inf  # bound 0: any gap disagrees
        if gap > bound and (worst is None or ratio > worst[0]):
            worst = (ratio, i, d.value)
    if worst is None:
        return None
    _, i, value = worst
    where = block_of(i, layer_sizes) if layer_sizes else f"W[{i}]"
    return Finding(
        "gradient-inconsistent",
        f"the gradient disagrees with finite differences of the submission's own "
        f"loss: at {where} it is {float(grad[i])!r}, the loss changes at "
        f"a rate of {value!r}",
    )
