"""``manual_backprop.gradcheck``'s pre-activations, written out by hand on a 2-2-1 network."""

import numpy as np
import pytest

import manual_backprop as mb
from manual_backprop.gradcheck import pre_activations

# W1 = [[1, -1], [2, 0.5]], b1 = [0, -1], W2 = [[3], [-2]], b2 = [0.5], canonical order.
W = np.array([1.0, -1.0, 2.0, 0.5, 0.0, -1.0, 3.0, -2.0, 0.5])
X = np.array([[1.0, 1.0], [0.0, 2.0]])
SIZES = [2, 2, 1]


def test_pre_activations_of_a_relu_network_by_hand():
    """Every number is exact in float64, so the comparison is exact."""
    A_1, A_2 = pre_activations(W, X, SIZES, "relu")
    # A_1 = X W1 + b1: [1 + 2, -1 + 0.5 - 1] and [0 + 4, 0 + 1 - 1], the second on a kink
    np.testing.assert_array_equal(A_1, [[3.0, -1.5], [4.0, 0.0]])
    # Z_1 = relu(A_1) = [[3, 0], [4, 0]]; A_2 = Z_1 W2 + b2
    np.testing.assert_array_equal(A_2, [[9.5], [12.5]])


@pytest.mark.parametrize("activation", sorted(mb.ACTIVATIONS))
def test_the_last_pre_activations_are_the_logits(activation):
    """A_L is what :func:`manual_backprop.forward` returns; A_1 does not depend on h."""
    A_1, A_2 = pre_activations(W, X, SIZES, activation)
    np.testing.assert_array_equal(A_1, [[3.0, -1.5], [4.0, 0.0]])
    np.testing.assert_array_equal(A_2, mb.forward(W, X, SIZES, activation))


def test_pre_activations_leave_their_arguments_alone():
    W_before, X_before = W.copy(), X.copy()
    pre_activations(W, X, SIZES, "relu")
    np.testing.assert_array_equal(W, W_before)
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((W[:-1], X, SIZES, "relu"), ValueError, "^W: expected 9 parameters"),
        ((W, X[:, :1], SIZES, "relu"), ValueError, r"^X: expected 2 columns"),
        ((W, X, SIZES, "softplus"), ValueError, "^activation: expected one of"),
        ((W, X, [2, 0, 1], "relu"), ValueError, "^layer_sizes: entry 1"),
        ((np.where(W == 3.0, np.nan, W), X, SIZES, "relu"), ValueError, "^W: contains NaN"),
    ],
)
def test_pre_activations_refuse_bad_input_by_name(args, error, message):
    with pytest.raises(error, match=message):
        pre_activations(*args)
