"""One 2-2-1 sigmoid network worked out by hand, and every implementation held to it.

The forward and backward passes are written out below in the exercise's notation
(SPEC section 1), every intermediate with its value, and computed once more with
nothing but ``math.exp`` and ``math.log`` on scalars, so that the expected numbers
share no code (and no matrix convention) with either package. The same network is
then put to the seed's per-sample algorithm, the vectorised ``loss_and_grad``, the
engine (``Objective``) and the JAX twin.

Network: 2 inputs, 2 hidden sigmoid units, 1 sigmoid output, lam = 0.1::

    W_1 = [[1.0, -1.0],      b_1 = [0.0, -1.0]      W_2 = [[ 1.0],     b_2 = [0.5]
           [0.5,  2.0]]                                    [-2.0]]

    flat W = [1, -1, 0.5, 2,  0, -1,  1, -2,  0.5]   (W_1 row by row, b_1, W_2, b_2)

Samples: x_1 = (1, 2) with t_1 = 1, and x_2 = (-1, 0.5) with t_2 = 0. Every input is
an exact binary fraction, so the first rounding happens in sigma(A_1).

The hand work, each number the exact value to six significant digits (row i is sample
i; a sum of the rounded numbers shown may differ from it in the last digit)::

    A_1 = X W_1 + b_1        row 1: (1*1 + 2*0.5 + 0,    1*(-1) + 2*2 - 1)   = (2, 2)
                             row 2: (-1*1 + 0.5*0.5 + 0, -1*(-1) + 0.5*2 - 1) = (-0.75, 1)
    Z_1 = sigma(A_1)         sigma(2) = 0.880797, sigma(-0.75) = 0.320821, sigma(1) = 0.731059
    A_2 = Z_1 W_2 + b_2      row 1: 0.880797 - 2 * 0.880797 + 0.5 = -0.380797
                             row 2: 0.320821 - 2 * 0.731059 + 0.5 = -0.641296
    p = sigma(A_2)           (0.405935, 0.344954)
    J = mean cross-entropy   (-log p_1 - log(1 - p_2)) / 2 = (0.901563 + 0.423049) / 2
          + lam ||W||^2        = 0.662306, plus 0.1 * (1 + 1 + 0.25 + 4 + 1 + 4) = 1.125:
                             J = 1.78731
    delta_2 = (p - t) / N    ((0.405935 - 1) / 2, 0.344954 / 2) = (-0.297033, 0.172477)
    dJ/dW_2 = Z_1^T delta_2 + 2 lam W_2
                             unit 1: -0.261626 + 0.0553342 + 0.2 = -0.00629126
                             unit 2: -0.261626 + 0.126091  - 0.4 = -0.535535
    dJ/db_2 = sum of delta_2 -0.297033 + 0.172477 = -0.124556
    delta_1 = h'(A_1) * (delta_2 W_2^T), with h' = z (1 - z):
                             h'(A_1) = [[0.104994, 0.104994], [0.217895, 0.196612]]
                             delta_2 W_2^T = [[-0.297033, 0.594065], [0.172477, -0.344954]]
                             delta_1 = [[-0.0311865, 0.0623730], [0.0375818, -0.0678220]]
    dJ/dW_1 = X^T delta_1 + 2 lam W_1
                             [0, 0]: -0.0311865 - 0.0375818 + 0.2 =  0.131232
                             [0, 1]:  0.0623730 + 0.0678220 - 0.2 = -0.0698049
                             [1, 0]: -0.0623730 + 0.0187909 + 0.1 =  0.0564179
                             [1, 1]:  0.124746  - 0.0339110 + 0.4 =  0.490835
    dJ/db_1 = column sums of delta_1: (0.00639531, -0.00544896)

``WORKED`` holds these numbers and a test checks them against the exact computation,
so the hand work cannot drift from the code that checks the packages.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import jax_reference as jr
import manual_backprop as mb
from backprop_oracle.tolerances import HAND_WORKED_RTOL
from property_tests.reporting import block_of

LAYER_SIZES = [2, 2, 1]
W1 = [[1.0, -1.0], [0.5, 2.0]]  # W1[k][j]: input k -> hidden unit j
B1 = [0.0, -1.0]
W2 = [1.0, -2.0]  # hidden unit j -> the output
B2 = 0.5
X_ROWS = [[1.0, 2.0], [-1.0, 0.5]]
T_ROWS = [1.0, 0.0]
LAM = 0.1
N = 2

W_FLAT = np.array([*W1[0], *W1[1], *B1, *W2, B2])
X = np.array(X_ROWS)
T = np.array(T_ROWS)

# The numbers of the docstring's hand work, six significant digits each.
WORKED: dict[str, Any] = {
    "A_1": [[2.0, 2.0], [-0.75, 1.0]],
    "Z_1": [[0.880797, 0.880797], [0.320821, 0.731059]],
    "A_2": [-0.380797, -0.641296],
    "p": [0.405935, 0.344954],
    "J": 1.78731,
    "delta_2": [-0.297033, 0.172477],
    "delta_1": [[-0.0311865, 0.0623730], [0.0375818, -0.0678220]],
    "dW_1": [[0.131232, -0.0698049], [0.0564179, 0.490835]],
    "db_1": [0.00639531, -0.00544896],
    "dW_2": [-0.00629126, -0.535535],
    "db_2": -0.124556,
}


def sigma(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def summed(*terms: float) -> tuple[float, float]:
    """A sum, and the size of its terms: the yardstick of its rounding (see HAND_WORKED_RTOL)."""
    return math.fsum(terms), math.fsum(abs(term) for term in terms)


def hand_worked() -> dict[str, Any]:
    """Every intermediate of the docstring, exactly, from scalars; each sum with its term size."""
    # Forward pass, sample by sample: A_1, Z_1 = sigma(A_1), A_2, p = sigma(A_2).
    A_1 = [[x[0] * W1[0][j] + x[1] * W1[1][j] + B1[j] for j in range(2)] for x in X_ROWS]
    Z_1 = [[sigma(a) for a in row] for row in A_1]
    A_2_sums = [summed(z[0] * W2[0], z[1] * W2[1], B2) for z in Z_1]
    A_2 = [value for value, _ in A_2_sums]
    p = [sigma(a) for a in A_2]
    # Loss: the mean cross-entropy plus the penalty on the six weights (not the biases).
    cross_entropy = [
        -(t * math.log(q) + (1.0 - t) * math.log(1.0 - q)) for t, q in zip(T_ROWS, p, strict=True)
    ]
    penalty = LAM * math.fsum(w * w for w in [*W1[0], *W1[1], *W2])
    J = math.fsum(cross_entropy) / N + penalty
    # Output delta (sigmoid with cross-entropy): delta_2 = (p - t) / N.
    delta_2 = [(q - t) / N for q, t in zip(p, T_ROWS, strict=True)]
    # Output layer: dJ/dW_2 = Z_1^T delta_2 + 2 lam W_2, dJ/db_2 = the sum of delta_2.
    dW_2 = [summed(*(Z_1[i][j] * delta_2[i] for i in range(N)), 2 * LAM * W2[j]) for j in range(2)]
    db_2 = summed(*delta_2)
    # Hidden delta: delta_1 = h'(A_1) * (delta_2 W_2^T), h'(a) = z (1 - z).
    delta_1 = [
        [Z_1[i][j] * (1.0 - Z_1[i][j]) * W2[j] * delta_2[i] for j in range(2)] for i in range(N)
    ]
    # Hidden layer: dJ/dW_1 = X^T delta_1 + 2 lam W_1, dJ/db_1 = column sums of delta_1.
    dW_1 = [
        [
            summed(*(X_ROWS[i][k] * delta_1[i][j] for i in range(N)), 2 * LAM * W1[k][j])
            for j in range(2)
        ]
        for k in range(2)
    ]
    db_1 = [summed(*(delta_1[i][j] for i in range(N))) for j in range(2)]
    # The gradient in the canonical layout (W_1 row by row, b_1, W_2, b_2), with its yardstick.
    blocks = [*dW_1[0], *dW_1[1], *db_1, *dW_2, db_2]
    return {
        "A_1": A_1,
        "Z_1": Z_1,
        "A_2": A_2,
        "A_2 terms": [size for _, size in A_2_sums],
        "p": p,
        "J": J,
        "delta_2": delta_2,
        "delta_1": delta_1,
        "dW_1": [[value for value, _ in row] for row in dW_1],
        "db_1": [value for value, _ in db_1],
        "dW_2": [value for value, _ in dW_2],
        "db_2": db_2[0],
        "grad": np.array([value for value, _ in blocks]),
        "grad terms": np.array([size for _, size in blocks]),
    }


HAND = hand_worked()


@pytest.mark.parametrize("name", WORKED)
def test_the_worked_numbers_are_the_formulas_values(name: str) -> None:
    """Each number of the hand work is the exact value rounded to six significant digits."""
    quoted = np.asarray(WORKED[name], dtype=float)
    exact = np.asarray(HAND[name], dtype=float)
    half_unit = 0.5 * 10.0 ** (np.floor(np.log10(np.abs(quoted))) - 5)  # of the 6th digit
    worst = int(np.argmax(np.abs(quoted - exact) / half_unit))
    assert np.all(np.abs(quoted - exact) <= half_unit), (
        f"{name}: the hand work says {float(quoted.ravel()[worst])!r}, the formulas give "
        f"{float(exact.ravel()[worst])!r} (entry {worst})"
    )


def _objective(W: np.ndarray) -> tuple[float, np.ndarray]:
    return mb.Objective(X, T, LAYER_SIZES, LAM)(W)


LOSS_AND_GRAD: dict[str, Callable[[np.ndarray], tuple[float, np.ndarray]]] = {
    "manual loss_and_grad_per_sample": lambda W: mb.loss_and_grad_per_sample(
        W, X, T, LAYER_SIZES, LAM
    ),
    "manual loss_and_grad": lambda W: mb.loss_and_grad(W, X, T, LAYER_SIZES, LAM),
    "engine Objective": _objective,
    "jax loss_and_grad": lambda W: jr.loss_and_grad(W, X, T, LAYER_SIZES, LAM),
}
LOSS: dict[str, Callable[[np.ndarray], float]] = {
    "manual loss": lambda W: mb.loss(W, X, T, LAYER_SIZES, LAM),
    "engine Objective.loss": lambda W: mb.Objective(X, T, LAYER_SIZES, LAM).loss(W),
    "jax loss": lambda W: jr.loss(W, X, T, LAYER_SIZES, LAM),
}


def assert_loss_is_hand_worked(label: str, J: float) -> None:
    """A sum of positive terms: held to HAND_WORKED_RTOL of itself."""
    error = abs(J - HAND["J"]) / HAND["J"]
    assert error <= HAND_WORKED_RTOL, (
        f"loss: {label} = {J!r}, hand-worked = {HAND['J']!r}, relative error {error:.3g} "
        f"> {HAND_WORKED_RTOL:.3g}"
    )


@pytest.mark.parametrize("label", LOSS_AND_GRAD)
def test_loss_and_gradient_are_the_hand_worked_ones(label: str) -> None:
    """Loss and every gradient entry, each entry within HAND_WORKED_RTOL of its terms' size."""
    J, grad = LOSS_AND_GRAD[label](W_FLAT)
    assert_loss_is_hand_worked(label, J)
    assert grad.shape == W_FLAT.shape
    errors = np.abs(grad - HAND["grad"]) / HAND["grad terms"]
    worst = int(np.argmax(errors))
    assert errors[worst] <= HAND_WORKED_RTOL, (
        f"gradient entry {block_of(worst, LAYER_SIZES)}: {label} = {float(grad[worst])!r}, "
        f"hand-worked = {float(HAND['grad'][worst])!r}, error {errors[worst]:.3g} of the "
        f"terms' size {HAND['grad terms'][worst]:.3g} > {HAND_WORKED_RTOL:.3g}"
    )


