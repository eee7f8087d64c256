"""A 2-2-1 sigmoid network worked out by hand, one scalar at a time.

The expected values below are computed with nothing but ``math.exp`` and
``math.log`` on scalars, following the chain rule written out in the comments,
so they share no code (and no matrix convention) with the package.

Network: 2 inputs, 2 hidden sigmoid units, 1 sigmoid output, lam = 0.1::

    W_1 = [[1.0, -1.0],      b_1 = [0.0, -1.0]      W_2 = [[ 1.0],     b_2 = [0.5]
           [0.5,  2.0]]                                    [-2.0]]

    flat W = [1, -1, 0.5, 2,  0, -1,  1, -2,  0.5]   (W_1 row by row, b_1, W_2, b_2)

Samples: x_1 = (1, 2) with t_1 = 1, and x_2 = (-1, 0.5) with t_2 = 0.
"""

from math import exp, log

import numpy as np
import pytest

import manual_backprop as mb

# Exact inputs (all values are exact binary fractions), so the only rounding
# is in exp/log and a few dozen flops: 1e-12 relative leaves a margin of ~1e3
# over float64's 1.1e-16 and still catches any slip in the formulas.
HAND_WORKED_RTOL = 1e-12

LAYER_SIZES = [2, 2, 1]
W_FLAT = np.array([1.0, -1.0, 0.5, 2.0, 0.0, -1.0, 1.0, -2.0, 0.5])
X = np.array([[1.0, 2.0], [-1.0, 0.5]])
T = np.array([1.0, 0.0])
LAM = 0.1


def sigma(a: float) -> float:
    return 1.0 / (1.0 + exp(-a))


def hand_worked() -> tuple[float, list[float]]:
    """The loss and its gradient, by hand."""
    w1 = [[1.0, -1.0], [0.5, 2.0]]  # w1[i][j]: input i -> hidden unit j
    b1 = [0.0, -1.0]
    w2 = [1.0, -2.0]  # hidden unit j -> output
    b2 = 0.5
    n = 2
    loss = 0.0
    g_w1 = [[0.0, 0.0], [0.0, 0.0]]
    g_b1 = [0.0, 0.0]
    g_w2 = [0.0, 0.0]
    g_b2 = 0.0
    for x, t in [((1.0, 2.0), 1.0), ((-1.0, 0.5), 0.0)]:
        # Hidden pre-activations a_j = sum_i x_i w1[i][j] + b1[j]:
        #   sample 1: a = (1*1 + 2*0.5 + 0, 1*-1 + 2*2 - 1)   = (2, 2)
        #   sample 2: a = (-1*1 + 0.5*0.5 + 0, 1 + 0.5*2 - 1) = (-0.75, 1)
        a = [x[0] * w1[0][j] + x[1] * w1[1][j] + b1[j] for j in range(2)]
        z = [sigma(a_j) for a_j in a]  # sample 1: (0.8808, 0.8808); sample 2: (0.3208, 0.7311)
        # Output logit and probability:
        #   sample 1: a_out = 0.8808 - 2*0.8808 + 0.5 = -0.3808, p = 0.4059
        #   sample 2: a_out = 0.3208 - 2*0.7311 + 0.5 = -0.6413, p = 0.3450
        a_out = z[0] * w2[0] + z[1] * w2[1] + b2
        p = sigma(a_out)
        # Cross-entropy of this sample: -log p if t = 1, -log(1 - p) if t = 0.
        loss += -(t * log(p) + (1.0 - t) * log(1.0 - p)) / n
        # Output delta (sigmoid + cross-entropy): dJ/da_out = (p - t) / n.
        d_out = (p - t) / n
        # Hidden deltas: dJ/da_j = sigma'(a_j) * w2[j] * d_out, sigma' = z (1 - z).
        d_hid = [z[j] * (1.0 - z[j]) * w2[j] * d_out for j in range(2)]
        # Weight derivatives: dJ/dw = delta of the unit fed * input feeding it.
        for j in range(2):
            g_w2[j] += d_out * z[j]
            g_b1[j] += d_hid[j]
            for i in range(2):
                g_w1[i][j] += d_hid[j] * x[i]
        g_b2 += d_out
    # Penalty lam * (sum of squared weights, not biases):
    #   1 + 1 + 0.25 + 4  +  1 + 4  = 11.25  ->  + 0.1 * 11.25 = 1.125
    loss += LAM * (1.0 + 1.0 + 0.25 + 4.0 + 1.0 + 4.0)
    # Its gradient 2 lam w on the weights only.
    for i in range(2):
        for j in range(2):
            g_w1[i][j] += 2.0 * LAM * w1[i][j]
    for j in range(2):
        g_w2[j] += 2.0 * LAM * w2[j]
    grad = [g_w1[0][0], g_w1[0][1], g_w1[1][0], g_w1[1][1], *g_b1, *g_w2, g_b2]
    return loss, grad


@pytest.mark.parametrize(
    "backprop", [mb.loss_and_grad, mb.loss_and_grad_per_sample], ids=["vectorized", "per-sample"]
)
def test_two_two_one_network_matches_the_hand_computation(backprop):
    """Loss and every gradient entry of the 2-2-1 network equal the hand computation."""
    expected_loss, expected_grad = hand_worked()
    J, grad = backprop(W_FLAT, X, T, LAYER_SIZES, LAM)
    assert J == pytest.approx(expected_loss, rel=HAND_WORKED_RTOL), "manual loss vs hand-worked"
    np.testing.assert_allclose(
        grad, expected_grad, rtol=HAND_WORKED_RTOL, atol=0, err_msg="manual grad vs hand-worked"
    )


def test_hand_worked_intermediate_values():
    """The numbers quoted in the comments are the ones the network computes."""
    np.testing.assert_allclose(
        mb.forward(W_FLAT, X, LAYER_SIZES)[:, 0], [-0.3808, -0.6413], atol=5e-5
    )  # 4 decimals quoted: half a unit in the last place
    np.testing.assert_allclose(
        mb.predict_proba(W_FLAT, X, LAYER_SIZES), [0.4059, 0.3450], atol=5e-5
    )
    assert mb.loss(W_FLAT, X, T, LAYER_SIZES, LAM) == pytest.approx(
        hand_worked()[0], rel=HAND_WORKED_RTOL
    )


@pytest.mark.parametrize("backprop", [mb.loss_and_grad, mb.loss_and_grad_per_sample])
def test_lam_defaults_to_zero(backprop):
    """Leaving lam out is lam = 0: the same loss and gradient, bit for bit."""
    assert mb.loss(W_FLAT, X, T, LAYER_SIZES) == mb.loss(W_FLAT, X, T, LAYER_SIZES, 0.0)
    J_default, grad_default = backprop(W_FLAT, X, T, LAYER_SIZES)
    J_zero, grad_zero = backprop(W_FLAT, X, T, LAYER_SIZES, 0.0)
    assert J_default == J_zero
    np.testing.assert_array_equal(grad_default, grad_zero)


def test_predict_thresholds_the_logit_at_zero():
    """Binary predict is 1 where a >= 0 (p >= 1/2, the tie included), as integers."""
    X_1d = np.array([[0.0], [1.0], [-1.0]])
    labels = mb.predict(np.array([0.0, 0.0]), X_1d, [1, 1])  # every logit exactly 0
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_array_equal(labels, [1, 1, 1])
    np.testing.assert_array_equal(mb.predict(np.array([0.5, 0.0]), X_1d, [1, 1]), [1, 1, 0])
