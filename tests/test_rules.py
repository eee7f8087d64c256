"""The oracle's comparison rules, each on numbers alone: no worker, no search.

Every rule gets a case that passes (another correct computation, or an error
just inside the tolerance of :mod:`backprop_oracle.tolerances`) and a case that
fails (a known mistake, or an error just outside it). The tolerances are the
oracle's own, so these tests pin down where its lines are drawn.
"""

import math

import numpy as np
import pytest

import manual_backprop as mb
from backprop_oracle.rules import (
    MAX_FD_COORDINATES,
    NoDerivative,
    compare_gradient,
    compare_loss,
    fd_coordinates,
    loss_tolerance,
    non_finite,
    on_a_kink,
    self_consistency,
)
from backprop_oracle.tolerances import GRADIENT_ATOL, GRADIENT_RTOL, LOSS_ATOL, LOSS_RTOL
from manual_backprop.gradcheck import gradient_scale

SIZES = [3, 4, 2]  # W1: 0-11, b1: 12-15, W2: 16-23, b2: 24-25
LAM = 0.1


def _problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, X, T)``: a 3-4-2 sigmoid network, 6 samples, one-hot targets."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(-1.0, 1.0, mb.n_params(SIZES))
    X = rng.normal(size=(6, 3))
    T = np.eye(2)[rng.integers(0, 2, size=6)]
    return W, X, T


W, X, T = _problem()
ARGS = (W, X, T, SIZES, LAM, "sigmoid")
REFERENCE_LOSS, REFERENCE_GRAD = mb.loss_and_grad(*ARGS)
SCALE = gradient_scale(*ARGS)

# ------------------------------------------------------------------- finiteness


def test_finite_numbers_pass():
    assert non_finite(1.5, np.array([0.0, -2.0])) is None


@pytest.mark.parametrize(
    ("loss", "grad", "named"),
    [
        (math.nan, np.zeros(3), "loss"),
        (1.0, np.array([0.0, math.inf, 1.0]), "grad"),
        (-math.inf, np.array([math.nan]), "loss and grad"),
    ],
)
def test_nan_or_inf_is_a_non_finite_finding_naming_what(loss, grad, named):
    finding = non_finite(loss, grad)
    assert finding is not None
    assert finding.kind == "non-finite"
    assert finding.message == f"the returned {named} contains NaN or inf"


# ------------------------------------------------------------------------- loss


def test_the_loss_tolerance_is_relative_absolute_and_logit_rounding_together():
    """Never below its relative and absolute parts; on moderate logits, not far above."""
    tolerance = loss_tolerance(REFERENCE_LOSS, *ARGS)
    floor = LOSS_RTOL * REFERENCE_LOSS + LOSS_ATOL
    assert tolerance > floor
    # logits of size ~1 add a few hundred ulps of rounding: 1e-13 at most here
    assert tolerance < floor + 1e-13


def test_the_per_sample_loss_passes():
    """The seed's per-sample algorithm sums in another order: far inside the tolerance."""
    loss, _ = mb.loss_and_grad_per_sample(*ARGS)
    comparison = compare_loss(loss, REFERENCE_LOSS, loss_tolerance(REFERENCE_LOSS, *ARGS))
    assert comparison.finding is None
    assert comparison.ratio < 1e-2  # rounding of ~10 terms, against a tolerance of ~1e-11


@pytest.mark.parametrize(("fraction", "passes"), [(0.99, True), (1.01, False)])
def test_the_loss_line_is_drawn_at_the_tolerance(fraction, passes):
    tolerance = loss_tolerance(REFERENCE_LOSS, *ARGS)
    comparison = compare_loss(REFERENCE_LOSS + fraction * tolerance, REFERENCE_LOSS, tolerance)
    assert (comparison.finding is None) == passes
    # J + 0.99 tolerance rounds at eps J ~ 2e-16, ~2e-5 of the tolerance
    assert comparison.ratio == pytest.approx(fraction, rel=1e-3)


