"""A result that overflows float64 is refused by name, never returned as inf or NaN."""

import numpy as np
import pytest

import manual_backprop as mb

SIZES = [2, 3, 3, 1]
X = np.array([[1.0, 2.0], [-1.0, 0.5]])
T = np.array([0.0, 1.0])


def overflowing_weights() -> np.ndarray:
    """ReLU weights of 1e200: the second hidden layer's pre-activations pass 1e400 = inf."""
    return np.full(mb.n_params(SIZES), 1e200)


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
    with pytest.raises(ValueError, match=r"^W: the loss or its gradient overflowed float64"):
        call(overflowing_weights())


def test_an_overflowing_penalty_is_refused_but_lam_zero_is_exactly_zero():
    """lam * ||W||^2 overflows for weights of 1e200 unless lam = 0, which adds exactly 0."""
    W = np.full(mb.n_params([2, 1]), 1e200)
    W[-1] = 0.0
    X1, T1 = np.zeros((1, 2)), np.array([1.0])  # logit 0: the data term is log 2
    assert mb.loss(W, X1, T1, [2, 1], 0.0) == pytest.approx(np.log(2.0), rel=1e-15)
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
