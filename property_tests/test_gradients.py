"""Properties 1 to 4: the hand-written gradient is the derivative of the loss.

1. it equals ``jax.grad`` of the independent JAX twin, for each drawn network in every
   target form (one compilation per network: ``property_tests/compilations.py``);
2. it equals finite differences of the manual loss;
3. for smooth activations, it equals the complex-step derivative;
4. the per-sample algorithm (Exercise 2a) equals the vectorised one.

Tolerances and their derivations: ``backprop_oracle/tolerances.py``, section 1.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

import jax_reference as jr
import manual_backprop as mb
from backprop_oracle.problems import Problem, activations, problems
from backprop_oracle.tolerances import (
    COMPLEX_STEP,
    COMPLEX_STEP_RTOL,
    FD_ROUNDING_FACTOR,
    FD_TRUNCATION_FACTOR,
    LOSS_ATOL_VS_JAX,
    MANUAL_VS_JAX_RTOL,
    OWN_LOSS_RTOL,
    REORDERED_SUM_RTOL,
)
from manual_backprop._checks import check_targets
from manual_backprop.gradcheck import directional_derivative, loss_rounding, relu_piece
from property_tests.compilations import ci_examples, every_oracle_target_form
from property_tests.complex_step import complex_loss, complex_step_directional
from property_tests.reporting import assert_gradients_close, block_of, gradient_scale

Array = NDArray[np.float64]

# Up to this many parameters every coordinate is checked; beyond, random
# directions (each a weighted sum of all coordinates, so no block goes unseen).
MAX_COORDINATES = 60
N_DIRECTIONS = 8


def _directions(n_params: int, seed: int) -> list[tuple[str | None, Array]]:
    """Unit vectors for small problems, random unit directions for large ones."""
    if n_params <= MAX_COORDINATES:
        return [(str(i), np.eye(n_params)[i]) for i in range(n_params)]
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(N_DIRECTIONS, n_params))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return [(None, d) for d in directions]


def _where(index: str | None, layer_sizes: list[int]) -> str:
    return "a random direction" if index is None else block_of(int(index), layer_sizes)


@ci_examples()  # each network compiles JAX once, then serves every target form
@given(problems(), st.integers(0, 2**32 - 1))
def test_manual_gradient_equals_jax_grad(drawn: Problem, seed: int) -> None:
    """Property 1: loss and gradient of manual_backprop equal jax_reference's (jax.grad),
    for the drawn network with its targets in every form."""
    for problem in every_oracle_target_form(drawn, seed):
        J, grad = mb.loss_and_grad(*problem.args)
        J_jax, grad_jax = jr.loss_and_grad(*problem.args)
        assert J == pytest.approx(J_jax, rel=OWN_LOSS_RTOL, abs=LOSS_ATOL_VS_JAX), (
            f"property 1: loss, manual = {J!r}, jax = {J_jax!r}, tolerance {OWN_LOSS_RTOL:g} "
            f"relative + {LOSS_ATOL_VS_JAX:.3g}; T {problem.target_form}"
        )
        scale = gradient_scale(*problem.args)
        assert_gradients_close(
            f"property 1 (manual == jax.grad, T {problem.target_form})", grad, grad_jax,
            problem.layer_sizes, MANUAL_VS_JAX_RTOL, scale,
        )  # fmt: skip


@given(problems(max_samples=20), st.integers(0, 2**32 - 1))
def test_manual_gradient_equals_finite_differences(problem: Problem, seed: int) -> None:
    """Property 2: every coordinate (or random direction) of the gradient matches the
    fourth-order finite difference of the manual loss, within its error bound."""
    W, X, T, sizes, lam, activation = problem.args
    _, grad = mb.loss_and_grad(*problem.args)
    scale = gradient_scale(*problem.args)

    def loss(w: Array) -> float:
        return mb.loss(w, X, T, sizes, lam, activation)

    piece = relu_piece(X, sizes) if activation == "relu" else None
    noise = loss_rounding(*problem.args)
    for index, v in _directions(W.size, seed):
        estimate = directional_derivative(loss, W, v, piece, noise)
        if not estimate.smooth:
            continue  # a pre-activation sits on the kink itself: no stencil avoids it
        exact = float(grad @ v)
        tolerance = (
            FD_TRUNCATION_FACTOR * estimate.truncation
            + FD_ROUNDING_FACTOR * noise / estimate.step
            + REORDERED_SUM_RTOL * scale * np.abs(v).sum()
        )
        assert abs(exact - estimate.value) <= tolerance, (
            f"property 2 (manual == finite differences) at {_where(index, sizes)}: "
            f"manual = {exact!r}, finite differences = {estimate.value!r}, "
            f"|difference| = {abs(exact - estimate.value):.3g} > tolerance {tolerance:.3g} "
            f"(truncation estimate {estimate.truncation:.3g}, step {estimate.step:.3g}); "
            f"layer_sizes {sizes}, activation {activation}"
        )


@given(problems(activation=activations(smooth_only=True)), st.integers(0, 2**32 - 1))
def test_manual_gradient_equals_complex_step(problem: Problem, seed: int) -> None:
    """Property 3: for sigmoid and tanh, the gradient equals Im J(W + i h v) / h."""
    W, X, T, sizes, lam, activation = problem.args
    J, grad = mb.loss_and_grad(*problem.args)
    T_matrix = check_targets(T, X.shape[0], sizes[-1])
    J_complex = complex_loss(W.astype(complex), X, T_matrix, sizes, lam, activation)
    assert J_complex.real == pytest.approx(J, rel=OWN_LOSS_RTOL, abs=0), (
        f"property 3: the complex twin's loss {J_complex.real!r} is not the manual loss {J!r}"
    )
    scale = gradient_scale(*problem.args)
    for index, v in _directions(W.size, seed):
        exact = float(grad @ v)
        derivative = complex_step_directional(W, v, X, T_matrix, sizes, lam, activation,
                                              COMPLEX_STEP)  # fmt: skip
        tolerance = COMPLEX_STEP_RTOL * scale * np.abs(v).sum()
        assert abs(exact - derivative) <= tolerance, (
            f"property 3 (manual == complex step) at {_where(index, sizes)}: "
            f"manual = {exact!r}, complex step = {derivative!r}, "
            f"|difference| = {abs(exact - derivative):.3g} > tolerance {tolerance:.3g}; "
            f"layer_sizes {sizes}, activation {activation}"
        )


@given(problems())
def test_per_sample_algorithm_equals_vectorized(problem: Problem) -> None:
    """Property 4: Exercise 2a's per-sample backpropagation equals the vectorised one."""
    J, grad = mb.loss_and_grad(*problem.args)
    J_per, grad_per = mb.loss_and_grad_per_sample(*problem.args)
    assert J_per == pytest.approx(J, rel=OWN_LOSS_RTOL, abs=0), (
        f"property 4: loss, per-sample = {J_per!r}, vectorized = {J!r}"
    )
    assert_gradients_close(
        "property 4 (per-sample == vectorized)", grad_per, grad, problem.layer_sizes,
        REORDERED_SUM_RTOL, gradient_scale(*problem.args), ("per-sample", "vectorized"),
    )  # fmt: skip