def test_a_loss_without_its_penalty_is_a_loss_mismatch():
    """``penalty-missing-in-loss``: the data term alone."""
    data_term = mb.loss(W, X, T, SIZES, 0.0, "sigmoid")
    tolerance = loss_tolerance(REFERENCE_LOSS, *ARGS)
    comparison = compare_loss(data_term, REFERENCE_LOSS, tolerance)
    assert comparison.finding is not None
    assert comparison.finding.kind == "loss-mismatch"
    assert comparison.finding.message.startswith(f"the loss is {data_term!r} where the assignment")
    assert comparison.ratio > 1e8  # the penalty, ~1, over a tolerance of ~1e-11


# --------------------------------------------------------------------- gradient


def test_the_per_sample_gradient_passes():
    _, grad = mb.loss_and_grad_per_sample(*ARGS)
    comparison = compare_gradient(grad, REFERENCE_GRAD, SIZES, SCALE)
    assert comparison.finding is None
    assert comparison.blocks == []
    assert comparison.ratio < 1e-2  # ~1e-16 of the scale, against GRADIENT_RTOL = 1e-10


@pytest.mark.parametrize(("fraction", "passes"), [(0.99, True), (1.01, False)])
def test_the_gradient_line_is_drawn_at_the_tolerance(fraction, passes):
    grad = REFERENCE_GRAD.copy()
    grad[13] += fraction * GRADIENT_RTOL * SCALE  # b1[1]
    comparison = compare_gradient(grad, REFERENCE_GRAD, SIZES, SCALE)
    assert (comparison.finding is None) == passes
    # the addition rounds at eps of grad[13]'s size, a tiny fraction of the tolerance
    assert comparison.ratio == pytest.approx(fraction, rel=1e-3)


@pytest.mark.parametrize(("gap", "passes"), [(1.459e-319, True), (1e-300, False)])
def test_a_gradient_lost_to_underflow_decides_nothing(gap, passes):
    """Saturating weights can underflow every term of the gradient: the scale is 0, the
    reference's entries are 0.0 and a correct submission may keep a subnormal. Below
    GRADIENT_ATOL (128 times the smallest normal number) a difference is rounding."""
    sizes = [2, 2, 2, 1]
    zero = np.zeros(mb.n_params(sizes))
    grad = zero.copy()
    grad[-1] = gap
    comparison = compare_gradient(grad, zero, sizes, 0.0)
    assert (comparison.finding is None) == passes
    assert (comparison.blocks == []) == passes
    assert GRADIENT_ATOL == 128 * np.finfo(np.float64).tiny


def test_a_regularised_bias_is_a_gradient_mismatch_in_the_bias_blocks():
    """``bias-regularized``: 2 lam b_l added to every bias gradient."""
    grad = REFERENCE_GRAD.copy()
    grad[12:16] += 2 * LAM * W[12:16]
    grad[24:26] += 2 * LAM * W[24:26]
    comparison = compare_gradient(grad, REFERENCE_GRAD, SIZES, SCALE)
    assert comparison.finding is not None
    assert comparison.finding.kind == "gradient-mismatch"
    assert sorted(comparison.finding.details["blocks"]) == ["b1", "b2"]
    worst = comparison.blocks[0]["worst"][0]
    assert f"at {worst['entry']} yours is {worst['submission']!r}" in comparison.finding.message
    assert comparison.ratio > 1e6  # an error of order lam |b| / scale, ~1e-2, over 1e-10


# ----------------------------------------------------- finite differences of its own


def _own_loss(W_: np.ndarray) -> float:
    return mb.loss(W_, X, T, SIZES, LAM, "sigmoid")


def test_the_right_gradient_of_its_own_loss_is_consistent():
    finding = self_consistency(
        _own_loss,
        W,
        REFERENCE_LOSS,
        REFERENCE_GRAD,
        range(W.size),
        layer_sizes=SIZES,
        scale=SCALE,
    )
    assert finding is None


def test_a_wrong_entry_is_inconsistent_and_named():
    grad = REFERENCE_GRAD.copy()
    grad[17] *= -1.0  # W2[0, 1], with the sign flipped
    finding = self_consistency(_own_loss, W, REFERENCE_LOSS, grad, range(W.size), layer_sizes=SIZES)
    assert finding is not None
    assert finding.kind == "gradient-inconsistent"
    assert f"at W2[0, 1] it is {float(grad[17])!r}" in finding.message


