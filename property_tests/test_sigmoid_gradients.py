"""Properties 1 to 4 for K independent sigmoid outputs (``output="sigmoids"``, Coursera ex4).

The same four properties as ``test_gradients.py``, with the same tolerances, on the
oracle's search space (1 to 5 output units, 0 to 5 hidden layers, every activation,
weights from 1e-3 to 50, ``lam`` from 0 to 1e3) with targets any (N, K) matrix in
[0, 1] (0/1 with several units on or none, one-hot, bools, ints, soft):

1. the hand-written gradient equals ``jax.grad`` of the independent JAX twin;
2. it equals finite differences of the manual loss;
3. for smooth activations, it equals the complex-step derivative;
4. the per-sample algorithm (Exercise 2a) equals the vectorised one.

Then two of the output's own: for one unit it is the binary output of ``"auto"``, and
for K units its loss and delta are those of K binary outputs, one per column.

Tolerances and their derivations: ``backprop_oracle/tolerances.py``, section 1; the
yardsticks (gradient scale, loss rounding): ``property_tests/sigmoid_outputs.py``.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

import jax_reference as jr
import manual_backprop as mb
from backprop_oracle.problems import Problem, activations, architectures, problems
from backprop_oracle.tolerances import (
    CLOSED_FORM_RTOL,
    COMPLEX_STEP,
    COMPLEX_STEP_RTOL,
    FD_ROUNDING_FACTOR,
    FD_TRUNCATION_FACTOR,
    MANUAL_VS_JAX_RTOL,
    OWN_LOSS_RTOL,
    REORDERED_SUM_RTOL,
)
from manual_backprop import losses
from manual_backprop.gradcheck import directional_derivative, gradient_scale, relu_piece
from property_tests.complex_step import complex_loss, complex_step_directional
from property_tests.reporting import assert_gradients_close
from property_tests.sigmoid_outputs import (
    sigmoid_problems,
    sigmoids_arguments,
    sigmoids_gradient_scale,
    sigmoids_loss_rounding,
    target_matrix,
)
from property_tests.test_gradients import _directions, _where

Array = NDArray[np.float64]


@given(sigmoid_problems())
def test_sigmoids_gradient_equals_jax_grad(problem: Problem) -> None:
    """Property 1: loss and gradient of manual_backprop equal jax_reference's (jax.grad)."""
    J, grad = mb.loss_and_grad(**sigmoids_arguments(problem))
    J_jax, grad_jax = jr.loss_and_grad(**sigmoids_arguments(problem))
    # OWN_LOSS_RTOL (1e-13): a mean of non-negative terms plus a non-negative penalty, no
    # cancellation; here N K <= 200 terms, each side off by at most ~200 eps = 4.4e-14 in
    # the worst case (jax.nn.log_sigmoid and numpy's logaddexp both keep full relative
    # precision in the tails, so no absolute term is needed as for the softmax).
    assert J == pytest.approx(J_jax, rel=OWN_LOSS_RTOL, abs=0), (
        f"property 1 (sigmoids): loss, manual = {J!r}, jax = {J_jax!r}, tolerance "
        f"{OWN_LOSS_RTOL:g} relative; layer_sizes {problem.layer_sizes}, T {problem.target_form}"
    )
    # MANUAL_VS_JAX_RTOL (1e-12 of the scale): the same sums in two orders; the K <= 5
    # output units are within the derivation's widths n_l <= 12.
    scale = sigmoids_gradient_scale(*problem.args)
    assert_gradients_close(
        "property 1 (sigmoids, manual == jax.grad)", grad, grad_jax, problem.layer_sizes,
        MANUAL_VS_JAX_RTOL, scale,
    )  # fmt: skip


