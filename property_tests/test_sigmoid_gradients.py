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

The properties that call JAX check each drawn network (or shape of logits) in every
target form (and at every logit scale), all on one compilation, and draw 50 of them
under the ``ci`` profile instead of 200: see ``property_tests/compilations.py``.

Tolerances and their derivations: ``backprop_oracle/tolerances.py``, section 1; the
yardsticks (gradient scale, loss rounding): ``property_tests/sigmoid_outputs.py``.
"""

import itertools

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
from property_tests.compilations import ci_examples, every_oracle_target_form
from property_tests.complex_step import complex_loss, complex_step_directional
from property_tests.reporting import assert_gradients_close
from property_tests.sigmoid_outputs import (
    every_sigmoid_target_form,
    sigmoid_problems,
    sigmoids_arguments,
    sigmoids_gradient_scale,
    sigmoids_loss_rounding,
    target_matrix,
)
from property_tests.test_gradients import _directions, _where

Array = NDArray[np.float64]


@ci_examples()  # each network compiles JAX once, then serves every target form
@given(sigmoid_problems(), st.integers(0, 2**32 - 1))
def test_sigmoids_gradient_equals_jax_grad(drawn: Problem, seed: int) -> None:
    """Property 1: loss and gradient of manual_backprop equal jax_reference's (jax.grad),
    for the drawn network with its targets in every form."""
    for problem in every_sigmoid_target_form(drawn, seed):
        J, grad = mb.loss_and_grad(**sigmoids_arguments(problem))
        J_jax, grad_jax = jr.loss_and_grad(**sigmoids_arguments(problem))
        # OWN_LOSS_RTOL (1e-13): a mean of non-negative terms plus a non-negative penalty,
        # no cancellation; here N K <= 200 terms, each side off by at most ~200 eps =
        # 4.4e-14 in the worst case (jax.nn.log_sigmoid and numpy's logaddexp both keep
        # full relative precision in the tails, so no absolute term is needed as for the
        # softmax).
        assert J == pytest.approx(J_jax, rel=OWN_LOSS_RTOL, abs=0), (
            f"property 1 (sigmoids): loss, manual = {J!r}, jax = {J_jax!r}, tolerance "
            f"{OWN_LOSS_RTOL:g} relative; layer_sizes {problem.layer_sizes}, "
            f"T {problem.target_form}"
        )
        # MANUAL_VS_JAX_RTOL (1e-12 of the scale): the same sums in two orders; the K <= 5
        # output units are within the derivation's widths n_l <= 12.
        scale = sigmoids_gradient_scale(*problem.args)
        assert_gradients_close(
            f"property 1 (sigmoids, manual == jax.grad, T {problem.target_form})", grad,
            grad_jax, problem.layer_sizes, MANUAL_VS_JAX_RTOL, scale,
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


@ci_examples()  # each network compiles JAX three times, then serves every target form
@given(problems(sizes=architectures(output_sizes=(1,))), st.integers(0, 2**32 - 1))
def test_one_sigmoid_output_is_the_binary_output(drawn: Problem, seed: int) -> None:
    """K = 1: "sigmoids" is the binary output of "auto", in both twins, to rounding.

    The drawn network with its targets in every binary target form of the oracle
    (floats, a column, ints, bools, soft).
    """
    pairs = {
        "manual loss_and_grad": mb.loss_and_grad,
        "manual loss_and_grad_per_sample": mb.loss_and_grad_per_sample,
        "jax loss_and_grad": jr.loss_and_grad,
    }
    for problem in every_oracle_target_form(drawn, seed):
        label = f"layer_sizes {problem.layer_sizes}, T {problem.target_form}"
        scale = gradient_scale(*problem.args)
        for name, function in pairs.items():
            J_sigmoids, grad_sigmoids = function(**sigmoids_arguments(problem))
            J_auto, grad_auto = function(*problem.args)
            # OWN_LOSS_RTOL: the same terms, at most summed in another order.
            assert J_sigmoids == pytest.approx(J_auto, rel=OWN_LOSS_RTOL, abs=0), (
                f"{name}: loss, sigmoids = {J_sigmoids!r}, auto = {J_auto!r}; {label}"
            )
            # REORDERED_SUM_RTOL: the same products, at most summed in another order.
            assert_gradients_close(
                f"{name} (K = 1: sigmoids == auto, T {problem.target_form})", grad_sigmoids,
                grad_auto, problem.layer_sizes, REORDERED_SUM_RTOL, scale, ("sigmoids", "auto"),
            )  # fmt: skip
    # The probabilities do not depend on the targets: once per network.
    W, X, _, sizes, _, activation = drawn.args
    for name, predict_proba in {"manual": mb.predict_proba, "jax": jr.predict_proba}.items():
        p_sigmoids = predict_proba(W, X, sizes, activation, output="sigmoids")
        p_auto = predict_proba(W, X, sizes, activation)
        # The same function of the same logits: identical, bit for bit.
        np.testing.assert_array_equal(p_sigmoids, p_auto, err_msg=f"{name} predict_proba")


# Logit scales, from nearly linear (1e-3) to far beyond where exp overflows (1e300).
LOGIT_SCALES = (1.0, 1e-3, 10.0, 40.0, 1e3, 1e300)


@st.composite
def logits_and_targets(draw: st.DrawFn) -> tuple[Array, dict[str, Array]]:
    """Standard normal logits (N, K), and 0/1 and soft targets of the same shape."""
    n_samples, n_outputs = draw(st.integers(1, 40)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = rng.normal(size=(n_samples, n_outputs))
    targets = {
        "0/1": (rng.random((n_samples, n_outputs)) < 0.5).astype(np.float64),
        "soft": draw(hnp.arrays(np.float64, (n_samples, n_outputs), elements=st.floats(0.0, 1.0))),
    }
    return A, targets


@ci_examples()  # JAX compiles its operations once per shape (N, K), then serves every case
@given(logits_and_targets())
def test_sigmoids_loss_and_delta_are_those_of_one_binary_output_per_unit(
    case: tuple[Array, dict[str, Array]],
) -> None:
    """Each unit is a binary output of its own: the loss is the sum over the columns of
    their binary cross-entropies, the delta is theirs column by column, in both twins;
    at every logit scale (up to 1e300), 0/1 and soft targets, with no warning."""
    A_unit, targets = case
    for scale, (kind, T) in itertools.product(LOGIT_SCALES, targets.items()):
        A = A_unit * scale
        label = f"A of shape {A.shape} at scale {scale:g}, {kind} targets"
        columns = [(A[:, [k]], T[:, [k]]) for k in range(A.shape[1])]
        J = losses.sigmoids_cross_entropy(A, T)
        J_columns = sum(losses.binary_cross_entropy(a, t) for a, t in columns)
        J_jax = float(jr.sigmoids_cross_entropy(A, T))
        J_jax_columns = sum(float(jr.binary_cross_entropy(a[:, 0], t[:, 0])) for a, t in columns)
        # OWN_LOSS_RTOL: sums of the same non-negative terms in other orders (no cancellation).
        values = {"columns": J_columns, "jax": J_jax, "jax columns": J_jax_columns}
        for name, value in values.items():
            assert J == pytest.approx(value, rel=OWN_LOSS_RTOL, abs=0), (
                f"sigmoids_cross_entropy = {J!r}, {name} = {value!r}; {label}"
            )
        delta = losses.sigmoids_output_delta(A, T)
        delta_columns = np.hstack([losses.binary_output_delta(a, t) for a, t in columns])
        # CLOSED_FORM_RTOL (1e-15), entry by entry: the same handful of operations on the
        # same numbers; at most numpy's exp on arrays of other lengths rounds an ulp apart.
        np.testing.assert_allclose(
            delta, delta_columns, rtol=CLOSED_FORM_RTOL, atol=0, err_msg=label
        )
