"""K independent sigmoid outputs (``output="sigmoids"``, Coursera ML ex4): worked by hand.

One 1-1-2 network worked out by hand in closed form, then held against every
implementation; the output's validation (the keyword, the targets); its probabilities;
its stability at saturated logits. The random search is ``property_tests/
test_sigmoid_gradients.py``.

Network: 1 input, 1 hidden sigmoid unit, 2 independent sigmoid outputs, lam = 1/64, and
``c = ln 3`` (chosen because ``sigma(c) = 3/4`` and ``sigma(-c) = 1/4``)::

    W_1 = [[c]]     b_1 = [0]      W_2 = [[4c, -4c]]     b_2 = [-2c, 2c]

    flat W = [c, 0, 4c, -4c, -2c, 2c]      (W_1, b_1, W_2 row by row, b_2)

Samples: x_1 = 0 with targets (1, 0), and x_2 = 1 with targets (1, 1): the second row
has both units on, which a softmax output could not take (its rows must sum to 1).

The hand work (row i is sample i)::

    A_1 = X W_1 + b_1           (0, c)
    Z_1 = sigma(A_1)            (1/2, 3/4)                    sigma(ln 3) = 1 / (1 + 1/3)
    A_2 = Z_1 W_2 + b_2         row 1: (2c - 2c, -2c + 2c)      = (0, 0)
                                row 2: (3c - 2c, -3c + 2c)      = (c, -c)
    P = sigma(A_2)              [[1/2, 1/2], [3/4, 1/4]]        (a softmax: row 2 (0.9, 0.1))
    -T log P - (1-T) log(1-P)   [[ln 2, ln 2], [ln 4/3, ln 4]]
    J_data = (sum of those) / N = (6 ln 2 - ln 3) / 2 = 3 ln 2 - c/2      = 1.53014
    penalty = lam (c^2 + 16c^2 + 16c^2) = 33 c^2 / 64                    = 0.622333
    J = 3 ln 2 - c/2 + 33 c^2 / 64                                       = 2.15247

    delta_2 = (P - T) / N       [[(1/2 - 1)/2, (1/2 - 0)/2], [(3/4 - 1)/2, (1/4 - 1)/2]]
                                = [[-1/4, 1/4], [-1/8, -3/8]]    (no sigma' multiplied in)
    dJ/dW_2 = Z_1^T delta_2 + 2 lam W_2
                       unit 1:  1/2 (-1/4) + 3/4 (-1/8) + 4c/32  = -7/32 + c/8 = -0.0814235
                       unit 2:  1/2 (1/4) + 3/4 (-3/8) - 4c/32   = -5/32 - c/8 = -0.293577
    dJ/db_2 = column sums of delta_2   (-1/4 - 1/8, 1/4 - 3/8)  = (-3/8, -1/8)
    delta_1 = h'(A_1) * (delta_2 W_2^T), h'(a) = sigma(a) sigma(-a) = (1/4, 3/16):
                                delta_2 W_2^T = (-c - c, -c/2 + 3c/2) = (-2c, c)
                                delta_1 = (-c/2, 3c/16)
    dJ/dW_1 = X^T delta_1 + 2 lam W_1 = 0 (-c/2) + 3c/16 + c/32  = 7c/32  =  0.240321
    dJ/db_1 = sum of delta_1            = -c/2 + 3c/16           = -5c/16 = -0.343316

``WORKED`` holds these six-digit numbers and a test checks them against the closed
forms, so the hand work cannot drift from the numbers the packages are held to.
"""

import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import jax_reference as jr
import manual_backprop as mb
from backprop_oracle.tolerances import CLOSED_FORM_RTOL, HAND_WORKED_RTOL, OWN_LOSS_RTOL
from manual_backprop.losses import sigmoids_cross_entropy, sigmoids_output_delta
from property_tests.reporting import block_of

