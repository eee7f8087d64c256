"""Every bad input of SPEC section 4 is refused, by name, by every public entry point.

Each case is run against the manual package's three loss functions and the
JAX twin's two: a caller must get the same kind of error from both twins.
"""

import numpy as np
import pytest

import jax_reference as jr
import manual_backprop as mb

SIZES = [2, 3, 1]  # 13 parameters
SIZES_3 = [2, 3, 3]  # 21 parameters
W_OK = np.linspace(-1.0, 1.0, 13)
W_OK_3 = np.linspace(-1.0, 1.0, 21)
X_OK = np.array([[0.0, 1.0], [1.0, -1.0], [2.0, 0.5]])
T_OK = np.array([0.0, 1.0, 1.0])

# Each entry returns the loss only, so that the valid cases can be checked alike.
LOSS_FUNCTIONS = {
    "manual.loss": mb.loss,
    "manual.loss_and_grad": lambda *args: mb.loss_and_grad(*args)[0],
    "manual.loss_and_grad_per_sample": lambda *args: mb.loss_and_grad_per_sample(*args)[0],
    "jax.loss": jr.loss,
    "jax.loss_and_grad": lambda *args: jr.loss_and_grad(*args)[0],
}


def nan_at(array, index):
    out = np.array(array, dtype=float)
    out[index] = np.nan
    return out


