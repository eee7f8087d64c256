"""The catalogue's newer mistakes, and a diagnosis made per output kind.

Each submission is written as a student writes it: one ``loss_and_grad`` with
an ``if`` for the binary output and an ``else`` for the softmax, plain numpy,
run in this process and called the way the oracle's worker calls it (copies
in, float64 out). :func:`_submission` is that file with one mistake put into
the branches named by ``where``: both (a mistake in the shared code), or the
binary or the multiclass branch alone (files are written branch by branch).

``diagnose`` runs on the default family (0 to 5 hidden layers, both output
kinds) unless a test says otherwise; its counterexample is a failing case of
the kind where the mistake is, as the search would leave it.
"""

import math
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import pytest
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.diagnosis import (
    BLOCK_FACTORS,
    LOG_EPSILONS,
    diagnose,
    diagnostic_problems,
    saturated,
)
from backprop_oracle.findings import Case, Finding
from backprop_oracle.mistakes import MISTAKES, Variant
from backprop_oracle.tolerances import GRADIENT_RTOL, LOSS_RTOL
from manual_backprop.gradcheck import gradient_scale

Array = NDArray[np.float64]
Answer = Callable[[Array, Array, Array, list[int], float], tuple[float, Array]]

NEW = [
    "penalty-scale",
    "gradient-is-parameters",
    "block-scaled",
    "log-epsilon",
    "bias-unit-not-one",
]
WHERE = ["both", "binary", "multiclass"]
OTHER = {"binary": "multiclass", "multiclass": "binary"}


def sigmoid(a: Array) -> Array:
    return 1 / (1 + np.exp(-a))


def sigmoid_through_tanh(a: Array) -> Array:
    """A sigmoid with no overflow warning, accurate to ~1e-16 absolutely (not relatively)."""
    return 0.5 * (1 + np.tanh(a / 2))


def _submission(mistake: str = "", where: str = "both", **how: object) -> Answer:
    """A student's vectorised ``loss_and_grad``, making ``mistake`` in the ``where`` branches.

    ``how`` says more about the mistake: ``eps`` and ``eps_gradient`` for
    ``log-epsilon``, ``scale`` (block name to factor) and ``data_only`` for
    ``block-scaled``, ``penalty`` ("loss", "gradient" or "both": where the N
    is) for ``penalty-scale``; ``sigma`` replaces the sigmoid.
    """
    sigma = how.get("sigma", sigmoid)
    assert callable(sigma)

    def loss_and_grad(W, X, T, layer_sizes, lam):
        binary = layer_sizes[-1] == 1
        wrong = where in ("both", "binary" if binary else "multiclass")
        on = mistake if wrong else ""
        Ws, bs, i = [], [], 0
        for m, n in pairwise(layer_sizes):
            Ws.append(W[i : i + m * n].reshape(m, n))
            i += m * n
            bs.append(W[i : i + n])
            i += n
        N = X.shape[0]
        # the bias unit: a column of ones, put through the activation with the rest
        one = sigma(1.0) if on == "bias-unit-not-one" else 1.0
        Z = [X]
        for l in range(len(Ws) - 1):
            Z.append(sigma(Z[-1] @ Ws[l] + (one if l > 0 else 1.0) * bs[l]))
        a = Z[-1] @ Ws[-1] + (one if len(Ws) > 1 else 1.0) * bs[-1]
        eps = float(how.get("eps", 0.0)) if on == "log-epsilon" else 0.0
        if binary:
            t = T.reshape(-1, 1)
            p = sigma(a)
            if eps:
                loss = -np.mean(t * np.log(p + eps) + (1 - t) * np.log(1 - p + eps))
            else:
                loss = np.mean(t * np.logaddexp(0, -a) + (1 - t) * np.logaddexp(0, a))
            if eps and how.get("eps_gradient"):  # d/da of the loss with eps, by the chain rule
                dp = p * (1 - p)
                delta = -(t * dp / (p + eps) - (1 - t) * dp / (1 - p + eps)) / N
            else:
                delta = (p - t) / N
            if on == "extra-output-derivative":  # "chain rule all the way"
                delta = delta * p * (1 - p)
        else:
            s = a - a.max(axis=1, keepdims=True)
            P = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
            if eps:
                loss = -np.sum(T * np.log(P + eps)) / N
            else:
                loss = -np.sum(T * (s - np.log(np.exp(s).sum(axis=1, keepdims=True)))) / N
            if eps and how.get("eps_gradient"):
                w = T * P / (P + eps)
                delta = (P * w.sum(axis=1, keepdims=True) - w) / N
            else:
                delta = (P - T) / N
            if on == "extra-output-derivative":
                delta = delta * P * (1 - P)
        penalty = sum(np.sum(Wl**2) for Wl in Ws)
        per_sample = how.get("penalty", "both") if on == "penalty-scale" else ""
        # the penalty added inside a loop over the samples: N times
        loss = loss + (N if per_sample in ("loss", "both") else 1) * lam * penalty
        factor = 2 * N if per_sample in ("gradient", "both") else 2
        scale = how.get("scale", {}) if on == "block-scaled" else {}
        assert isinstance(scale, dict)
        grads: list[Array] = []
        for l in range(len(Ws) - 1, -1, -1):
            c_W, c_b = scale.get(f"W{l + 1}", 1), scale.get(f"b{l + 1}", 1)
            if how.get("data_only"):  # the factor on Z^T delta alone, the penalty's 2 lam W right
                dW = c_W * (Z[l].T @ delta) + factor * lam * Ws[l]
            else:
                dW = c_W * (Z[l].T @ delta + factor * lam * Ws[l])
            db = c_b * (one if l > 0 else 1.0) * delta.sum(axis=0)
            grads = [dW.ravel(), db, *grads]
            if l > 0:
                delta = (delta @ Ws[l].T) * Z[l] * (1 - Z[l])
        grad = np.concatenate(grads)
        if on == "gradient-is-parameters":
            grad = W  # TODO backprop
        return loss, grad

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        with np.errstate(over="ignore"):  # np.exp overflows at saturated logits, as in real work
            loss, grad = loss_and_grad(W.copy(), X.copy(), T.copy(), list(sizes), lam)
        return float(loss), np.asarray(grad, dtype=np.float64)

    return answer


