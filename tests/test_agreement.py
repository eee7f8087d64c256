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
from gradient_report import mismatch_report, relative_error

import jax_reference as jr
import manual_backprop as mb

# Tolerances (normwise relative errors, see gradient_report.relative_error).
#
# Manual vs JAX: two correct float64 evaluations of the same sums in different
# orders. A gradient entry is a sum over N <= 40 samples of products chained
# through L <= 5 layers of width <= 12, so the a-priori rounding bound is about
# (N + L * width) * L * 2**-53 ~ 1e-13; we allow 100x that for cancellation in
# the sums. The contract is 1e-10; the worst measured is ~1e-13.
MANUAL_VS_JAX_RTOL = 1e-11
# The loss is a sum of N positive terms plus a penalty: no cancellation, so a
# few N * 2**-53 at most.
LOSS_RTOL = 1e-13
# Per-sample vs vectorised: the same products summed in another order over the
# samples, the same bound without the second implementation's differences.
PER_SAMPLE_RTOL = 1e-12

ACTIVATIONS = ("sigmoid", "relu", "tanh")
BINARY_TARGET_FORMS = ("floats", "column", "ints", "bools", "soft")
MULTICLASS_TARGET_FORMS = ("one-hot", "labels", "float-labels", "probabilities")


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
    labels = rng.integers(0, max(n_out, 2), size=N)
    if n_out == 1:
        form = str(rng.choice(BINARY_TARGET_FORMS))
        T = {
            "floats": labels.astype(float),
            "column": labels.astype(float)[:, None],
            "ints": labels,
            "bools": labels.astype(bool),
            "soft": rng.random(N),
        }[form]
    else:
        form = str(rng.choice(MULTICLASS_TARGET_FORMS))
        probabilities = rng.dirichlet(np.ones(n_out), size=N)
        T = {
            "one-hot": np.eye(n_out)[labels],
            "labels": labels,
            "float-labels": labels.astype(float),
            "probabilities": probabilities / probabilities.sum(axis=1, keepdims=True),
        }[form]
    lam = 0.0 if rng.random() < 0.3 else float(10 ** rng.uniform(-4, 1))
    activation = str(rng.choice(ACTIVATIONS))
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


CI_SEEDS = range(48)  # each new architecture costs JAX one ~0.3 s compilation


@pytest.mark.parametrize("seed", CI_SEEDS)
def test_manual_gradient_matches_jax_on_random_cases(seed):
    """manual_backprop.loss_and_grad == jax_reference.loss_and_grad."""
    case = random_case(seed)
    J_manual, grad_manual = mb.loss_and_grad(*arguments(case))
    J_jax, grad_jax = jr.loss_and_grad(*arguments(case))
    assert J_manual == pytest.approx(J_jax, rel=LOSS_RTOL), "loss: manual vs jax"
    assert relative_error(grad_manual, grad_jax) <= MANUAL_VS_JAX_RTOL, (
        f"gradient, manual vs jax, beyond {MANUAL_VS_JAX_RTOL}: "
        + mismatch_report(grad_manual, grad_jax, case["layer_sizes"])
    )


@pytest.mark.parametrize("seed", range(200))
def test_per_sample_matches_vectorized_on_random_cases(seed):
    """loss_and_grad_per_sample (Exercise 2a, one sample at a time) == loss_and_grad."""
    case = random_case(seed)
    J_vec, grad_vec = mb.loss_and_grad(*arguments(case))
    J_per, grad_per = mb.loss_and_grad_per_sample(*arguments(case))
    assert J_per == pytest.approx(J_vec, rel=LOSS_RTOL), "loss: per-sample vs vectorized"
    assert relative_error(grad_per, grad_vec) <= PER_SAMPLE_RTOL, (
        f"gradient, per-sample vs vectorized, beyond {PER_SAMPLE_RTOL}: "
        + mismatch_report(grad_per, grad_vec, case["layer_sizes"], ("per-sample", "vectorized"))
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
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
    assert J_manual == pytest.approx(J_jax, rel=LOSS_RTOL), "loss: manual vs jax"
    assert relative_error(grad_manual, grad_jax) <= MANUAL_VS_JAX_RTOL, mismatch_report(
        grad_manual, grad_jax, sizes
    )


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
        errors = {
            "loss manual vs jax": relative_error(np.array(J_vec), np.array(J_jax)),
            "gradient manual vs jax": relative_error(grad_vec, grad_jax),
            "loss per-sample vs vectorized": relative_error(np.array(J_per), np.array(J_vec)),
            "gradient per-sample vs vectorized": relative_error(grad_per, grad_vec),
        }
        for key, value in errors.items():
            worst[key] = max(worst[key], value)
    seconds = time.perf_counter() - start
    print(f"{n_cases} random cases in {seconds:.0f} s; worst normwise relative errors:")
    for key, value in worst.items():
        print(f"  {key:36s} {value:.2e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    measure(parser.parse_args().cases)
    sys.exit(0)