# (id, arguments (W, X, T, layer_sizes, lam, activation), error type, regex the message must match)
# fmt: off
BAD_INPUTS = [
    # W
    ("W-too-short", (W_OK[:-1], X_OK, T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^W: .*13"),
    ("W-too-long", (np.zeros(14), X_OK, T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^W: .*13"),
    ("W-2d", (W_OK.reshape(1, 13), X_OK, T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^W: "),
    ("W-nan", (nan_at(W_OK, 4), X_OK, T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^W: .*NaN"),
    ("W-inf", (np.full(13, np.inf), X_OK, T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^W: .*inf"),
    ("W-complex", (W_OK + 1j, X_OK, T_OK, SIZES, 0.0, "sigmoid"), TypeError, r"^W: "),
    ("W-strings", (["a"] * 13, X_OK, T_OK, SIZES, 0.0, "sigmoid"), TypeError, r"^W: "),
    # X
    ("X-nan", (W_OK, nan_at(X_OK, (1, 0)), T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^X: .*NaN"),
    ("X-inf", (W_OK, np.full_like(X_OK, np.inf), T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^X: "),
    ("X-1d", (W_OK, X_OK[:, 0], T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^X: .*2-D"),
    ("X-width", (W_OK, np.ones((3, 3)), T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^X: .*2"),
    ("X-empty", (W_OK, np.zeros((0, 2)), np.zeros(0), SIZES, 0.0, "sigmoid"), ValueError, r"^X: "),
    ("X-strings", (W_OK, [["a", "b"]] * 3, T_OK, SIZES, 0.0, "sigmoid"), TypeError, r"^X: "),
    # T, binary
    ("T-length", (W_OK, X_OK, T_OK[:2], SIZES, 0.0, "sigmoid"), ValueError, r"^T: .*3"),
    ("T-nan", (W_OK, X_OK, nan_at(T_OK, 0), SIZES, 0.0, "sigmoid"), ValueError, r"^T: "),
    ("T-above-1", (W_OK, X_OK, T_OK * 2, SIZES, 0.0, "sigmoid"), ValueError, r"^T: .*\[0, 1\]"),
    ("T-negative", (W_OK, X_OK, -T_OK, SIZES, 0.0, "sigmoid"), ValueError, r"^T: .*\[0, 1\]"),
    ("T-binary-2-cols", (W_OK, X_OK, np.eye(2)[[0, 1, 1]], SIZES, 0.0, "sigmoid"), ValueError,
     r"^T: "),
    ("T-strings", (W_OK, X_OK, ["x", "y", "z"], SIZES, 0.0, "sigmoid"), TypeError, r"^T: "),
    # T, multiclass
    ("T-label-too-big", (W_OK_3, X_OK, [0, 1, 3], SIZES_3, 0.0, "sigmoid"), ValueError,
     r"^T: .*0\.\.2"),
    ("T-label-negative", (W_OK_3, X_OK, [0, -1, 2], SIZES_3, 0.0, "sigmoid"), ValueError,
     r"^T: .*0\.\.2"),
    ("T-label-fraction", (W_OK_3, X_OK, [0.0, 1.5, 2.0], SIZES_3, 0.0, "sigmoid"), ValueError,
     r"^T: "),
    ("T-rows-not-one-hot", (W_OK_3, X_OK, np.ones((3, 3)), SIZES_3, 0.0, "sigmoid"), ValueError,
     r"^T: "),
    ("T-wrong-classes", (W_OK_3, X_OK, np.eye(4)[[0, 1, 2]], SIZES_3, 0.0, "sigmoid"), ValueError,
     r"^T: "),
    # layer_sizes
    ("sizes-zero", (W_OK, X_OK, T_OK, [2, 0, 1], 0.0, "sigmoid"), ValueError, r"^layer_sizes: "),
    ("sizes-negative", (W_OK, X_OK, T_OK, [2, -3, 1], 0.0, "sigmoid"), ValueError,
     r"^layer_sizes: "),
    ("sizes-float", (W_OK, X_OK, T_OK, [2, 3.0, 1], 0.0, "sigmoid"), TypeError, r"^layer_sizes: "),
    ("sizes-bool", (W_OK, X_OK, T_OK, [2, True, 1], 0.0, "sigmoid"), TypeError, r"^layer_sizes: "),
    ("sizes-one", (W_OK, X_OK, T_OK, [2], 0.0, "sigmoid"), ValueError, r"^layer_sizes: "),
    ("sizes-int", (W_OK, X_OK, T_OK, 3, 0.0, "sigmoid"), TypeError, r"^layer_sizes: "),
    ("sizes-string", (W_OK, X_OK, T_OK, "231", 0.0, "sigmoid"), TypeError, r"^layer_sizes: "),
    # activation
    ("activation-unknown", (W_OK, X_OK, T_OK, SIZES, 0.0, "softplus"), ValueError,
     r"^activation: .*sigmoid.*relu.*tanh"),
    ("activation-not-str", (W_OK, X_OK, T_OK, SIZES, 0.0, None), TypeError, r"^activation: "),
    # lam
    ("lam-negative", (W_OK, X_OK, T_OK, SIZES, -0.1, "sigmoid"), ValueError, r"^lam: "),
    ("lam-nan", (W_OK, X_OK, T_OK, SIZES, float("nan"), "sigmoid"), ValueError, r"^lam: "),
    ("lam-inf", (W_OK, X_OK, T_OK, SIZES, float("inf"), "sigmoid"), ValueError, r"^lam: "),
    ("lam-string", (W_OK, X_OK, T_OK, SIZES, "0.1", "sigmoid"), TypeError, r"^lam: "),
]
# fmt: on


@pytest.mark.parametrize("function", LOSS_FUNCTIONS.values(), ids=LOSS_FUNCTIONS.keys())
@pytest.mark.parametrize(
    ("args", "error", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_is_refused_naming_the_argument(function, args, error, message):
    """A bad argument raises the right error type, its message starting with the argument's name."""
    with pytest.raises(error, match=message):
        function(*args)


@pytest.mark.parametrize("function", LOSS_FUNCTIONS.values(), ids=LOSS_FUNCTIONS.keys())
@pytest.mark.parametrize(
    "args",
    [(W_OK, X_OK, T_OK, SIZES, 0.0, "sigmoid"), (W_OK_3, X_OK, [0, 1, 2], SIZES_3, 0.0, "sigmoid")],
    ids=["binary", "multiclass"],
)
def test_the_tables_base_cases_are_accepted(function, args):
    """The base cases are valid, so each bad case above fails for its own reason only."""
    J = function(*args)
    assert isinstance(J, float)
    assert np.isfinite(J)
    assert J > 0.0