C = math.log(3.0)
LN2 = math.log(2.0)
LAYER_SIZES = [1, 1, 2]
W_FLAT = np.array([C, 0.0, 4 * C, -4 * C, -2 * C, 2 * C])
X = np.array([[0.0], [1.0]])
T = np.array([[1.0, 0.0], [1.0, 1.0]])
LAM = 1.0 / 64.0

# The closed forms of the docstring's hand work.
EXACT: dict[str, Any] = {
    "J_data": 3 * LN2 - C / 2,
    "penalty": 33 * C**2 / 64,
    "J": 3 * LN2 - C / 2 + 33 * C**2 / 64,
    "P": [[0.5, 0.5], [0.75, 0.25]],
    # dJ/dW_1, dJ/db_1, dJ/dW_2 (two units), dJ/db_2 (two units): the canonical layout.
    "grad": [7 * C / 32, -5 * C / 16, -7 / 32 + C / 8, -5 / 32 - C / 8, -3 / 8, -1 / 8],
}
# Each gradient entry's terms, by absolute value: the yardstick of its rounding (see
# HAND_WORKED_RTOL). E.g. dJ/db_1 = -c/2 + 3c/16 sums terms of total size 11c/16.
GRAD_TERMS = np.array([7 * C / 32, 11 * C / 16, 7 / 32 + C / 8, 13 / 32 + C / 8, 3 / 8, 5 / 8])
# The docstring's six-digit numbers.
WORKED: dict[str, Any] = {
    "J_data": 1.53014,
    "penalty": 0.622333,
    "J": 2.15247,
    "grad": [0.240321, -0.343316, -0.0814235, -0.293577, -0.375, -0.125],
}


@pytest.mark.parametrize("name", WORKED)
def test_the_worked_numbers_are_the_closed_forms(name: str) -> None:
    """Each six-digit number of the hand work is its closed form, rounded."""
    quoted, exact = np.asarray(WORKED[name]), np.asarray(EXACT[name])
    half_unit = 0.5 * 10.0 ** (np.floor(np.log10(np.abs(quoted))) - 5)  # of the 6th digit
    assert np.all(np.abs(quoted - exact) <= half_unit), f"{name}: {quoted} vs {exact}"


LOSS_AND_GRAD: dict[str, Callable[..., tuple[float, np.ndarray]]] = {
    "manual loss_and_grad": mb.loss_and_grad,
    "manual loss_and_grad_per_sample": mb.loss_and_grad_per_sample,
    "jax loss_and_grad": jr.loss_and_grad,
}
LOSS: dict[str, Callable[..., float]] = {"manual loss": mb.loss, "jax loss": jr.loss}


def assert_loss_is_hand_worked(label: str, J: float) -> None:
    # HAND_WORKED_RTOL (32 eps): a sum of positive terms; its inputs carry the rounding of
    # c = ln 3, of sigma(c) (an exp, an addition, a division) and of 3c - 2c (which
    # magnifies c's rounding by 3): a dozen eps at most, as for the 2-2-1 network.
    error = abs(J - EXACT["J"]) / EXACT["J"]
    assert error <= HAND_WORKED_RTOL, (
        f"loss: {label} = {J!r}, hand-worked = {EXACT['J']!r}, relative error {error:.3g} "
        f"> {HAND_WORKED_RTOL:.3g}"
    )


def assert_hand_worked(label: str, J: float, grad: np.ndarray) -> None:
    """Loss and every gradient entry within HAND_WORKED_RTOL of the closed forms."""
    assert_loss_is_hand_worked(label, J)
    # HAND_WORKED_RTOL of each entry's terms: the rounding above, then the products and
    # sums of backpropagation (h' = 1 / (2 + 2 cosh a), delta_2 W_2^T, two samples),
    # ~25 eps in all, as derived for the 2-2-1 network.
    error = np.abs(grad - np.asarray(EXACT["grad"])) / GRAD_TERMS
    worst = int(np.argmax(error))
    assert error[worst] <= HAND_WORKED_RTOL, (
        f"gradient: {label}, worst entry {block_of(worst, LAYER_SIZES)}: "
        f"{grad[worst]!r}, hand-worked = {EXACT['grad'][worst]!r}, relative error "
        f"{error[worst]:.3g} of its terms > {HAND_WORKED_RTOL:.3g}"
    )