@pytest.mark.parametrize("label", LOSS)
def test_loss_alone_is_the_hand_worked_one(label: str) -> None:
    """The entry points that return the loss only give the same J."""
    assert_loss_is_hand_worked(label, LOSS[label](W_FLAT))


@pytest.mark.parametrize("twin", [mb, jr], ids=["manual", "jax"])
def test_logits_and_probabilities_are_the_hand_worked_ones(twin: Any) -> None:
    """forward gives A_2 (within HAND_WORKED_RTOL of its terms' size), predict_proba p."""
    label = twin.__name__
    A_2 = twin.forward(W_FLAT, X, LAYER_SIZES)
    assert A_2.shape == (N, 1)
    A_2_error = np.abs(A_2[:, 0] - HAND["A_2"]) / HAND["A_2 terms"]
    assert np.all(A_2_error <= HAND_WORKED_RTOL), (
        f"A_2: {label}.forward = {A_2[:, 0]!r}, hand-worked = {HAND['A_2']!r}"
    )
    # p = sigma(A_2) inherits (1 - p) times A_2's error, below the rounding bound itself.
    p = twin.predict_proba(W_FLAT, X, LAYER_SIZES)
    assert p.shape == (N,)
    assert np.all(np.abs(p - HAND["p"]) <= HAND_WORKED_RTOL * np.asarray(HAND["p"])), (
        f"p: {label}.predict_proba = {p!r}, hand-worked = {HAND['p']!r}"
    )


