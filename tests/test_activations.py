"""Activations and their derivatives: values, derivatives, and the saturated tails."""

import numpy as np
import pytest

import manual_backprop as mb
from backprop_oracle.tolerances import EPS
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES

# Every float64 that can reach an activation, including the extremes; pytest
# turns any numpy warning into a failure (pyproject.toml), so evaluating on
# this grid also proves the functions are warning-free.
EXTREMES = np.array(
    [
        -np.inf,
        -1.7e308,
        -1e3,
        -745.0,
        -40.0,
        -1.0,
        -0.0,
        0.0,
        1e-300,
        1.0,
        40.0,
        745.0,
        1e3,
        1.7e308,
        np.inf,
    ]
)
SMOOTH_GRID = np.linspace(-8.0, 8.0, 161)
# A derivative in the saturated tails against its closed form in exponentials: see
# test_sigmoid_grad_keeps_relative_accuracy_in_the_tails.
TAIL_RTOL = 8 * EPS


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_registries_pair_each_activation_with_its_derivative(name):
    """ACTIVATIONS and DERIVATIVES name the same functions as the module attributes."""
    assert ACTIVATIONS[name] is getattr(mb, name)
    assert DERIVATIVES[name] is getattr(mb, f"{name}_grad")


def test_known_values():
    """sigmoid(0) = 1/2, tanh(0) = 0, relu clips negatives, sigmoid(a) + sigmoid(-a) = 1."""
    assert mb.sigmoid(np.array(0.0)) == 0.5
    assert mb.tanh(np.array(0.0)) == 0.0
    np.testing.assert_array_equal(mb.relu(np.array([-2.0, 0.0, 3.5])), [0.0, 0.0, 3.5])
    # sigmoid values in (0, 1) are rounded once each: their sum is 1 to within 2 ulps of
    # numbers below 1 (eps / 2 each), i.e. eps; 2.3e-16 is eps = 2.22e-16 rounded up.
    np.testing.assert_allclose(
        mb.sigmoid(SMOOTH_GRID) + mb.sigmoid(-SMOOTH_GRID), 1.0, rtol=0, atol=2.3e-16
    )


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_smooth_derivative_matches_central_differences(name):
    """h'(a) equals (h(a + e) - h(a - e)) / 2e on a grid.

    Step e = 1e-5: truncation error |h'''| e^2 / 6 <= 2 * 1e-10 / 6 ~ 3e-11 for
    both functions (|h'''| <= 2 for tanh, 1/8 for sigmoid); rounding error
    eps_64 * |h| / e ~ 1e-16 / 1e-5 = 1e-11. So 1e-10 absolute is a bound.
    """
    h, h_prime = ACTIVATIONS[name], DERIVATIVES[name]
    step = 1e-5
    central = (h(SMOOTH_GRID + step) - h(SMOOTH_GRID - step)) / (2 * step)
    np.testing.assert_allclose(
        h_prime(SMOOTH_GRID),
        central,
        rtol=0,
        atol=1e-10,
        err_msg=f"{name}_grad vs central differences",
    )


def test_relu_derivative_is_a_step_with_zero_at_the_kink():
    """relu'(a) = 1 for a > 0 and 0 for a <= 0, the kink included (as jax.nn.relu)."""
    a = np.array([-3.0, -1e-300, -0.0, 0.0, 1e-300, 2.0])
    np.testing.assert_array_equal(mb.relu_grad(a), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("a", [20.0, 40.0, 200.0, 700.0])
def test_sigmoid_grad_keeps_relative_accuracy_in_the_tails(a):
    """sigma'(a) = e^-a / (1 + e^-a)^2 is still right where 1 - sigma(a) rounds to 0.

    Both sides are one libm call (within an ulp) and three correctly rounded
    operations (eps / 2 each): ~2.5 eps each, so TAIL_RTOL = 8 eps bounds their
    difference.
    """
    expected = np.exp(-a) / (1.0 + np.exp(-a)) ** 2
    assert mb.sigmoid_grad(np.array(a)) == pytest.approx(expected, rel=TAIL_RTOL)
    assert mb.sigmoid_grad(np.array(-a)) == pytest.approx(expected, rel=TAIL_RTOL)


@pytest.mark.parametrize("a", [10.0, 20.0, 100.0, 350.0])
def test_tanh_grad_keeps_relative_accuracy_in_the_tails(a):
    """tanh'(a) = 4 e^-2a / (1 + e^-2a)^2 is still right where 1 - tanh(a)^2 rounds to 0."""
    expected = 4.0 * np.exp(-2 * a) / (1.0 + np.exp(-2 * a)) ** 2
    assert mb.tanh_grad(np.array(a)) == pytest.approx(expected, rel=TAIL_RTOL)  # as for sigmoid
    assert mb.tanh_grad(np.array(-a)) == pytest.approx(expected, rel=TAIL_RTOL)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_extremes_are_finite_and_warning_free(name):
    """Every activation and derivative maps any float64 (and +-inf) to a number, without warning."""
    values = ACTIVATIONS[name](EXTREMES)
    slopes = DERIVATIVES[name](EXTREMES)
    if name != "relu":  # relu is unbounded: relu(inf) = inf is its true value
        assert np.all(np.isfinite(values))
    assert np.all(np.isfinite(slopes))
    assert np.all(slopes >= 0.0)