@pytest.mark.parametrize("label", LOSS_AND_GRAD)
def test_loss_and_gradient_are_the_hand_worked_ones(label: str) -> None:
    J, grad = LOSS_AND_GRAD[label](W_FLAT, X, T, LAYER_SIZES, LAM, output="sigmoids")
    assert_hand_worked(label, J, grad)


@pytest.mark.parametrize("label", LOSS)
def test_loss_alone_is_the_hand_worked_one(label: str) -> None:
    assert_loss_is_hand_worked(
        label, LOSS[label](W_FLAT, X, T, LAYER_SIZES, LAM, output="sigmoids")
    )


def test_the_data_term_and_the_penalty_are_the_hand_worked_ones() -> None:
    """lam = 0 leaves the data term 3 ln 2 - c/2; the difference is the penalty 33 c^2/64."""
    J_data = mb.loss(W_FLAT, X, T, LAYER_SIZES, 0.0, output="sigmoids")
    J = mb.loss(W_FLAT, X, T, LAYER_SIZES, LAM, output="sigmoids")
    # HAND_WORKED_RTOL, as the loss; the penalty, J - J_data, is ~0.3 of J, so its relative
    # error is up to ~3.5 times J's: the tolerance scaled by J / penalty.
    assert J_data == pytest.approx(EXACT["J_data"], rel=HAND_WORKED_RTOL, abs=0)
    assert J - J_data == pytest.approx(
        EXACT["penalty"], rel=HAND_WORKED_RTOL * EXACT["J"] / EXACT["penalty"], abs=0
    )


@pytest.mark.parametrize("predict_proba", [mb.predict_proba, jr.predict_proba])
def test_predict_proba_gives_each_units_own_sigmoid(predict_proba: Callable[..., Any]) -> None:
    """P = sigma(A_2) = [[1/2, 1/2], [3/4, 1/4]]; "auto"'s softmax of the same logits
    (c, -c) is (e^c, e^-c) / (e^c + e^-c) = (0.9, 0.1) instead."""
    P = predict_proba(W_FLAT, X, LAYER_SIZES, "sigmoid", output="sigmoids")
    assert P.shape == (2, 2)
    assert P.dtype == np.float64
    # HAND_WORKED_RTOL: the rounding of c, sigma(c) and 3c - 2c, passed through a sigmoid.
    np.testing.assert_allclose(P, EXACT["P"], rtol=HAND_WORKED_RTOL, atol=0)
    softmax = predict_proba(W_FLAT, X, LAYER_SIZES, "sigmoid")  # "auto"
    np.testing.assert_allclose(softmax, [[0.5, 0.5], [0.9, 0.1]], rtol=HAND_WORKED_RTOL, atol=0)
    # Here each row of P sums to 1 only because the units are mirror images (logits a and
    # -a); two identical units (W_2 = [[4c, 4c]], b_2 = [-2c, -2c]) give row 2 (3/4, 3/4).
    W_twins = np.array([C, 0.0, 4 * C, 4 * C, -2 * C, -2 * C])
    P_twins = predict_proba(W_twins, X, LAYER_SIZES, output="sigmoids")
    np.testing.assert_allclose(P_twins, [[0.5, 0.5], [0.75, 0.75]], rtol=HAND_WORKED_RTOL, atol=0)


# ------------------------------------------------------------------ "auto" is unchanged