DEFAULT_LAM: dict[str, Callable[..., Any]] = {
    "manual loss": mb.loss,
    "manual loss_and_grad": mb.loss_and_grad,
    "manual loss_and_grad_per_sample": mb.loss_and_grad_per_sample,
    "engine Objective": lambda W, X, T, sizes, *lam: mb.Objective(X, T, sizes, *lam)(W),
    "jax loss": jr.loss,
    "jax loss_and_grad": jr.loss_and_grad,
}


@pytest.mark.parametrize("label", DEFAULT_LAM)
def test_lam_defaults_to_zero(label: str) -> None:
    """Leaving lam out is lam = 0: the same loss (and gradient), bit for bit."""
    function = DEFAULT_LAM[label]
    np.testing.assert_equal(
        function(W_FLAT, X, T, LAYER_SIZES),
        function(W_FLAT, X, T, LAYER_SIZES, 0.0),
        err_msg=f"{label}: lam left out vs lam = 0",
    )


def test_predict_thresholds_the_logit_at_zero() -> None:
    """Binary predict is 1 where a >= 0 (p >= 1/2, the tie included), as integers."""
    X_1d = np.array([[0.0], [1.0], [-1.0]])
    labels = mb.predict(np.array([0.0, 0.0]), X_1d, [1, 1])  # every logit exactly 0
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, [1, 1, 1])
    np.testing.assert_array_equal(mb.predict(np.array([0.5, 0.0]), X_1d, [1, 1]), [1, 1, 0])