@given(sigmoid_problems(max_samples=20), st.integers(0, 2**32 - 1))
def test_sigmoids_gradient_equals_finite_differences(problem: Problem, seed: int) -> None:
    """Property 2: every coordinate (or random direction) of the gradient matches the
    fourth-order finite difference of the manual loss, within its error bound."""
    W, X, T, sizes, lam, activation = problem.args
    _, grad = mb.loss_and_grad(**sigmoids_arguments(problem))
    scale = sigmoids_gradient_scale(*problem.args)

    def loss(w: Array) -> float:
        return mb.loss(w, X, T, sizes, lam, activation, output="sigmoids")

    piece = relu_piece(X, sizes) if activation == "relu" else None
    noise = sigmoids_loss_rounding(*problem.args)
    for index, v in _directions(W.size, seed):
        estimate = directional_derivative(loss, W, v, piece, noise)
        if not estimate.smooth:
            continue  # a pre-activation sits on the kink itself: no stencil avoids it
        exact = float(grad @ v)
        # As in test_gradients.py: the stencil's truncation (bounded by the gap between
        # the steps h and 2h, FD_TRUNCATION_FACTOR = 1), the loss's rounding amplified by
        # the stencil's weights 1.5 / h (FD_ROUNDING_FACTOR = 2), and the gradient's own
        # rounding (REORDERED_SUM_RTOL of the scale, along v).
        tolerance = (
            FD_TRUNCATION_FACTOR * estimate.truncation
            + FD_ROUNDING_FACTOR * noise / estimate.step
            + REORDERED_SUM_RTOL * scale * np.abs(v).sum()
        )
        assert abs(exact - estimate.value) <= tolerance, (
            f"property 2 (sigmoids, manual == finite differences) at {_where(index, sizes)}: "
            f"manual = {exact!r}, finite differences = {estimate.value!r}, "
            f"|difference| = {abs(exact - estimate.value):.3g} > tolerance {tolerance:.3g} "
            f"(truncation estimate {estimate.truncation:.3g}, step {estimate.step:.3g}); "
            f"layer_sizes {sizes}, activation {activation}, T {problem.target_form}"
        )


@given(sigmoid_problems(activation=activations(smooth_only=True)), st.integers(0, 2**32 - 1))
def test_sigmoids_gradient_equals_complex_step(problem: Problem, seed: int) -> None:
    """Property 3: for sigmoid and tanh, the gradient equals Im J(W + i h v) / h."""
    W, X, T, sizes, lam, activation = problem.args
    J, grad = mb.loss_and_grad(**sigmoids_arguments(problem))
    T_matrix = target_matrix(T, X.shape[0], sizes[-1])
    J_complex = complex_loss(W.astype(complex), X, T_matrix, sizes, lam, activation, "sigmoids")
    # OWN_LOSS_RTOL: two evaluations of the same sum of non-negative terms (see property 1).
    assert J_complex.real == pytest.approx(J, rel=OWN_LOSS_RTOL, abs=0), (
        f"property 3 (sigmoids): the complex twin's loss {J_complex.real!r} is not the manual "
        f"loss {J!r}"
    )
    scale = sigmoids_gradient_scale(*problem.args)
    for index, v in _directions(W.size, seed):
        exact = float(grad @ v)
        derivative = complex_step_directional(W, v, X, T_matrix, sizes, lam, activation,
                                              COMPLEX_STEP, "sigmoids")  # fmt: skip
        # COMPLEX_STEP_RTOL (1e-12 of the scale): no truncation at h = 1e-200, no
        # cancellation, so both sides are exact to a few eps of the scale.
        tolerance = COMPLEX_STEP_RTOL * scale * np.abs(v).sum()
        assert abs(exact - derivative) <= tolerance, (
            f"property 3 (sigmoids, manual == complex step) at {_where(index, sizes)}: "
            f"manual = {exact!r}, complex step = {derivative!r}, "
            f"|difference| = {abs(exact - derivative):.3g} > tolerance {tolerance:.3g}; "
            f"layer_sizes {sizes}, activation {activation}, T {problem.target_form}"
        )


@given(sigmoid_problems())
def test_sigmoids_per_sample_algorithm_equals_vectorized(problem: Problem) -> None:
    """Property 4: Exercise 2a's per-sample backpropagation equals the vectorised one."""
    J, grad = mb.loss_and_grad(**sigmoids_arguments(problem))
    J_per, grad_per = mb.loss_and_grad_per_sample(**sigmoids_arguments(problem))
    # OWN_LOSS_RTOL: the same non-negative terms summed sample by sample.
    assert J_per == pytest.approx(J, rel=OWN_LOSS_RTOL, abs=0), (
        f"property 4 (sigmoids): loss, per-sample = {J_per!r}, vectorized = {J!r}"
    )
    # REORDERED_SUM_RTOL (1e-12 of the scale): the same products, accumulated one sample
    # at a time instead of inside a matrix product.
    assert_gradients_close(
        "property 4 (sigmoids, per-sample == vectorized)", grad_per, grad, problem.layer_sizes,
        REORDERED_SUM_RTOL, sigmoids_gradient_scale(*problem.args), ("per-sample", "vectorized"),
    )  # fmt: skip