@pytest.mark.parametrize("sizes", [[1, 1, 1], [1, 3, 3]])
@pytest.mark.parametrize(
    "function",
    [mb.loss, mb.loss_and_grad, mb.loss_and_grad_per_sample, jr.loss, jr.loss_and_grad],
)
def test_auto_is_the_default(function: Callable[..., Any], sizes: list[int]) -> None:
    """output="auto" spelled out gives the default's numbers, bit for bit."""
    W = mb.init_weights(sizes, seed=3)
    T_auto = np.array([1.0, 0.0]) if sizes[-1] == 1 else np.array([[0.0, 1.0, 0.0]] * 2)
    default = function(W, X, T_auto, sizes, LAM)
    explicit = function(W, X, T_auto, sizes, LAM, "sigmoid", "auto")
    if not isinstance(default, tuple):  # a loss alone
        default, explicit = (default,), (explicit,)
    for a, b in zip(default, explicit, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ validation

ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "manual loss": mb.loss,
    "manual loss_and_grad": mb.loss_and_grad,
    "manual loss_and_grad_per_sample": mb.loss_and_grad_per_sample,
    "jax loss": jr.loss,
    "jax loss_and_grad": jr.loss_and_grad,
}
OUTPUT_NAMES = r"expected one of 'auto', 'sigmoids'"