def _case(answer: Answer, kind: str, lam: float = 0.3, confident: bool = False) -> Case:
    """A counterexample of ``kind`` as the search leaves it: the submission's numbers and ours.

    ``confident``: the output bias (of the first class) is -8, so that some samples
    have a probability of ~2e-4 for their class: where an eps in the log shows most.
    """
    sizes = [2, 3, 1] if kind == "binary" else [2, 3, 3]
    rng = np.random.default_rng(7)
    n = 5
    W = rng.uniform(-1.0, 1.0, mb.n_params(sizes))
    if confident:
        W[-sizes[-1]] = -8.0
    X = rng.normal(size=(n, sizes[0]))
    labels = np.arange(n) % max(sizes[-1], 2)
    T = labels.astype(np.float64) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]
    return _observed(answer, W, X, T, sizes, lam)


def _observed(answer: Answer, W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> Case:
    loss, grad = answer(W, X, T, sizes, lam)
    reference_loss, reference_grad = mb.loss_and_grad(W, X, T, sizes, lam)
    return Case(
        W,
        X,
        T,
        sizes,
        lam,
        loss=loss,
        grad=grad,
        reference_loss=reference_loss,
        reference_grad=reference_grad,
        scale=gradient_scale(W, X, T, sizes, lam, "sigmoid"),
    )


def _diagnose(
    answer: Answer, kind: str = "binary", confident: bool = False, **family: object
) -> list[Finding]:
    """``diagnose`` with a counterexample of ``kind``, failing as its numbers fail."""
    case = _case(answer, kind, confident=confident)
    assert case.grad is not None
    assert case.reference_grad is not None
    # A finding of each kind that fails, roughly in the oracle's words: the gradient
    # beyond GRADIENT_RTOL of the scale, the loss beyond LOSS_RTOL of itself.
    failures = {}
    if np.max(np.abs(case.grad - case.reference_grad)) > GRADIENT_RTOL * (case.scale or 0.0):
        failures["gradient-mismatch"] = case
    if abs((case.loss or 0.0) - (case.reference_loss or 0.0)) > LOSS_RTOL * abs(
        case.reference_loss or 0.0
    ):
        failures["loss-mismatch"] = case
    assert failures, "the counterexample must fail"
    return diagnose(answer, case, failures, "canonical", "sigmoid", **family)


def _diagnosed(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.details["mistake"], f.details["output"]) for f in findings if f.kind == "diagnosis"]