def test_a_fun_w_names_its_coordinates_by_index():
    """A ``fun(W)``'s layer sizes are its own: the entry is ``W[i]``."""
    grad = REFERENCE_GRAD.copy()
    grad[3] += 1.0
    finding = self_consistency(_own_loss, W, REFERENCE_LOSS, grad, [2, 3])
    assert finding is not None
    assert "at W[3] it is" in finding.message


def test_a_coordinate_without_a_loss_nearby_is_skipped():
    """Where the submission's own loss cannot be evaluated, nothing is claimed."""

    def undefined(W_: np.ndarray) -> float:
        if W_[3] != W[3]:
            raise NoDerivative
        return _own_loss(W_)

    grad = REFERENCE_GRAD.copy()
    grad[3] += 1.0  # wrong, but along a direction the loss is undefined
    assert self_consistency(undefined, W, REFERENCE_LOSS, grad, [3]) is None
    assert self_consistency(undefined, W, REFERENCE_LOSS, grad, [2, 3]) is None
    grad[2] += 1.0  # wrong along a direction where it is defined
    finding = self_consistency(undefined, W, REFERENCE_LOSS, grad, [2, 3])
    assert finding is not None
    assert "at W[2]" in finding.message


def test_the_consistency_bound_grows_with_the_loss_rounding():
    """A gap of 1e-3 of the gradient's size fails; announced as loss rounding, it passes."""
    grad = REFERENCE_GRAD.copy()
    grad[0] += 1e-3 * np.max(np.abs(grad))  # 1000 times the relative bound FD_RTOL = 1e-6
    assert self_consistency(_own_loss, W, REFERENCE_LOSS, grad, [0]) is not None
    # a loss known only to ~1e-5 (3 * rounding / step, with step ~7e-4) hides the gap
    assert self_consistency(_own_loss, W, REFERENCE_LOSS, grad, [0], rounding=1e-5) is None


@pytest.mark.parametrize("n", [1, MAX_FD_COORDINATES])
def test_a_small_vector_is_checked_at_every_coordinate(n):
    assert fd_coordinates(np.arange(n, dtype=float)) == list(range(n))


def test_a_large_vector_is_checked_where_it_is_worst_and_elsewhere():
    gap = np.zeros(1000)
    worst = np.arange(0, 1000, 50)  # 20 entries
    gap[worst] = 1.0 + np.arange(20)
    chosen = fd_coordinates(gap)
    assert len(chosen) <= MAX_FD_COORDINATES
    assert set(worst.tolist()) <= set(chosen)
    assert len(set(chosen) - set(worst.tolist())) >= 1  # the random half, beyond the worst
    assert chosen == sorted(chosen)
    assert fd_coordinates(gap) == chosen  # seeded: the same every time


# ------------------------------------------------------------------------ kinks


# W1 = [[1, -1], [2, 0.5]], b1 = [0, -1], W2 = [[3], [-2]], b2 = [0.5]
KINK_W = np.array([1.0, -1.0, 2.0, 0.5, 0.0, -1.0, 3.0, -2.0, 0.5])
KINK_X = np.array([[1.0, 1.0], [0.0, 2.0]])


def test_a_hidden_pre_activation_at_zero_is_a_kink():
    # sample 2, unit 2: 0 * -1 + 2 * 0.5 - 1 = 0 exactly
    assert on_a_kink(KINK_W, KINK_X, [2, 2, 1])


def test_away_from_zero_is_no_kink():
    moved = KINK_W.copy()
    moved[5] = -1.0 + 2**-10  # b1[1]: that pre-activation is now 2^-10
    assert not on_a_kink(moved, KINK_X, [2, 2, 1])


def test_the_output_is_not_a_hidden_unit():
    """A logit of exactly 0 is no kink: the output is not a ReLU."""
    W_ = np.array([1.0, 0.0, 0.0])  # 2-1: logit = x_1 + 0 x_2 + 0
    assert not on_a_kink(W_, np.array([[0.0, 1.0]]), [2, 1])