def refusal(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Exception:
    """What ``function`` raises; no warning may escape, no argument may change."""
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((ValueError, TypeError)) as raised:
            function(*args, **kwargs)
    for before, after in zip(copies, args, strict=True):
        if isinstance(before, np.ndarray):
            np.testing.assert_array_equal(before, after)
    return raised.value


@pytest.mark.parametrize(
    ("output", "error", "message"),
    [
        ("softmax", ValueError, rf"^output: {OUTPUT_NAMES}; got 'softmax'$"),
        ("Sigmoids", ValueError, rf"^output: {OUTPUT_NAMES}; got 'Sigmoids'$"),
        ("", ValueError, rf"^output: {OUTPUT_NAMES}; got ''$"),
        (None, TypeError, rf"^output: {OUTPUT_NAMES}; got None$"),
        (2, TypeError, rf"^output: {OUTPUT_NAMES}; got 2$"),
    ],
)
def test_an_unknown_output_is_refused_naming_the_allowed_ones(
    output: Any, error: type[Exception], message: str
) -> None:
    """Every entry point that takes ``output``, predict_proba too, in the same words."""
    said = {}
    for label, function in ENTRY_POINTS.items():
        said[label] = refusal(function, W_FLAT, X, T, LAYER_SIZES, LAM, "sigmoid", output)
    for label, function in {"manual": mb.predict_proba, "jax": jr.predict_proba}.items():
        said[f"{label} predict_proba"] = refusal(
            function, W_FLAT, X, LAYER_SIZES, "sigmoid", output
        )
    for label, raised in said.items():
        assert isinstance(raised, error), f"{label}: {type(raised).__name__}: {raised}"
        assert re.search(message, str(raised)), f"{label}: {raised}"


SIGMOIDS_SHAPE = (
    r"^T: expected shape \(N, K\) = \(2, 2\) \(one row of 0/1 targets per sample, one column "
    r"per output unit\) for output='sigmoids' with K = 2 outputs; got shape "
)
BAD_TARGETS: list[tuple[str, Any, list[int], type[Exception], str]] = [
    # (what is wrong, T, layer_sizes, exception, message)
    (
        "integer labels",
        np.array([0, 1]),
        LAYER_SIZES,
        ValueError,
        SIGMOIDS_SHAPE + r"\(2,\) \(integer class labels are not accepted: pass one-hot rows, "
        r"eye\(K\)\[labels\]\)$",
    ),
    ("one column too few", T[:, :1], LAYER_SIZES, ValueError, SIGMOIDS_SHAPE + r"\(2, 1\)$"),
    ("3-D", T[np.newaxis], LAYER_SIZES, ValueError, SIGMOIDS_SHAPE + r"\(1, 2, 2\)$"),
    ("a row too many", np.vstack([T, T[:1]]), LAYER_SIZES, ValueError,
     r"^T: expected 2 targets, one per row of X; got 3$"),
    ("a 2", np.array([[1.0, 2.0], [0.0, 1.0]]), LAYER_SIZES, ValueError,
     r"^T: expected values in \[0, 1\]; T\[0, 1\] is 2\.0$"),
    ("a negative", np.array([[1.0, 0.0], [-0.5, 1.0]]), LAYER_SIZES, ValueError,
     r"^T: expected values in \[0, 1\]; T\[1, 0\] is -0\.5$"),
    ("a NaN", np.array([[1.0, 0.0], [0.0, np.nan]]), LAYER_SIZES, ValueError,
     r"^T: contains NaN or inf; T\[1, 1\] is NaN$"),
    ("an inf", np.array([[np.inf, 0.0], [0.0, 1.0]]), LAYER_SIZES, ValueError,
     r"^T: contains NaN or inf; T\[0, 0\] is inf$"),
    ("complex", T.astype(complex), LAYER_SIZES, TypeError,
     r"^T: expected an array of integer or floating \(or boolean\) numbers; got dtype complex128$"),
    ("a string", "T", LAYER_SIZES, TypeError,
     r"^T: expected an array of integer or floating \(or boolean\) numbers; got 'T'$"),
    # K = 1: exactly the binary network's rules and words.
    ("K = 1, two columns", T, [1, 1, 1], ValueError,
     r"^T: expected shape \(N,\) or \(N, 1\) = \(2,\) or \(2, 1\) for a binary network"),
    ("K = 1, a 2", np.array([1.0, 2.0]), [1, 1, 1], ValueError,
     r"^T: expected values in \[0, 1\]; T\[1\] is 2\.0$"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("T_bad", "sizes", "error", "message"),
    [row[1:] for row in BAD_TARGETS],
    ids=[row[0] for row in BAD_TARGETS],
)
def test_bad_targets_are_refused_alike_by_both_twins(
    T_bad: Any, sizes: list[int], error: type[Exception], message: str
) -> None:
    """The right exception, naming T, in the same words from every entry point."""
    W = W_FLAT if sizes == LAYER_SIZES else mb.init_weights(sizes, seed=0)
    said = {
        label: refusal(function, W, X, T_bad, sizes, LAM, "sigmoid", "sigmoids")
        for label, function in ENTRY_POINTS.items()
    }
    for label, raised in said.items():
        assert isinstance(raised, error), f"{label}: {type(raised).__name__}: {raised}"
        assert re.search(message, str(raised)), f"{label}: {raised}"
    assert len({str(raised) for raised in said.values()}) == 1, said


def test_rows_with_several_units_on_or_none_are_the_point() -> None:
    """A target row with two 1s, or none, is valid for "sigmoids" and refused by "auto"."""
    several = np.array([[1.0, 1.0], [0.0, 0.0]])
    J = mb.loss(W_FLAT, X, several, LAYER_SIZES, LAM, output="sigmoids")
    J_jax = jr.loss(W_FLAT, X, several, LAYER_SIZES, LAM, output="sigmoids")
    assert J == pytest.approx(J_jax, rel=OWN_LOSS_RTOL)  # sums of the same positive terms
    with pytest.raises(ValueError, match=r"^T: expected rows that each sum to 1"):
        mb.loss(W_FLAT, X, several, LAYER_SIZES, LAM)
    with pytest.raises(ValueError, match=r"^T: expected rows that each sum to 1"):
        jr.loss(W_FLAT, X, several, LAYER_SIZES, LAM)


def test_bool_and_int_targets_mean_the_same_as_floats() -> None:
    """The checks convert a 0/1 matrix of bools or ints to float64, as for the binary output."""
    for other in (T.astype(bool), T.astype(np.int64)):
        for label, function in LOSS_AND_GRAD.items():
            J, grad = function(W_FLAT, X, other, LAYER_SIZES, LAM, output="sigmoids")
            assert_hand_worked(f"{label}, T of dtype {other.dtype}", J, grad)


# ------------------------------------------------------------------ stability


def test_the_loss_is_computed_from_the_logits() -> None:
    """Saturated logits: a confident mistake costs its logit, a confident success e^-a."""
    # -log(1 - sigma(1000)) = 1000 and -log(sigma(-1000)) = 1000, where log of a rounded
    # probability would give inf: 1000 + 1000 for one sample, exactly.
    wrong = np.array([[1000.0, -1000.0]])
    assert sigmoids_cross_entropy(wrong, np.array([[0.0, 1.0]])) == 2000.0
    assert float(jr.sigmoids_cross_entropy(wrong, np.array([[0.0, 1.0]]))) == 2000.0
    # -log(sigma(700)) = log1p(e^-700) = e^-700 (9.9e-305), where 1 - sigma(700) rounds to 0.
    right = np.array([[700.0]])
    tiny = math.exp(-700.0)
    # CLOSED_FORM_RTOL: logaddexp's log1p(exp(-700)) against math.exp, an ulp or two each.
    assert sigmoids_cross_entropy(right, np.array([[1.0]])) == pytest.approx(
        tiny, rel=CLOSED_FORM_RTOL, abs=0
    )
    assert float(jr.sigmoids_cross_entropy(right, np.array([[1.0]]))) == pytest.approx(
        tiny, rel=CLOSED_FORM_RTOL, abs=0
    )
    # The delta sigma(a) - 1 = -sigma(-a) keeps its digits too: -e^-700 / (1 + e^-700), N = 1.
    delta = sigmoids_output_delta(right, np.array([[1.0]]))
    assert delta[0, 0] == pytest.approx(-tiny, rel=CLOSED_FORM_RTOL, abs=0)


def test_the_mean_is_over_the_samples_not_the_entries() -> None:
    """N = 1, K = 3 units at a = 0: J = 3 ln 2 (not ln 2), delta = (1/2 - t) / 1."""
    A, T_row = np.zeros((1, 3)), np.array([[1.0, 0.0, 1.0]])
    # CLOSED_FORM_RTOL: three logaddexp(0, 0) = ln 2, summed.
    assert sigmoids_cross_entropy(A, T_row) == pytest.approx(3 * LN2, rel=CLOSED_FORM_RTOL)
    np.testing.assert_array_equal(sigmoids_output_delta(A, T_row), [[-0.5, 0.5, -0.5]])
    # N = 2 samples: each entry divided by N = 2, not by N K = 6.
    A2, T2 = np.zeros((2, 3)), np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    assert sigmoids_cross_entropy(A2, T2) == pytest.approx(3 * LN2, rel=CLOSED_FORM_RTOL)
    np.testing.assert_array_equal(
        sigmoids_output_delta(A2, T2), [[-0.25, 0.25, -0.25], [0.25, 0.25, 0.25]]
    )


def test_overflow_is_inf_or_nan_without_a_warning_and_refused_by_the_network() -> None:
    """Terms near the largest float64 sum to inf, an infinite logit gives NaN: no warning
    (pytest turns warnings into errors); the network refuses both, by name."""
    huge = np.full((1, 2), -1e308)  # two terms of 1e308 each, for targets 1
    assert sigmoids_cross_entropy(huge, np.ones((1, 2))) == np.inf
    assert np.isnan(sigmoids_cross_entropy(np.array([[np.inf]]), np.array([[1.0]])))
    W_huge = np.full(6, 1e308)  # A_2 = sigma(1e308) 1e308 + 1e308 = inf
    for function in (mb.loss, mb.loss_and_grad, mb.loss_and_grad_per_sample):
        with pytest.raises(ValueError, match=r"^W: the loss or its gradient overflowed"):
            function(W_huge, X, T, LAYER_SIZES, 0.0, output="sigmoids")
    for function in (jr.loss, jr.loss_and_grad):
        with pytest.raises(ValueError, match=r"^W: the .* is not finite"):
            function(W_huge, X, T, LAYER_SIZES, 0.0, output="sigmoids")