def _named(findings: list[Finding], mistake: str, where: str, alone: bool = False) -> Finding:
    """The one diagnosis, ``mistake`` found in ``where``, and said so in its message.

    ``alone``: the family has one output kind, so nothing is said of another.
    """
    assert _diagnosed(findings) == [(mistake, where)], [f.message for f in findings]
    (finding,) = findings
    step, explanation = MISTAKES[mistake]
    assert finding.details["step"] == step
    said = f"{mistake} (exercise step {step}): {explanation}"
    if where == "both" or alone:
        assert finding.message.startswith(said)
    else:
        assert finding.message.startswith(f"in the {where} output: {said}")
        assert finding.message.endswith(f"; the {OTHER[where]} output: right")
    return finding


# ------------------------------------------------------------------ the catalogue


def test_the_new_mistakes_are_in_the_catalogue():
    for name in NEW:
        step, explanation = MISTAKES[name]
        assert step
        assert explanation[0].islower()
        assert not explanation.endswith(".")


@pytest.mark.parametrize(
    ("switches", "names"),
    [
        ({"loss_penalty": "N", "grad_penalty": "2N"}, ["penalty-scale"]),
        ({"grad_penalty": "2N"}, ["penalty-scale"]),
        ({"bias_unit_activated": True}, ["bias-unit-not-one"]),
        ({"gradient_is_parameters": True}, ["gradient-is-parameters"]),
        ({"log_eps": 1e-8}, ["log-epsilon"]),
        ({"log_eps": 1e-8, "log_eps_gradient": True}, ["log-epsilon"]),
    ],
)
def test_each_new_switch_names_its_mistake(switches, names):
    assert Variant(**switches).mistakes("canonical") == names


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_a_student_file_and_its_variant_agree(kind):
    """The test's student file makes the same numbers as the Variant with the mistake on:
    the same formulas in another order, so to 1e-13 of the gradient's scale and of
    the loss (rounding, as tolerances.OWN_LOSS_RTOL; MATCH_RTOL is 1e-8)."""
    pairs = [
        (_submission("bias-unit-not-one"), Variant(bias_unit_activated=True)),
        (_submission("penalty-scale"), Variant(loss_penalty="N", grad_penalty="2N")),
        (_submission("log-epsilon", eps=1e-5), Variant(log_eps=1e-5)),
        (
            _submission("log-epsilon", eps=1e-5, eps_gradient=True),
            Variant(log_eps=1e-5, log_eps_gradient=True),
        ),
    ]
    for W, X, T, sizes, lam in diagnostic_problems(outputs=kind):
        for answer, variant in pairs:
            loss, grad = answer(W, X, T, sizes, lam)
            expected_loss, expected_grad = variant.loss_and_grad(W, X, T, sizes, lam, "sigmoid")
            scale = gradient_scale(W, X, T, sizes, lam, "sigmoid")
            assert np.max(np.abs(grad - expected_grad)) <= 1e-13 * scale
            assert loss == pytest.approx(expected_loss, rel=1e-13, abs=0)


# ------------------------------------------------------------------ each new mistake


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize(
    ("penalty", "in_loss", "in_gradient"),
    [("both", "N", "2N"), ("loss", "N", "2"), ("gradient", "1", "2N")],
)
def test_the_penalty_counted_n_times(where, penalty, in_loss, in_gradient):
    answer = _submission("penalty-scale", where, penalty=penalty)
    finding = _named(
        _diagnose(answer, "binary" if where == "both" else where), "penalty-scale", where
    )
    assert (
        f"the submission's penalty is {in_loss} * lam * sum ||W_l||^2 in J, "
        f"{in_gradient} * lam * W_l in the gradient"
    ) in finding.message


