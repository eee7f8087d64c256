"""Property 5: relations the mathematics guarantees, checked without any second implementation.

Each transforms a problem in a way whose effect on the loss and the gradient
is known exactly (nothing, a permutation, a fixed difference) and checks
that the manual package shows exactly that effect, to rounding.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import manual_backprop as mb
from backprop_oracle.problems import Problem, architectures, problems
from backprop_oracle.tolerances import EPS, OWN_LOSS_RTOL, REORDERED_SUM_RTOL
from manual_backprop._checks import check_targets
from property_tests.reporting import assert_gradients_close, gradient_scale


def _close(label: str, J: float, J_expected: float, tolerance: float) -> None:
    assert abs(J - J_expected) <= tolerance, (
        f"{label}: loss {J!r} vs {J_expected!r}, |difference| {abs(J - J_expected):.3g} "
        f"> tolerance {tolerance:.3g}"
    )


@given(problems(lam=st.sampled_from([1e-3, 0.1, 10.0, 1e3])))
def test_penalty_gradient_is_two_lam_w_on_weights_and_nothing_on_biases(problem: Problem) -> None:
    """Property 5a: loss_and_grad(lam) - loss_and_grad(0) is (lam ||W||^2, 2 lam W, 0 on biases)."""
    J_lam, grad_lam = mb.loss_and_grad(*problem.args)
    J_0, grad_0 = mb.loss_and_grad(*problem.with_(lam=0.0).args)
    sizes, lam = problem.layer_sizes, problem.lam
    blocks = zip(
        mb.unpack(problem.W, sizes), mb.unpack(grad_lam, sizes), mb.unpack(grad_0, sizes),
        strict=True,
    )  # fmt: skip
    penalty = 0.0
    for l, ((W_l, _), (dW_lam, db_lam), (dW_0, db_0)) in enumerate(blocks, start=1):
        # The penalty adds nothing to a bias gradient: bit for bit the same.
        np.testing.assert_array_equal(db_lam, db_0, err_msg=f"property 5a: b{l} moved with lam")
        # dW_lam = fl(dW_0 + 2 lam W): the subtraction recovers 2 lam W to within
        # one rounding of each of the two operands.
        tolerance = 2 * EPS * (np.abs(dW_lam) + np.abs(dW_0))
        gap = np.abs((dW_lam - dW_0) - 2 * lam * W_l)
        worst = np.unravel_index(np.argmax(gap - tolerance), gap.shape)
        assert np.all(gap <= tolerance), (
            f"property 5a: W{l}{list(worst)}: grad(lam) - grad(0) = {(dW_lam - dW_0)[worst]!r}, "
            f"2 lam W = {2 * lam * W_l[worst]!r}, tolerance {tolerance[worst]:.3g}"
        )
        penalty += lam * float(np.sum(W_l**2))
    # J_lam = fl(J_0 + penalty), the penalty a sum of P squares: P eps of it.
    _close("property 5a (penalty)", J_lam - J_0, penalty,
           2 * EPS * (J_lam + J_0) + 2 * problem.W.size * EPS * penalty)  # fmt: skip


@given(problems(), st.randoms(use_true_random=False))
def test_permuting_the_samples_changes_nothing(problem: Problem, random) -> None:
    """Property 5b: the loss is a mean over samples, whatever their order."""
    order = list(range(problem.X.shape[0]))
    random.shuffle(order)
    T = np.asarray(problem.T)
    J, grad = mb.loss_and_grad(*problem.args)
    J_perm, grad_perm = mb.loss_and_grad(*problem.with_(X=problem.X[order], T=T[order]).args)
    _close("property 5b (permuted samples)", J_perm, J, OWN_LOSS_RTOL * J)
    assert_gradients_close(
        "property 5b (permuted samples)", grad_perm, grad, problem.layer_sizes,
        REORDERED_SUM_RTOL, gradient_scale(*problem.args), ("permuted", "original"),
    )  # fmt: skip


@given(problems())
def test_duplicating_every_sample_changes_nothing(problem: Problem) -> None:
    """Property 5c: a mean over the samples twice over is the same mean."""
    T = np.asarray(problem.T)
    doubled = problem.with_(X=np.concatenate([problem.X, problem.X]), T=np.concatenate([T, T]))
    J, grad = mb.loss_and_grad(*problem.args)
    J_twice, grad_twice = mb.loss_and_grad(*doubled.args)
    _close("property 5c (duplicated samples)", J_twice, J, OWN_LOSS_RTOL * J)
    assert_gradients_close(
        "property 5c (duplicated samples)", grad_twice, grad, problem.layer_sizes,
        REORDERED_SUM_RTOL, gradient_scale(*problem.args), ("duplicated", "original"),
    )  # fmt: skip


@given(problems(sizes=architectures(min_hidden=1)), st.data())
def test_permuting_hidden_units_permutes_the_gradient(problem: Problem, data) -> None:
    """Property 5d: relabel the units of one hidden layer (columns of W_l, entries of
    b_l, rows of W_{l+1}): the loss stays, the gradient is relabelled the same way."""
    sizes = problem.layer_sizes
    l = data.draw(st.integers(1, len(sizes) - 2), label="hidden layer")
    order = data.draw(st.permutations(range(sizes[l])), label="new order of its units")
    W_perm = problem.W.copy()
    params = mb.unpack(W_perm, sizes)
    (W_l, b_l), (W_next, _) = params[l - 1], params[l]
    W_l[:] = W_l[:, order]
    b_l[:] = b_l[order]
    W_next[:] = W_next[order, :]

    J, grad = mb.loss_and_grad(*problem.args)
    J_perm, grad_perm = mb.loss_and_grad(*problem.with_(W=W_perm).args)
    _close("property 5d (permuted units)", J_perm, J, OWN_LOSS_RTOL * J)
    expected = grad.copy()  # the original gradient, relabelled
    (dW_l, db_l), (dW_next, _) = mb.unpack(expected, sizes)[l - 1 : l + 1]
    dW_l[:] = dW_l[:, order]
    db_l[:] = db_l[order]
    dW_next[:] = dW_next[order, :]
    assert_gradients_close(
        f"property 5d (units of layer {l} permuted by {list(order)})", grad_perm, expected,
        sizes, REORDERED_SUM_RTOL, gradient_scale(*problem.args), ("permuted", "relabelled"),
    )  # fmt: skip


@given(problems(weight_scales=(1e-3, 0.1, 1.0)))
def test_loss_is_non_negative_and_the_log_loss_of_predict_proba(problem: Problem) -> None:
    """Property 5e: J >= 0, and J = -mean(sum T log P) + lam ||W||^2 with P = predict_proba."""
    W, X, T, sizes, lam, activation = problem.args
    J = mb.loss(*problem.args)
    assert J >= 0.0, f"property 5e: negative loss {J!r}"
    T_matrix = check_targets(T, X.shape[0], sizes[-1])
    P = mb.predict_proba(W, X, sizes, activation)
    if sizes[-1] == 1:  # two columns: probability of target 1 and of target 0
        P = np.column_stack([P, 1.0 - P])
        T_matrix = np.column_stack([T_matrix[:, 0], 1.0 - T_matrix[:, 0]])
    used = T_matrix > 0.0
    margin = float(np.min(P[used]))
    assume(margin > 1e-6)  # log of a probability rounded near 0 has no digits left to compare
    log_loss = -np.sum(T_matrix[used] * np.log(P[used])) / X.shape[0]
    penalty = lam * sum(float(np.sum(W_l**2)) for W_l, _ in mb.unpack(W, sizes))
    # Each P carries a relative error of a few eps ((K + 3) eps for the softmax,
    # eps / p for 1 - p), so each log P an absolute error of (K + 3) eps / margin.
    tolerance = (sizes[-1] + 4) * EPS / margin + OWN_LOSS_RTOL * J
    _close("property 5e (log-loss of predict_proba)", J, log_loss + penalty, tolerance)


@given(
    problems(
        sizes=architectures().map(lambda s: [*s[:-1], 2]),
        lam=st.just(0.0),
        weight_scales=(1e-3, 0.1, 1.0, 3.0),
    )
)
def test_two_class_softmax_is_the_sigmoid_of_the_logit_difference(problem: Problem) -> None:
    """Property 5f: softmax over logits (a0, a1) is sigmoid(a1 - a0): a 2-class network
    and the 1-output network with output weights W_L[:, 1] - W_L[:, 0] have the same loss,
    the same hidden gradients, and output gradients of equal size and opposite signs."""
    W, X, T, sizes, _, activation = problem.args
    labels = check_targets(T, X.shape[0], 2)[:, 1]  # target 1 = class 1
    binary_sizes = [*sizes[:-1], 1]
    W_binary = np.concatenate([W[: -2 * (sizes[-2] + 1)], np.zeros(sizes[-2] + 1)])
    (W_L, b_L), (V_L, c_L) = mb.unpack(W, sizes)[-1], mb.unpack(W_binary, binary_sizes)[-1]
    V_L[:, 0] = W_L[:, 1] - W_L[:, 0]
    c_L[0] = b_L[1] - b_L[0]

    J, grad = mb.loss_and_grad(*problem.args)
    J_bin, grad_bin = mb.loss_and_grad(W_binary, X, labels, binary_sizes, 0.0, activation)
    # The logit difference is rounded once more on one side: |dJ/da| <= 1 per
    # sample, so the loss moves by at most a few eps of the logits' size.
    logits = np.abs(mb.forward(W, X, sizes, activation)).max()
    _close(
        "property 5f (2-class softmax vs sigmoid)", J_bin, J, OWN_LOSS_RTOL * J + 8 * EPS * logits
    )
    # Rebuild the 2-class gradient from the binary one: hidden blocks equal,
    # output column 1 = the binary output gradient, column 0 its negative.
    expected = np.concatenate([grad_bin[: -sizes[-2] - 1], np.zeros(2 * (sizes[-2] + 1))])
    dW_L, db_L = mb.unpack(expected, sizes)[-1]
    dV_L, dc_L = mb.unpack(grad_bin, binary_sizes)[-1]
    dW_L[:, 1], dW_L[:, 0] = dV_L[:, 0], -dV_L[:, 0]
    db_L[1], db_L[0] = dc_L[0], -dc_L[0]
    scale = gradient_scale(*problem.args)
    assert_gradients_close(
        "property 5f (2-class softmax vs sigmoid)", grad, expected, sizes,
        REORDERED_SUM_RTOL + 8 * EPS * logits, scale, ("softmax", "sigmoid"),
    )  # fmt: skip


def test_metamorphic_helpers_catch_a_broken_relation() -> None:
    """The tolerance helpers fail on a real discrepancy (guards against checks that cannot fail)."""
    with pytest.raises(AssertionError, match="loss"):
        _close("check", 1.0, 1.0 + 1e-6, 1e-9)


@given(problems())
def test_predict_is_the_most_probable_class(problem: Problem) -> None:
    """Property 5g: predict() names the class predict_proba() ranks first (ties aside),
    and forward() gives logits that predict_proba() turns into probabilities."""
    W, X, _, sizes, _, activation = problem.args
    A = mb.forward(W, X, sizes, activation)
    P = mb.predict_proba(W, X, sizes, activation)
    labels = mb.predict(W, X, sizes, activation)
    assert labels.shape == (X.shape[0],)
    assert A.shape == (X.shape[0], sizes[-1])
    if sizes[-1] == 1:
        np.testing.assert_array_equal(P, mb.sigmoid(A[:, 0]))
        decided = np.abs(A[:, 0]) > 0.0  # a logit of exactly 0 is a tie
        np.testing.assert_array_equal(labels[decided], (A[decided, 0] > 0.0).astype(int))
    else:
        # K probabilities, each rounded by the softmax's division (eps / 2 of a number below
        # 1), summed with K - 1 roundings of eps / 2: below K eps.
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=sizes[-1] * EPS)
        top_two = np.sort(A, axis=1)[:, -2:]
        decided = top_two[:, 1] > top_two[:, 0]
        np.testing.assert_array_equal(labels[decided], np.argmax(P[decided], axis=1))
        np.testing.assert_array_equal(labels, np.argmax(A, axis=1))
