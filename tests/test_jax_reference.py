"""Tests of ``jax_reference``, the twin differentiated by ``jax.grad``.

Expected values come from plain Python or numpy written here, never from
``manual_backprop`` (the two packages check each other, so neither may be the other's
oracle). The hand-worked 2-2-1 network is in ``tests/test_hand_worked.py``, the bad-input
table in ``tests/test_validation.py``: both run against this twin too. Tolerances shared with
other tests come from ``backprop_oracle/tolerances.py``; the two below depend on the case.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

import jax_reference as jr
from backprop_oracle.tolerances import CLOSED_FORM_RTOL, EPS, SAME_FORMULA_RTOL
from jax_reference import activations, layout, losses, network
from property_tests.reporting import block_of

# ---------------------------------------------------------------------------------------------
# Tolerances that depend on the case, with their reasons
# ---------------------------------------------------------------------------------------------


def saturated_logit_error(Z: np.ndarray, w: np.ndarray, b: float) -> float:
    """Bound on how far two float64 evaluations of the logits ``a = Z w + b`` may differ.

    Weights of scale 1e3 make the terms of a logit large and possibly cancelling, so the
    error is relative to the sum of their magnitudes, not to ``|a|``: summing n + 1 terms in
    any order is off by at most (n + 1) EPS times that sum, and the inputs Z (sigmoids
    computed by scipy on one side and JAX on the other) add a few EPS of each term. The loss
    and the output gradient have slope at most 1 in every logit (|softplus'| <= 1,
    |sigma'| <= 1/4, z in [0, 1]) and average over the samples, so they inherit this bound.
    """
    magnitudes = np.abs(Z) @ np.abs(w) + abs(b)
    return 2 * (len(w) + 1) * EPS * float(np.max(magnitudes))


def fd_tolerance(loss_value: float, h: float) -> float:
    """Allowed |jax - central difference| for one gradient entry.

    Rounding: each loss evaluation is within 2 ulps (4 EPS |J|) of the exact value, so the
    difference quotient (J(w + h) - J(w - h)) / (2 h) carries at most 4 EPS |J| / h.
    Truncation: h^2 |J'''| / 6, with |J'''| <= 6 for the O(1) weights and data used here, so
    at most h^2. With h = EPS^(1/3) both terms are ~EPS^(2/3) ~ 4e-11 per unit of |J|;
    measured errors are 0.3 to 0.7 EPS |J| / h, about a sixth of this bound.
    """
    return 4 * EPS * max(abs(loss_value), 1.0) / h + h**2


def assert_close(
    label_actual: str,
    actual: Any,
    label_expected: str,
    expected: Any,
    rtol: float,
    layer_sizes: Sequence[int] | None = None,
) -> None:
    """Assert ``|actual - expected| <= rtol * max|expected|`` entrywise, naming the worst entry.

    The scale is the largest expected entry: gradient entries near zero come from sums of
    terms of that size, so they cannot be accurate to better than ``rtol`` times it. Given
    ``layer_sizes``, ``actual`` is a gradient and its worst entry is named by block.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (
        f"{label_actual} shape {actual.shape} vs {expected.shape}"
    )
    scale = max(float(np.max(np.abs(expected), initial=0.0)), np.finfo(np.float64).tiny)
    error = np.abs(actual - expected)
    worst = int(np.argmax(error)) if error.size else 0
    where = str(worst) if layer_sizes is None else block_of(worst, layer_sizes)
    assert float(np.max(error, initial=0.0)) <= rtol * scale, (
        f"{label_actual} vs {label_expected}: worst entry {where}: "
        f"{actual.ravel()[worst]!r} vs {expected.ravel()[worst]!r}, "
        f"error {error.ravel()[worst]:.3e} > {rtol:.1e} * {scale:.3e}"
    )


def random_case(
    layer_sizes: list[int], n_samples: int, seed: int, weight_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, inputs and targets (binary 0/1 floats or one-hot rows) for tests."""
    rng = np.random.default_rng(seed)
    W = rng.uniform(-weight_scale, weight_scale, size=jr.n_params(layer_sizes))
    X = rng.normal(size=(n_samples, layer_sizes[0]))
    if layer_sizes[-1] == 1:
        T = rng.integers(0, 2, size=n_samples).astype(np.float64)
    else:
        T = np.eye(layer_sizes[-1])[rng.integers(0, layer_sizes[-1], size=n_samples)]
    return W, X, T


# ---------------------------------------------------------------------------------------------
# The canonical layout
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer_sizes", "expected"),
    [([2, 1], 3), ([2, 2, 1], 9), ([3, 2, 4], 20), ([2, 10, 10, 10, 10, 1], 371), ([2, 5, 3], 33)],
)
def test_n_params_is_sum_of_fan_in_plus_one_times_width(
    layer_sizes: list[int], expected: int
) -> None:
    assert jr.n_params(layer_sizes) == expected


def test_unpack_blocks_follow_the_canonical_order() -> None:
    # layer_sizes [3, 2, 2]: W_1 (3, 2) holds 0..5 row by row, b_1 = 6, 7,
    # W_2 (2, 2) holds 8..11 row by row, b_2 = 12, 13.
    W = np.arange(14.0)
    (W1, b1), (W2, b2) = jr.unpack(W, [3, 2, 2])
    np.testing.assert_array_equal(W1, [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(b1, [6, 7])
    np.testing.assert_array_equal(W2, [[8, 9], [10, 11]])
    np.testing.assert_array_equal(b2, [12, 13])
    assert all(block.dtype == jnp.float64 for pair in jr.unpack(W, [3, 2, 2]) for block in pair)
    np.testing.assert_array_equal(jr.pack([(W1, b1), (W2, b2)]), W)


@settings(max_examples=30, deadline=None)  # no deadline: the first call of a shape compiles
@given(layer_sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5))
def test_pack_inverts_unpack(layer_sizes: list[int]) -> None:
    W = np.arange(float(jr.n_params(layer_sizes)))
    params = jr.unpack(W, layer_sizes)
    assert [(W_l.shape, b_l.shape) for W_l, b_l in params] == [
        ((n_in, n_out), (n_out,)) for n_in, n_out in itertools.pairwise(layer_sizes)
    ]
    np.testing.assert_array_equal(jr.pack(params), W)


def test_gradient_blocks_have_the_layout_of_W() -> None:
    # At W = 0 every hidden unit outputs sigmoid(0) = 0.5 and the output is p = 0.5, so with
    # t = 1: dJ/db_2 = mean(p - t) = -0.5, dJ/dW_2 = Z_1^T (p - t) / N = -0.25 each, and layer 1
    # gets nothing (its delta carries the factor W_2 = 0). All exact in binary floating point.
    layer_sizes = [2, 3, 1]
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    t = np.array([1.0, 1.0])
    _, grad = jr.loss_and_grad(np.zeros(jr.n_params(layer_sizes)), X, t, layer_sizes)
    (dW1, db1), (dW2, db2) = jr.unpack(grad, layer_sizes)
    np.testing.assert_array_equal(dW1, np.zeros((2, 3)))
    np.testing.assert_array_equal(db1, np.zeros(3))
    np.testing.assert_array_equal(dW2, [[-0.25], [-0.25], [-0.25]])
    np.testing.assert_array_equal(db2, [-0.5])


# ---------------------------------------------------------------------------------------------
# Zero hidden layers against direct formulas; the penalty skips biases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_logistic_regression_matches_the_direct_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3))
    t = rng.uniform(size=7)  # soft targets in [0, 1]
    W = rng.uniform(-0.5, 0.5, size=4)
    lam = 0.3
    w, b = W[:3], W[3]
    a = X @ w + b
    assert np.max(np.abs(a)) <= 3  # the premise of SAME_FORMULA_RTOL
    p = 1.0 / (1.0 + np.exp(-a))
    direct_loss = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)) + lam * np.sum(w**2)
    direct_grad = np.append(X.T @ (p - t) / 7 + 2 * lam * w, np.mean(p - t))
    value, grad = jr.loss_and_grad(W, X, t, [3, 1], lam)
    assert_close("jax loss", value, "direct formula", direct_loss, SAME_FORMULA_RTOL)
    assert_close("jax gradient", grad, "direct formula", direct_grad, SAME_FORMULA_RTOL, [3, 1])


@pytest.mark.parametrize("seed", range(3))
def test_softmax_regression_matches_the_direct_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3))
    T = rng.dirichlet(np.ones(4), size=7)  # probability rows
    T /= T.sum(axis=1, keepdims=True)
    W = rng.uniform(-0.5, 0.5, size=16)
    lam = 0.3
    W1, b1 = W[:12].reshape(3, 4), W[12:]
    A = X @ W1 + b1
    assert np.max(np.abs(A)) <= 3  # the premise of SAME_FORMULA_RTOL
    E = np.exp(A)
    P = E / E.sum(axis=1, keepdims=True)
    direct_loss = -np.sum(T * np.log(P)) / 7 + lam * np.sum(W1**2)
    direct_grad = np.append((X.T @ (P - T) / 7 + 2 * lam * W1).ravel(), np.mean(P - T, axis=0))
    value, grad = jr.loss_and_grad(W, X, T, [3, 4], lam)
    assert_close("jax loss", value, "direct formula", direct_loss, SAME_FORMULA_RTOL)
    assert_close("jax gradient", grad, "direct formula", direct_grad, SAME_FORMULA_RTOL, [3, 4])
    assert_close("jax P", jr.predict_proba(W, X, [3, 4]), "direct P", P, SAME_FORMULA_RTOL)


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_penalty_is_lam_times_squared_weights_without_biases(activation: str) -> None:
    layer_sizes = [2, 3, 2]
    W, X, T = random_case(layer_sizes, 4, seed=7)
    params = jr.unpack(W, layer_sizes)
    squared_weights = sum(float(np.sum(np.asarray(W_l) ** 2)) for W_l, _ in params)
    lam = 0.25
    loss_lam, grad_lam = jr.loss_and_grad(W, X, T, layer_sizes, lam, activation)
    loss_0, grad_0 = jr.loss_and_grad(W, X, T, layer_sizes, 0.0, activation)
    # The data terms cancel exactly (same computation); what remains is the rounding of the
    # sum data + penalty and of the squares: a few ulps of the larger loss.
    assert loss_lam - loss_0 == pytest.approx(lam * squared_weights, rel=0, abs=8 * EPS * loss_lam)
    expected = jr.pack([(2 * lam * np.asarray(W_l), np.zeros(b_l.shape)) for W_l, b_l in params])
    # Same reason, entry by entry: a few ulps of the largest gradient entry.
    atol = 8 * EPS * float(np.max(np.abs(grad_lam)))
    np.testing.assert_allclose(grad_lam - grad_0, expected, rtol=0, atol=atol)


# ---------------------------------------------------------------------------------------------
# Saturated logits: finite and accurate
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "t", "expected_loss", "expected_dw"),
    [
        # a = 1000, t = 0: -log(1 - sigma(1000)) = softplus(1000) = 1000; dJ/da = sigma(a) - t = 1
        (1000.0, 0.0, 1000.0, 1.0),
        # a = -1000, t = 1: -log sigma(-1000) = softplus(1000) = 1000; dJ/da = 0 - 1 = -1
        (-1000.0, 1.0, 1000.0, -1.0),
        # a = 1000, t = 1/4: 1/4 softplus(-1000) + 3/4 softplus(1000) = 750; dJ/da = 3/4
        (1000.0, 0.25, 750.0, 0.75),
        # a = 1e300, t = 0: softplus(1e300) = 1e300, still finite
        (1e300, 0.0, 1e300, 1.0),
        # a = 1e300, t = 1: softplus(-1e300) = e^-1e300, which rounds to 0
        (1e300, 1.0, 0.0, 0.0),
    ],
)
def test_binary_loss_at_saturated_logits(
    weight: float, t: float, expected_loss: float, expected_dw: float
) -> None:
    # One sample x = 1, weight w, bias 0: the logit is a = w. lam = 0 leaves the penalty out
    # even when w^2 overflows float64 (1e600).
    value, grad = jr.loss_and_grad([weight, 0.0], [[1.0]], [t], [1, 1])
    # softplus(1000) = 1000 + log1p(e^-1000), and e^-1000 is far below half an ulp of 1000: the
    # correctly rounded loss is exactly the closed form, which JAX's few roundings approach.
    assert value == pytest.approx(expected_loss, rel=CLOSED_FORM_RTOL, abs=0.0)
    np.testing.assert_array_equal(grad, [expected_dw, expected_dw])  # dJ/dw = dJ/db = dJ/da


@pytest.mark.parametrize(("label", "expected_loss"), [(0, 0.0), (1, 1000.0), (2, 2000.0)])
def test_softmax_loss_at_saturated_logits(label: int, expected_loss: float) -> None:
    # One sample x = 1, logits (1000, 0, -1000): -log P_k = logsumexp - A_k = 1000 - A_k
    # exactly (the other exponentials are below half an ulp of 1).
    W = [1000.0, 0.0, -1000.0, 0.0, 0.0, 0.0]
    value, grad = jr.loss_and_grad(W, [[1.0]], [label], [1, 3])
    assert value == pytest.approx(expected_loss, rel=CLOSED_FORM_RTOL, abs=0.0)
    expected_delta = np.array([1.0, 0.0, 0.0]) - np.eye(3)[label]  # P - T, P = (1, 0, 0)
    np.testing.assert_array_equal(grad, np.concatenate([expected_delta, expected_delta]))


@pytest.mark.parametrize("seed", range(5))
def test_hidden_layer_at_weight_scale_1e3_is_accurate(seed: int) -> None:
    layer_sizes = [2, 3, 1]
    W, X, t = random_case(layer_sizes, 6, seed=seed, weight_scale=1e3)
    # Reference: expit and logaddexp are numpy's and scipy's stable forms.
    W1, b1, W2, b2 = W[:6].reshape(2, 3), W[6:9], W[9:12], W[12]
    Z1 = expit(X @ W1 + b1)
    a = Z1 @ W2 + b2
    reference = np.mean(t * np.logaddexp(0.0, -a) + (1 - t) * np.logaddexp(0.0, a))
    value, grad = jr.loss_and_grad(W, X, t, layer_sizes)
    assert np.all(np.isfinite(grad))
    logit_error = saturated_logit_error(Z1, W2, b2)
    # The loss's own final roundings add a few EPS of its size.
    assert value == pytest.approx(reference, rel=8 * EPS, abs=logit_error)
    # Output layer: dJ/dW_2 = Z_1^T (p - t) / N, dJ/db_2 = mean(p - t).
    delta = (expit(a) - t) / len(t)
    expected_output_grad = np.append(Z1.T @ delta, delta.sum())
    np.testing.assert_allclose(
        grad[9:], expected_output_grad, rtol=8 * EPS, atol=logit_error, err_msg="jax vs formula"
    )


def test_overflowing_forward_pass_raises_naming_W() -> None:
    # relu lets 1e200 * 1e200 overflow to inf in layer 2.
    W = [1e200, 0.0, 1e200, 0.0]
    with pytest.raises(ValueError, match=r"^W: the loss or its gradient is not finite"):
        jr.loss_and_grad(W, [[1e200]], [1.0], [1, 1, 1], activation="relu")
    with pytest.raises(ValueError, match=r"^W: the output logit A_L is not finite"):
        jr.forward(W, [[1e200]], [1, 1, 1], activation="relu")
    # A penalty lam * ||W||^2 beyond float64 (1e400) cannot be represented either.
    with pytest.raises(ValueError, match=r"^W: the loss is not finite"):
        jr.loss([1e200, 0.0], [[1.0]], [1.0], [1, 1], lam=1.0)


# ---------------------------------------------------------------------------------------------
# Gradient against central finite differences
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("layer_sizes", [[3, 1], [3, 4, 2, 1], [2, 3, 3]], ids=str)
def test_gradient_matches_central_finite_differences(
    layer_sizes: list[int], activation: str
) -> None:
    W, X, T = random_case(layer_sizes, 5, seed=3)
    lam = 0.3
    if activation == "relu":  # no hidden pre-activation may sit within h of the kink at 0
        Z = X
        for W_l, b_l in jr.unpack(W, layer_sizes)[:-1]:
            A = Z @ np.asarray(W_l) + np.asarray(b_l)
            assert np.min(np.abs(A)) > 1e-3
            Z = np.maximum(A, 0.0)

    def J(w: np.ndarray) -> float:
        return jr.loss(w, X, T, layer_sizes, lam, activation)

    value, grad = jr.loss_and_grad(W, X, T, layer_sizes, lam, activation)
    h = EPS ** (1 / 3)  # balances truncation (~h^2) against rounding (~EPS / h)
    step = np.eye(W.size) * h
    finite_differences = np.array([(J(W + e) - J(W - e)) / (2 * h) for e in step])
    error = np.abs(grad - finite_differences)
    worst = int(np.argmax(error))
    assert error[worst] <= fd_tolerance(value, h), (
        f"{block_of(worst, layer_sizes)}: jax = {grad[worst]!r}, central differences = "
        f"{finite_differences[worst]!r}, |difference| {error[worst]:.3g} > "
        f"{fd_tolerance(value, h):.3g}"
    )


def test_relu_derivative_at_zero_is_zero() -> None:
    assert float(jax.grad(jr.relu)(0.0)) == 0.0
    # A 1-1-1 relu network whose hidden pre-activation is exactly 0 (x = 1, w_1 = b_1 = 0):
    # no gradient reaches layer 1, and layer 2 sees z = 0.
    _, grad = jr.loss_and_grad([0.0, 0.0, 1.0, 0.0], [[1.0]], [1.0], [1, 1, 1], activation="relu")
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0, -0.5])  # dJ/db_2 = sigma(0) - 1


# ---------------------------------------------------------------------------------------------
# Shapes and dtypes of results (the accepted forms of T: tests/test_validation.py)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("layer_sizes", "shape"), [([2, 3, 1], (4,)), ([2, 3, 3], (4, 3))])
def test_predict_proba_shapes(layer_sizes: list[int], shape: tuple[int, ...]) -> None:
    W, X, _ = random_case(layer_sizes, 4, seed=2)
    P = jr.predict_proba(W, X, layer_sizes)
    assert isinstance(P, np.ndarray)
    assert P.shape == shape
    assert P.dtype == np.float64
    if len(shape) == 2:
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=4 * EPS)  # 3-term sum
    logits = jr.forward(W, X, layer_sizes)
    assert logits.shape == (4, layer_sizes[-1])
    assert logits.dtype == np.float64


def test_results_are_float64_and_the_float32_default_is_restored() -> None:
    W, X, t = random_case([2, 3, 1], 4, seed=0)
    with jax.enable_x64(False):  # the process default, whatever other tests did
        value, grad = jr.loss_and_grad(W, X, t, [2, 3, 1], 0.1)
        assert jnp.ones(2).dtype == jnp.float32
        with pytest.raises(ValueError, match=r"^lam: "):
            jr.loss(W, X, t, [2, 3, 1], -1.0)
        assert jnp.ones(2).dtype == jnp.float32  # also after an error inside the float64 scope
        assert jr.sigmoid([0.0]).dtype == jnp.float64
        assert jr.unpack(W, [2, 3, 1])[0][0].dtype == jnp.float64
        assert jnp.ones(2).dtype == jnp.float32
    assert type(value) is float
    assert isinstance(grad, np.ndarray)
    assert grad.dtype == np.float64
    assert grad.shape == W.shape
    assert grad.flags.writeable  # a fresh array the caller owns
    with jax.enable_x64(True):  # a caller who enabled float64 keeps it
        jr.loss_and_grad(W, X, t, [2, 3, 1], 0.1)
        assert jnp.ones(2).dtype == jnp.float64


def test_one_compilation_per_architecture() -> None:
    compiled = network._loss_and_grad_jit
    layer_sizes = [2, 4, 1]
    W, X, t = random_case(layer_sizes, 5, seed=0)
    jr.loss_and_grad(W, X, t, layer_sizes, 0.1)
    size = compiled._jitted._cache_size()
    jr.loss_and_grad(W + 1.0, X, t, tuple(layer_sizes), 0.5)  # new values, same architecture
    assert compiled._jitted._cache_size() == size
    jr.loss_and_grad(W, X, t, layer_sizes, 0.1, "tanh")  # a new architecture compiles once
    assert compiled._jitted._cache_size() == size + 1


def test_compiled_programs_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past _MAX_COMPILED signatures the cache starts over, so a sweep over thousands of
    # architectures cannot exhaust the process's memory mappings.
    monkeypatch.setattr(network, "_MAX_COMPILED", 2)
    compiled = network._loss_and_grad_jit
    compiled._jitted.clear_cache()
    compiled._seen.clear()
    for width in (1, 2, 3):
        layer_sizes = [2, width, 1]
        W, X, t = random_case(layer_sizes, 4, seed=width)
        jr.loss_and_grad(W, X, t, layer_sizes, 0.1)
    assert compiled._jitted._cache_size() == 1  # the third signature started a fresh cache
    assert len(compiled._seen) == 1


def test_the_package_contains_no_derivative_code() -> None:
    # jax.grad replaces every backward formula; a student should find none here.
    suspicious = ("grad", "deriv", "prime", "delta", "backward")
    names = {
        f"{module.__name__}.{name}"
        for module in (jr, activations, losses, layout, network)
        for name in dir(module)
        if any(word in name.lower() for word in suspicious)
    }
    allowed = {
        "jax_reference.loss_and_grad",  # the public entry point, built on jax.value_and_grad
        "jax_reference.network.loss_and_grad",
        "jax_reference.network._loss_and_grad_jit",
    }
    assert names <= allowed
    assert set(activations.ACTIVATIONS) == {"sigmoid", "relu", "tanh"}


# ---------------------------------------------------------------------------------------------
# Bad input to the layout functions (the loss functions' table is tests/test_validation.py)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "pattern"),
    [
        ((np.zeros(8), [2, 2, 1]), ValueError, r"^W: expected 9 parameters in a 1-D array"),
        ((np.zeros(9), [2, 0, 1]), ValueError, r"^layer_sizes: "),
        (("abc", [2, 2, 1]), TypeError, r"^W: expected an array"),
    ],
)
def test_bad_input_to_unpack(
    arguments: tuple[Any, Any], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        jr.unpack(*arguments)


@pytest.mark.parametrize(
    ("params", "error", "pattern"),
    [
        ([], TypeError, r"^params: expected a non-empty sequence"),
        ([(np.zeros((2, 2)), np.zeros(3))], ValueError, r"^params: b_1 must have shape \(2,\)"),
        ([(np.zeros(2), np.zeros(2))], ValueError, r"^params: W_1 must be 2-D"),
        (
            [(np.zeros((2, 2)), np.zeros(2)), (np.zeros((3, 1)), np.zeros(1))],
            ValueError,
            r"^params: W_2 must have 2 rows",
        ),
        ([(np.zeros((2, 2)),)], TypeError, r"^params: expected .* pairs"),
    ],
)
def test_bad_input_to_pack(params: Any, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        jr.pack(params)


# ---------------------------------------------------------------------------------------------
# Purity: inputs are never modified
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layer_sizes", [[2, 3, 1], [2, 3, 3]], ids=str)
def test_inputs_are_not_modified(layer_sizes: list[int]) -> None:
    W, X, T = random_case(layer_sizes, 4, seed=5)
    originals = [W.copy(), X.copy(), T.copy()]
    for array in (W, X, T):
        array.setflags(write=False)  # any attempt to write would raise
    sizes = list(layer_sizes)
    jr.loss_and_grad(W, X, T, sizes, 0.2)
    jr.loss(W, X, T, sizes, 0.2)
    jr.forward(W, X, sizes)
    jr.predict_proba(W, X, sizes)
    params = jr.unpack(W, sizes)
    jr.pack(params)
    for original, array in zip(originals, (W, X, T), strict=True):
        np.testing.assert_array_equal(array, original)
    assert sizes == layer_sizes