@pytest.mark.parametrize("where", WHERE)
def test_the_parameters_returned_as_the_gradient(where):
    answer = _submission("gradient-is-parameters", where)
    _named(
        _diagnose(answer, "binary" if where == "both" else where), "gradient-is-parameters", where
    )


@pytest.mark.parametrize("where", WHERE)
def test_blocks_scaled_by_constants(where):
    """dW2 x 2 and db1 x 4, the planted bugs of a well-known gradient-checking assignment."""
    answer = _submission("block-scaled", where, scale={"W2": 2, "b1": 4})
    kind = "binary" if where == "both" else where
    finding = _named(_diagnose(answer, kind), "block-scaled", where)
    assert finding.details["factors"] == {"b1": 4.0, "W2": 2.0}
    assert "; db1 is 4 x the reference, dW2 is 2 x; the other blocks are right" in finding.message


def test_a_block_scaled_in_its_data_part_only():
    """dW2 = 2 * (Z1^T dA2 + lam W2): twice the data part, the penalty's 2 lam W2 right
    (the class corpus's dW2_doubled.py), in Exercise 1's family as its part judges it."""
    answer = _submission("block-scaled", scale={"W2": 2}, data_only=True)
    findings = _diagnose(answer, hidden=(1, 1), outputs="binary")
    finding = _named(findings, "block-scaled", "binary", alone=True)
    assert finding.details["factors"] == {"W2": 2.0}
    assert "dW2 is 2 x the reference in its data part (its 2 lam W2 is right)" in finding.message


@pytest.mark.parametrize("eps_gradient", [False, True])
@pytest.mark.parametrize("eps", [e for e in LOG_EPSILONS if e > 1e-15])
def test_an_epsilon_in_the_logs(eps, eps_gradient):
    answer = _submission("log-epsilon", eps=eps, eps_gradient=eps_gradient)
    finding = _named(_diagnose(answer, confident=True), "log-epsilon", "both")
    assert finding.details["eps"] == eps
    assert f"here eps = {eps:g}; " in finding.message
    # The two gradients differ by ~eps / p of the gradient's size, most on the
    # counterexample (p ~ 2e-4): measured 3.6e-9 at eps = 1e-12, below MATCH_RTOL
    # (1e-8), where the diagnosis cannot tell them apart and says so; 3.6e-7 at 1e-10
    # and more beyond, where it names the one the file uses.
    if eps == 1e-12:
        assert finding.message.endswith(
            "the gradient is p - t or this loss's derivative (at this eps they agree to 1e-08)"
        )
    else:
        assert finding.message.endswith(
            "the gradient is this loss's derivative"
            if eps_gradient
            else "the gradient is the plain p - t: right for the exercise's loss, not this one's"
        )


@pytest.mark.parametrize("where", ["binary", "multiclass"])
@pytest.mark.parametrize("eps", [1e-10, 1e-5])
def test_an_epsilon_in_the_logs_of_one_branch(where, eps):
    answer = _submission("log-epsilon", where, eps=eps)
    finding = _named(_diagnose(answer, where, confident=True), "log-epsilon", where)
    assert finding.details["eps"] == eps


def test_an_epsilon_of_1e_15_shows_only_at_saturated_logits():
    """log(p + 1e-15) moves an ordinary loss by ~1e-15 of itself, which is rounding: the
    file is right on every ordinary problem, and wrong only where p underflows, where
    its numbers are those of a clipped p. It is named unstable-loss, as clipping is."""
    answer = _submission("log-epsilon", eps=1e-15)
    sizes = [2, 3, 1]
    W = np.random.default_rng(3).uniform(-1.0, 1.0, mb.n_params(sizes))
    W[-1] = -50.0  # the output bias: the logit near -50, p ~ 2e-22 below the eps
    X, T = np.array([[0.3, -0.2]]), np.array([1.0])
    case = _observed(answer, W, X, T, sizes, 0.0)
    assert case.loss is not None
    # -log(1e-15) = 34.5 where the right loss is ~50: 1% only has to tell them apart
    assert case.loss == pytest.approx(-math.log(1e-15), rel=1e-2)
    findings = diagnose(answer, case, {"loss-mismatch": case}, "canonical", "sigmoid")
    assert _diagnosed(findings) == [("unstable-loss", "binary")]