@given(problems(sizes=architectures(output_sizes=(1,))))
def test_one_sigmoid_output_is_the_binary_output(problem: Problem) -> None:
    """K = 1: "sigmoids" is the binary output of "auto", in both twins, to rounding.

    Every binary target form of the oracle (floats, a column, ints, bools, soft).
    """
    label = f"layer_sizes {problem.layer_sizes}, T {problem.target_form}"
    scale = gradient_scale(*problem.args)
    pairs = {
        "manual loss_and_grad": mb.loss_and_grad,
        "manual loss_and_grad_per_sample": mb.loss_and_grad_per_sample,
        "jax loss_and_grad": jr.loss_and_grad,
    }
    for name, function in pairs.items():
        J_sigmoids, grad_sigmoids = function(**sigmoids_arguments(problem))
        J_auto, grad_auto = function(*problem.args)
        # OWN_LOSS_RTOL: the same terms, at most summed in another order.
        assert J_sigmoids == pytest.approx(J_auto, rel=OWN_LOSS_RTOL, abs=0), (
            f"{name}: loss, sigmoids = {J_sigmoids!r}, auto = {J_auto!r}; {label}"
        )
        # REORDERED_SUM_RTOL: the same products, at most summed in another order.
        assert_gradients_close(
            f"{name} (K = 1: sigmoids == auto)", grad_sigmoids, grad_auto, problem.layer_sizes,
            REORDERED_SUM_RTOL, scale, ("sigmoids", "auto"),
        )  # fmt: skip
    W, X, _, sizes, _, activation = problem.args
    for name, predict_proba in {"manual": mb.predict_proba, "jax": jr.predict_proba}.items():
        p_sigmoids = predict_proba(W, X, sizes, activation, output="sigmoids")
        p_auto = predict_proba(W, X, sizes, activation)
        # The same function of the same logits: identical, bit for bit.
        np.testing.assert_array_equal(p_sigmoids, p_auto, err_msg=f"{name} predict_proba")


@st.composite
def logits_and_targets(draw: st.DrawFn) -> tuple[Array, Array]:
    """Logits (N, K) at one scale, from nearly 0 to 1e300, and 0/1 or soft targets."""
    n_samples, n_outputs = draw(st.integers(1, 40)), draw(st.integers(1, 5))
    scale = draw(st.sampled_from([1.0, 1e-3, 10.0, 40.0, 1e3, 1e300]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = rng.normal(size=(n_samples, n_outputs)) * scale
    if draw(st.booleans()):
        T = (rng.random((n_samples, n_outputs)) < 0.5).astype(np.float64)
    else:
        T = draw(hnp.arrays(np.float64, (n_samples, n_outputs), elements=st.floats(0.0, 1.0)))
    return A, T


@given(logits_and_targets())
def test_sigmoids_loss_and_delta_are_those_of_one_binary_output_per_unit(
    case: tuple[Array, Array],
) -> None:
    """Each unit is a binary output of its own: the loss is the sum over the columns of
    their binary cross-entropies, the delta is theirs column by column, in both twins;
    at any logit scale (up to 1e300) with no warning."""
    A, T = case
    columns = [(A[:, [k]], T[:, [k]]) for k in range(A.shape[1])]
    J = losses.sigmoids_cross_entropy(A, T)
    J_columns = sum(losses.binary_cross_entropy(a, t) for a, t in columns)
    J_jax = float(jr.sigmoids_cross_entropy(A, T))
    J_jax_columns = sum(float(jr.binary_cross_entropy(a[:, 0], t[:, 0])) for a, t in columns)
    # OWN_LOSS_RTOL: sums of the same non-negative terms in other orders (no cancellation).
    for label, value in {"columns": J_columns, "jax": J_jax, "jax columns": J_jax_columns}.items():
        assert J == pytest.approx(value, rel=OWN_LOSS_RTOL, abs=0), (
            f"sigmoids_cross_entropy = {J!r}, {label} = {value!r}; A of shape {A.shape}"
        )
    delta = losses.sigmoids_output_delta(A, T)
    delta_columns = np.hstack([losses.binary_output_delta(a, t) for a, t in columns])
    # CLOSED_FORM_RTOL (1e-15), entry by entry: the same handful of operations on the same
    # numbers; at most numpy's exp on arrays of other lengths rounds an ulp apart.
    np.testing.assert_allclose(delta, delta_columns, rtol=CLOSED_FORM_RTOL, atol=0)
