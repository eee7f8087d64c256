"""A result that overflows float64 is refused by name, never returned as inf or NaN."""

import numpy as np
import pytest

import manual_backprop as mb
from backprop_oracle.tolerances import CLOSED_FORM_RTOL

SIZES = [2, 3, 3, 1]
X = np.array([[1.0, 2.0], [-1.0, 0.5]])
T = np.array([0.0, 1.0])


def overflowing_weights() -> np.ndarray:
    """ReLU weights of 1e200: the second hidden layer's pre-activations pass 1e400 = inf."""
    return np.full(mb.n_params(SIZES), 1e200)


# The whole message, so that its wording is pinned too.
OVERFLOW_MESSAGE = (
    r"^W: the loss or its gradient overflowed float64 "
    r"\(weights or inputs too large for this network\)$"
)


@pytest.mark.parametrize(
    "call",
    [
        lambda W: mb.loss(W, X, T, SIZES, 0.0, "relu"),
        lambda W: mb.loss_and_grad(W, X, T, SIZES, 0.0, "relu"),
        lambda W: mb.loss_and_grad_per_sample(W, X, T, SIZES, 0.0, "relu"),
        lambda W: mb.forward(W, X, SIZES, "relu"),
        lambda W: mb.predict_proba(W, X, SIZES, "relu"),
        lambda W: mb.predict(W, X, SIZES, "relu"),
    ],
    ids=["loss", "loss_and_grad", "per_sample", "forward", "predict_proba", "predict"],
)
def test_overflow_is_a_value_error_naming_w(call):
    """Every entry point refuses, with the message naming W and the overflow, no warning."""
    with pytest.raises(ValueError, match=OVERFLOW_MESSAGE):
        call(overflowing_weights())


@pytest.mark.parametrize("function", [mb.loss, mb.loss_and_grad, mb.loss_and_grad_per_sample])
def test_inf_minus_inf_inside_the_network_is_refused_without_a_warning(function):
    """A ReLU unit overflows to +inf and the next layer computes inf - inf = NaN: refused."""
    sizes = [1, 2, 1]
    W = np.array([1e200, 1e200, 0.0, 0.0, 1.0, -1.0, 0.0])
    X = np.array([[1e200]])
    with pytest.raises(ValueError, match=OVERFLOW_MESSAGE):
        function(W, X, np.array([0.0]), sizes, 0.0, "relu")
    with pytest.raises(ValueError, match=OVERFLOW_MESSAGE):
        mb.forward(W, X, sizes, "relu")


@pytest.mark.parametrize("function", [mb.loss_and_grad, mb.loss_and_grad_per_sample])
def test_a_finite_loss_with_an_overflowing_gradient_is_refused(function):
    """lam W^2 = 1e308 is finite, its gradient 2 lam W = 2e308 is not: the gradient is checked."""
    W, X, T = np.array([1.0, 0.0]), np.array([[0.0]]), np.array([0.0])
    assert np.isfinite(mb.loss(W, X, T, [1, 1], 1e308))
    with pytest.raises(ValueError, match=OVERFLOW_MESSAGE):
        function(W, X, T, [1, 1], 1e308)


def test_an_overflowing_penalty_is_refused_but_lam_zero_is_exactly_zero():
    """lam * ||W||^2 overflows for weights of 1e200 unless lam = 0, which adds exactly 0."""
    W = np.full(mb.n_params([2, 1]), 1e200)
    W[-1] = 0.0
    X1, T1 = np.zeros((1, 2)), np.array([1.0])  # logit 0: the data term is log 2
    assert mb.loss(W, X1, T1, [2, 1], 0.0) == pytest.approx(np.log(2.0), rel=CLOSED_FORM_RTOL)
    with pytest.raises(ValueError, match="^W: "):
        mb.loss(W, X1, T1, [2, 1], 1.0)
    with pytest.raises(ValueError, match="^W: "):
        mb.loss_and_grad(W, X1, T1, [2, 1], 1.0)


def test_large_but_finite_results_are_returned():
    """Sigmoid hidden units saturate instead of overflowing: weights of 1e200 give a finite loss."""
    W = overflowing_weights()
    J, grad = mb.loss_and_grad(W, X, T, SIZES, 0.0, "sigmoid")
    assert np.isfinite(J)
    assert np.all(np.isfinite(grad))