@pytest.mark.parametrize("where", WHERE)
def test_the_bias_unit_put_through_the_activation(where):
    answer = _submission("bias-unit-not-one", where)
    _named(_diagnose(answer, "binary" if where == "both" else where), "bias-unit-not-one", where)


# ------------------------------------------------------------------ per output kind


@pytest.mark.parametrize("where", ["binary", "multiclass"])
def test_an_extra_derivative_in_one_branch_is_named_there(where):
    """sigma' multiplied into the output delta of one branch, the other right: before the
    diagnosis looked at each kind alone, this was "not a known mistake"."""
    answer = _submission("extra-output-derivative", where)
    _named(_diagnose(answer, where), "extra-output-derivative", where)


def test_each_branch_its_own_mistake():
    binary, multiclass = _submission("penalty-scale"), _submission("block-scaled", scale={"b2": 2})

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        return (binary if sizes[-1] == 1 else multiclass)(W, X, T, sizes, lam)

    findings = _diagnose(answer, "multiclass")
    assert _diagnosed(findings) == [("penalty-scale", "binary"), ("block-scaled", "multiclass")]
    assert findings[0].message.startswith("in the binary output: penalty-scale")
    assert findings[0].message.endswith("; the multiclass output: block-scaled")
    assert findings[1].message.startswith("in the multiclass output: block-scaled")
    assert findings[1].message.endswith("; the binary output: penalty-scale")


def test_one_branch_named_and_the_other_unknown():
    named, odd = _submission("gradient-is-parameters"), _submission()

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        if sizes[-1] == 1:
            return named(W, X, T, sizes, lam)
        loss, grad = odd(W, X, T, sizes, lam)
        grad[-1] *= 1.5  # one entry of the softmax's bias gradient
        return loss, grad

    findings = _diagnose(answer, "binary")
    assert [f.kind for f in findings] == ["diagnosis", "note"]
    assert findings[0].message.endswith("; the multiclass output: no known mistake")
    assert findings[1].details == {"output": "multiclass"}
    assert findings[1].message.startswith(
        "in the multiclass output: the cause is not one of the known mistakes: no known "
        "mistake, alone or in a pair, reproduces its numbers; the binary output: "
        "gradient-is-parameters"
    )


# ------------------------------------------------------------------ a sigmoid through tanh


def test_a_sigmoid_through_tanh_does_not_hide_a_known_mistake():
    """0.5 (1 + tanh(a / 2)) is accurate to ~1e-16 absolutely: at a logit of -40 it gives
    p = 0 where p is 4e-18. A counterexample there, with N = 1 and t = 0 (as the search
    shrinks to), has a gradient of size 4e-18, all of it lost: no variant matches it
    relatively. It is saturated, so it no longer decides; the ordinary problems do."""
    correct = _submission(sigma=sigmoid_through_tanh)

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = correct(W, X, T, sizes, lam)
        return loss, -grad  # returns -grad: sign-flip

    sizes = [2, 3, 1]
    W = np.random.default_rng(0).uniform(-1.0, 1.0, mb.n_params(sizes))
    W[-1] = -40.0
    case = _observed(answer, W, np.array([[0.5, -1.0]]), np.array([0.0]), sizes, 0.0)
    assert case.grad is not None
    assert case.scale is not None
    # the counterexample is not the variant's to MATCH_RTOL (1e-8), nor to 0.1: all of
    # its gradient is lost (the submission's is 0)
    _, flipped = Variant(sign="gradient").loss_and_grad(W, case.X, case.T, sizes, 0.0, "sigmoid")
    assert np.max(np.abs(case.grad - flipped)) > 0.1 * case.scale
    assert saturated(case, "sigmoid")
    findings = diagnose(answer, case, {"gradient-mismatch": case}, "canonical", "sigmoid")
    assert _diagnosed(findings) == [("sign-flip", "both")]


