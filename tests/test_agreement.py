"""The twins agree: manual backprop vs jax.grad, and per-sample vs vectorised.

Random cases span what the foundation promises: 0 to 4 hidden layers of 1 to
12 units, every activation, binary and multiclass outputs, targets in every
accepted form, lam from 0 to 10, weights of scale 1e-3 to 30 (far into
saturation), N from 1 to 40.

Run as a script to measure the worst errors over many more cases than CI runs::

    python tests/test_agreement.py --cases 2000
"""

import argparse
import sys
import time

import numpy as np
import pytest

import jax_reference as jr
import manual_backprop as mb
from backprop_oracle.problems import (
    ACTIVATION_NAMES,
    BINARY_TARGET_FORMS,
    MULTICLASS_TARGET_FORMS,
    random_targets,
)
from backprop_oracle.tolerances import LOSS_ATOL_VS_JAX, MANUAL_VS_JAX_RTOL, OWN_LOSS_RTOL
from manual_backprop.gradcheck import gradient_scale, relative_error
from property_tests.reporting import assert_gradients_close


def random_case(seed: int) -> dict:
    """One random problem: architecture, activation, weights, data, targets, lam."""
    rng = np.random.default_rng(seed)
    n_hidden = int(rng.integers(0, 5))
    n_out = 1 if rng.random() < 0.5 else int(rng.integers(2, 6))
    sizes = [int(rng.integers(1, 6))] + [int(rng.integers(1, 13)) for _ in range(n_hidden)]
    sizes.append(n_out)
    scale = 10 ** rng.uniform(-3, np.log10(30))
    W = rng.normal(size=mb.n_params(sizes)) * scale
    W[rng.random(W.size) < 0.05] = 0.0  # a few exact zeros
    N = 1 if rng.random() < 0.1 else int(rng.integers(2, 41))
    X = rng.normal(size=(N, sizes[0])) * 10 ** rng.uniform(-1, 1)
    forms = BINARY_TARGET_FORMS if n_out == 1 else MULTICLASS_TARGET_FORMS
    form = str(rng.choice(forms))
    T = random_targets(rng, form, N, n_out)
    lam = 0.0 if rng.random() < 0.3 else float(10 ** rng.uniform(-4, 1))
    activation = str(rng.choice(ACTIVATION_NAMES))
    return {
        "W": W,
        "X": X,
        "T": T,
        "layer_sizes": sizes,
        "lam": lam,
        "activation": activation,
        "form": form,
        "scale": scale,
    }


def arguments(case: dict) -> tuple:
    return (case["W"], case["X"], case["T"], case["layer_sizes"], case["lam"], case["activation"])


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("n_out", [1, 3])
def test_twins_agree_with_weights_of_size_1e3(activation, n_out):
    """Saturated everywhere (weights ~1e3): finite, warning-free, and still the same numbers."""
    rng = np.random.default_rng(3)
    sizes = [2, 5, 4, n_out]
    W = rng.normal(size=mb.n_params(sizes)) * 1e3
    X = rng.normal(size=(25, 2))
    T = rng.integers(0, max(n_out, 2), size=25)
    J_manual, grad_manual = mb.loss_and_grad(W, X, T, sizes, 0.0, activation)
    J_jax, grad_jax = jr.loss_and_grad(W, X, T, sizes, 0.0, activation)
    assert np.isfinite(J_manual)
    assert np.all(np.isfinite(grad_manual))
    assert J_manual > 10.0  # saturated and wrong on some samples: the loss is large, not inf
    assert J_manual == pytest.approx(J_jax, rel=OWN_LOSS_RTOL, abs=LOSS_ATOL_VS_JAX), (
        f"weights 1e3: loss, manual = {J_manual!r}, jax = {J_jax!r}"
    )
    scale = gradient_scale(W, X, T, sizes, 0.0, activation)
    assert_gradients_close("weights 1e3", grad_manual, grad_jax, sizes, MANUAL_VS_JAX_RTOL, scale)


@pytest.mark.parametrize("function", [mb.loss_and_grad, mb.loss_and_grad_per_sample, mb.loss])
def test_inputs_are_never_modified(function):
    """Read-only inputs go through untouched (a write would raise) and compare equal after."""
    case = random_case(5)
    frozen = []
    for key in ("W", "X", "T"):
        case[key] = np.array(case[key])
        case[key].flags.writeable = False
        frozen.append(case[key].copy())
    function(*arguments(case))
    for key, before in zip(("W", "X", "T"), frozen, strict=True):
        np.testing.assert_array_equal(case[key], before, err_msg=f"{key} was modified")


def measure(n_cases: int) -> None:
    """Print the worst errors over ``n_cases`` random cases (seeds 0 .. n_cases - 1)."""
    worst = {
        "loss manual vs jax": 0.0,
        "gradient manual vs jax": 0.0,
        "loss per-sample vs vectorized": 0.0,
        "gradient per-sample vs vectorized": 0.0,
    }
    start = time.perf_counter()
    for seed in range(n_cases):
        case = random_case(seed)
        J_vec, grad_vec = mb.loss_and_grad(*arguments(case))
        J_per, grad_per = mb.loss_and_grad_per_sample(*arguments(case))
        J_jax, grad_jax = jr.loss_and_grad(*arguments(case))
        scale = gradient_scale(*arguments(case))
        errors = {
            "loss manual vs jax": relative_error(np.array(J_vec), np.array(J_jax)),
            "gradient manual vs jax": relative_error(grad_vec, grad_jax, scale),
            "loss per-sample vs vectorized": relative_error(np.array(J_per), np.array(J_vec)),
            "gradient per-sample vs vectorized": relative_error(grad_per, grad_vec, scale),
        }
        for key, value in errors.items():
            worst[key] = max(worst[key], value)
    seconds = time.perf_counter() - start
    print(f"{n_cases} random cases in {seconds:.0f} s; worst errors (loss: relative; gradient:")
    print("max |difference| over manual_backprop.gradcheck.gradient_scale):")
    for key, value in worst.items():
        print(f"  {key:36s} {value:.2e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    measure(parser.parse_args().cases)
    sys.exit(0)