@pytest.mark.parametrize("where", ["binary", "multiclass"])
def test_a_sigmoid_through_tanh_with_a_new_mistake(where):
    answer = _submission("bias-unit-not-one", where, sigma=sigmoid_through_tanh)
    _named(_diagnose(answer, where), "bias-unit-not-one", where)


# ------------------------------------------------------------------ unnamed patterns


def _scaled(answer: Answer, factors: dict[str, float]) -> Answer:
    """``answer`` with its gradient's blocks multiplied, as a stray factor would."""

    def scaled(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = answer(W, X, T, sizes, lam)
        start = 0
        for l, (n_in, n_out) in enumerate(pairwise(sizes), start=1):
            grad[start : start + n_in * n_out] *= factors.get(f"W{l}", 1.0)
            start += n_in * n_out
            grad[start : start + n_out] *= factors.get(f"b{l}", 1.0)
            start += n_out
        return loss, grad

    return scaled


@pytest.mark.parametrize(
    ("factors", "ratios"),
    [
        ({"W2": 0.7, "b2": 0.7}, {"W1": "1", "b1": "1", "W2": "0.7", "b2": "0.7"}),
        (
            {b: 1.1 for b in ("W1", "b1", "W2", "b2")},
            dict.fromkeys(("W1", "b1", "W2", "b2"), "1.1"),
        ),
        ({b: 0.0 for b in ("W1", "b1", "W2", "b2")}, dict.fromkeys(("W1", "b1", "W2", "b2"), "0")),
    ],
)
def test_an_unnamed_pattern_is_described_per_block(factors, ratios):
    """Factors no student writes (0.7, 1.1 on everything as a hostile file does), or a
    gradient of zeros: not named, but the note says what it sees."""
    answer = _scaled(_submission(), factors)
    (note,) = _diagnose(answer, hidden=(1, 1), outputs="binary")
    assert note.kind == "note"
    assert note.details == {"output": "binary", "ratios": ratios}
    listed = ", ".join(f"{name} {ratio}" for name, ratio in ratios.items())
    assert note.message == (
        "the cause is not one of the known mistakes: no known mistake, alone or in a pair, "
        f"reproduces its numbers; yours / reference per block: {listed}; "
        "the findings above say where it goes wrong"
    )


def test_a_ratio_that_grows_with_n_is_described():
    """db2 = (p - t).sum(): the output bias's gradient without its 1/N."""

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = _submission()(W, X, T, sizes, lam)
        grad[-sizes[-1] :] *= X.shape[0]
        return loss, grad

    (note,) = _diagnose(answer, hidden=(1, 1), outputs="binary")
    assert note.details["ratios"] == {"W1": "1", "b1": "1", "W2": "1", "b2": "N"}


def test_no_pattern_when_a_block_is_not_a_multiple():
    """One entry of a softmax bias times 1.5: b2 is not a multiple of the reference's."""

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = _submission()(W, X, T, sizes, lam)
        grad[-1] *= 1.5
        return loss, grad

    (note,) = _diagnose(answer, "multiclass", hidden=(1, 1), outputs="multiclass")
    assert note.details == {"output": "multiclass"}
    assert "per block" not in note.message


def test_block_factors_are_what_students_write():
    assert {2.0, 4.0, 0.5, -1.0, 0.0, 10.0, 0.1} <= set(BLOCK_FACTORS)
    assert not {1.1, 1.5, 0.7} & set(BLOCK_FACTORS)


# ------------------------------------------------------------------ nothing new for the right


@pytest.mark.parametrize("sigma", [sigmoid, sigmoid_through_tanh])
def test_a_right_file_gets_no_name(sigma):
    """Right on every ordinary problem, failing (say) on a case of its own: no new
    signature claims it (its losses are within rounding of ours, its gradient too)."""
    answer = _submission(sigma=sigma)
    case = _case(answer, "binary")
    findings = diagnose(answer, case, {"gradient-mismatch": case}, "canonical", "sigmoid")
    assert _diagnosed(findings) == []
    assert findings[0].message.startswith(
        "the cause is not one of the known mistakes: the submission is right on ordinary problems"
    )
