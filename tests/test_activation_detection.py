"""Families of diagnostic problems, ``--activation auto`` and the ``wrong-activation`` diagnosis.

The submissions are corpus files (``tests/oracle_corpus``), run in this process
(no sandbox: these tests are about the numbers), each wrapped into the
``answer(W, X, T, layer_sizes, lam) -> (loss, grad)`` callable that the oracle
builds around its worker. A wrapper may refuse problems outside the family a
part judges (it raises, and the raise fails the test: such a submission must
never be called there), or answer them with garbage.
"""

import math
import runpy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.activation_detection import detect_activation
from backprop_oracle.diagnosis import diagnose, diagnostic_problems, observe
from backprop_oracle.findings import Case, Finding
from backprop_oracle.layout_detection import answered, detect_layout, errors
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.mistakes import MISTAKES
from manual_backprop.gradcheck import gradient_scale

Array = NDArray[np.float64]
Answer = Callable[[Array, Array, Array, list[int], float], tuple[float, Array]]

CORPUS = Path(__file__).with_name("oracle_corpus")
FAMILIES = {
    "one hidden layer, binary": ((1, 1), "binary"),
    "one hidden layer, multiclass": ((1, 1), "multiclass"),
    "2 to 5 hidden layers, binary": ((2, 5), "binary"),
    "2 to 5 hidden layers, multiclass": ((2, 5), "multiclass"),
    "no hidden layer": ((0, 0), "both"),
}


def _answer(name: str) -> Answer:
    """The corpus file's ``loss_and_grad`` as an answer: copies in, float64 out."""
    function = runpy.run_path(str(CORPUS / name))["loss_and_grad"]

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = function(W.copy(), X.copy(), T.copy(), list(sizes), lam)
        return float(loss), np.asarray(grad, dtype=np.float64)

    return answer


def _refusing(answer: Answer, accepts: Callable[[list[int], float], bool]) -> Answer:
    """``answer`` where ``accepts(layer_sizes, lam)``; elsewhere it raises NotImplementedError."""

    def refusing(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        if not accepts(sizes, lam):
            raise NotImplementedError(f"only written for its part, not for {sizes}, lam {lam}")
        return answer(W, X, T, sizes, lam)

    return refusing


def _in_ng(answer: Answer) -> Answer:
    """A canonical submission turned into one that reads and writes the ng layout."""

    def ng(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = answer(from_layout(W, sizes, "ng"), X, T, sizes, lam)
        return loss, to_layout(grad, sizes, "ng")

    return ng


def _asked_in(submission: Answer, layout: str) -> Answer:
    """What the oracle's answer gives for a submission asked in ``layout``: canonical W and grad."""

    def asked(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = submission(to_layout(W, sizes, layout), X, T, sizes, lam)
        return loss, from_layout(grad, sizes, layout)

    return asked


def _one_hidden_binary(sizes: list[int], lam: float) -> bool:
    return len(sizes) == 3 and sizes[-1] == 1


def _failing_case(answer: Answer, sizes: list[int], lam: float, activation: str) -> Case:
    """A counterexample as the search leaves it: the submission's numbers and the reference's."""
    rng = np.random.default_rng(7)
    n = 5
    W = rng.uniform(-1.0, 1.0, mb.n_params(sizes))
    X = rng.normal(size=(n, sizes[0]))
    labels = np.arange(n) % max(sizes[-1], 2)
    T = labels.astype(np.float64) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]
    loss, grad = answer(W, X, T, sizes, lam)
    reference_loss, reference_grad = mb.loss_and_grad(W, X, T, sizes, lam, activation)
    scale = gradient_scale(W, X, T, sizes, lam, activation)
    assert np.max(np.abs(grad - reference_grad)) > 1e-3 * scale, "the case must fail"
    return Case(
        W,
        X,
        T,
        sizes,
        lam,
        findings=[Finding("gradient-mismatch", "the gradient is not the reference's")],
        loss=loss,
        grad=grad,
        reference_loss=reference_loss,
        reference_grad=reference_grad,
        scale=scale,
    )


def _closest(answer: Answer, layout: str, activation: str, varied: str) -> str:
    """The layout (or activation) whose reference is closest to the answers, worst case."""
    replies = answered(answer, [p for p in diagnostic_problems() if len(p[3]) > 2])
    readings = LAYOUTS if varied == "layout" else ("sigmoid", "relu", "tanh")

    def worst(reading: str) -> float:
        how = (reading, activation) if varied == "layout" else (layout, reading)
        return max(max(errors(*reply, *how)) for reply in replies)

    return min(readings, key=worst)


def _diagnosed(findings: list[Finding]) -> list[str]:
    return [f.details["mistake"] for f in findings if f.kind == "diagnosis"]


# ------------------------------------------------------- diagnostic problems


def test_the_first_five_problems_are_the_old_ones():
    """Drawn first, from the old generator, in the old order: old diagnoses stay as they were."""
    problems = diagnostic_problems()
    assert [(p[3], p[0].size, p[1].shape[0], p[4]) for p in problems[:5]] == [
        ([3, 4, 2, 1], 29, 5, 0.3),
        ([2, 5, 3], 33, 6, 0.3),
        ([4, 3, 1], 19, 4, 0.0),
        ([3, 3, 4, 2], 38, 7, 0.05),
        ([2, 1], 3, 3, 0.3),
    ]
    first = np.random.default_rng(20261126).uniform(-0.7, 0.7, 29)
    np.testing.assert_array_equal(problems[0][0], first)


@pytest.mark.parametrize("family", FAMILIES.values(), ids=FAMILIES.keys())
def test_every_family_has_two_problems_one_of_them_penalised(family):
    hidden, outputs = family
    problems = diagnostic_problems(hidden, outputs)
    assert len(problems) >= 2
    assert any(lam > 0 for *_, lam in problems)
    for _, X, T, sizes, _ in problems:
        assert hidden[0] <= len(sizes) - 2 <= hidden[1]
        assert outputs == "both" or (sizes[-1] == 1) == (outputs == "binary")
        assert X.shape[0] >= 3
        assert T.shape[0] == X.shape[0]


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("outputs", ["binary", "multiclass"])
def test_every_depth_has_a_problem_of_each_output_kind(depth, outputs):
    assert diagnostic_problems((depth, depth), outputs)


@pytest.mark.parametrize(
    ("lam_range", "lams"),
    [
        ((0.0, 0.0), {0.0}),
        ((1.0, 10.0), {1.0}),
        ((0.0, 0.1), {0.0, 0.05, 0.1}),
        ((0.0, math.inf), {0.0, 0.05, 0.3}),
    ],
)
def test_lam_is_clipped_into_the_family(lam_range, lams):
    problems = diagnostic_problems(lam_range=lam_range)
    assert len(problems) == len(diagnostic_problems())
    assert {lam for *_, lam in problems} == lams
    assert all(type(lam) is float for *_, lam in problems)


def test_no_family_no_problem_and_bad_families_refused():
    assert diagnostic_problems((6, 9)) == []
    with pytest.raises(ValueError, match="^outputs: expected one of binary, multiclass, both"):
        diagnostic_problems(outputs="softmax")
    with pytest.raises(ValueError, match="^hidden: "):
        diagnostic_problems((3, 1))
    with pytest.raises(ValueError, match="^lam_range: "):
        diagnostic_problems(lam_range=(1.0, 0.0))


def test_no_relu_pre_activation_is_near_its_kink():
    """relu'(0) is 0 or 1 as the submission likes: no diagnostic problem may depend on it."""
    smallest = math.inf
    for W, X, _, sizes, _ in diagnostic_problems():
        Z = X
        for W_l, b_l in mb.unpack(W, sizes)[:-1]:
            A = Z @ W_l + b_l
            smallest = min(smallest, float(np.min(np.abs(A))))
            Z = np.maximum(A, 0.0)
    assert smallest > 1e-4


def test_observe_calls_only_the_family():
    seen = observe(
        _refusing(_answer("correct/vectorised_sigmoid.py"), _one_hidden_binary),
        "sigmoid",
        hidden=(1, 1),
        outputs="binary",
    )
    assert [s.layer_sizes for s in seen] == [[4, 3, 1], [2, 4, 1], [3, 5, 1]]


# ------------------------------------------------------- --activation auto


@pytest.mark.parametrize(
    ("name", "activation"),
    [
        ("correct/vectorised_sigmoid.py", "sigmoid"),
        ("correct/relu_vectorised.py", "relu"),
        ("correct/tanh_vectorised.py", "tanh"),
    ],
)
def test_detect_activation_finds_the_files_activation(name, activation):
    chosen, note = detect_activation(_answer(name), "canonical")
    assert chosen == activation
    assert note.kind == "note"
    assert note.details == {"activation": activation}
    assert note.message.startswith(
        f"--activation auto: the submission matches a network of {activation} hidden units"
    )
    assert "over 16 problems" in note.message  # every problem with a hidden layer


@pytest.mark.parametrize(
    ("submission", "activation"),
    [
        (_answer("correct/ng_layout.py"), "sigmoid"),
        (_in_ng(_answer("correct/relu_vectorised.py")), "relu"),
    ],
    ids=["sigmoid", "relu"],
)
def test_detect_activation_asks_in_the_judged_layout(submission, activation):
    chosen, note = detect_activation(_asked_in(submission, "ng"), "ng")
    assert (chosen, note.details) == (activation, {"activation": activation})
    assert note.message.startswith(
        f"--activation auto: the submission matches a network of {activation} hidden units"
    )


def test_detect_activation_before_the_layout_is_found():
    """--layout auto --activation auto: the activation is found first, asked in canonical."""
    relu_in_ng = _in_ng(_answer("correct/relu_vectorised.py"))
    chosen, note = detect_activation(relu_in_ng, "canonical")
    assert chosen == "relu"
    assert "makes a known mistake in a network of relu hidden units" in note.message  # layout-ng
    layout, _ = detect_layout(relu_in_ng, chosen)
    assert layout == "ng"


def test_detect_activation_asks_only_the_family():
    relu = _refusing(_answer("correct/relu_vectorised.py"), _one_hidden_binary)
    chosen, note = detect_activation(relu, "canonical", hidden=(1, 1), outputs="binary")
    assert chosen == "relu"
    assert "over 3 problems" in note.message


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("wrong/missing_mean_vectorised.py", "makes a known mistake in"),
        ("wrong/penalty_scale_loop.py", "makes a known mistake in"),
        ("wrong/sign_flip_vectorised.py", "computes the loss of"),
        ("wrong/wrong_transpose_loop.py", "computes the loss of"),
    ],
)
def test_a_wrong_file_is_judged_with_its_own_activation(name, how):
    """Its numbers are closer to another activation's than to sigmoid's, yet sigmoid is named."""
    assert _closest(_answer(name), "canonical", "sigmoid", "activation") != "sigmoid"
    chosen, note = detect_activation(_answer(name), "canonical")
    assert (chosen, note.details) == ("sigmoid", {"activation": "sigmoid"})
    assert note.message.startswith(
        f"--activation auto: the submission {how} a network of sigmoid hidden units"
    )


def test_a_relu_network_with_a_known_mistake_is_judged_as_relu():
    """relu_vectorised.py without the 1/N (exact at lam = 0: the loss and gradient times N)."""
    relu = _answer("correct/relu_vectorised.py")

    def summed(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        assert lam == 0
        loss, grad = relu(W, X, T, sizes, lam)
        return X.shape[0] * loss, X.shape[0] * grad

    chosen, note = detect_activation(summed, "canonical", lam_range=(0.0, 0.0))
    assert chosen == "relu"
    assert "makes a known mistake in a network of relu hidden units" in note.message


def test_nothing_answered_is_judged_with_sigmoid():
    chosen, note = detect_activation(lambda *args: None, "canonical")
    assert chosen == "sigmoid"
    assert note.message == (
        "--activation auto: no diagnostic problem with a hidden layer was answered; "
        "judged with sigmoid"
    )
    assert note.details == {}


def test_without_hidden_layers_the_submission_is_not_asked():
    never = _refusing(_answer("correct/relu_vectorised.py"), lambda sizes, lam: False)
    chosen, note = detect_activation(never, "canonical", hidden=(0, 0))
    assert chosen == "sigmoid"
    assert "no hidden layer, so the activation changes nothing" in note.message


# ------------------------------------------------------ the wrong-activation diagnosis


@pytest.mark.parametrize(
    ("name", "judged", "actual"),
    [
        ("correct/relu_vectorised.py", "sigmoid", "relu"),
        ("correct/tanh_vectorised.py", "sigmoid", "tanh"),
        ("correct/vectorised_sigmoid.py", "relu", "sigmoid"),
    ],
)
def test_right_for_another_activation_is_named(name, judged, actual):
    answer = _answer(name)
    case = _failing_case(answer, [2, 3, 1], 0.1, judged)
    findings = diagnose(answer, case, {"gradient-mismatch": case}, "canonical", judged)
    (finding,) = findings
    assert finding.kind == "diagnosis"
    assert finding.details == {
        "mistake": "wrong-activation",
        "step": "1.b activation / Bonus 1",
        "output": "both",  # one explanation for every output kind of the family
        "activation": actual,
    }
    assert MISTAKES["wrong-activation"][0] == "1.b activation / Bonus 1"
    assert finding.message.endswith(
        f"the numbers are those of a {actual} network, not a {judged} one: "
        f"if {actual} is what you meant, check it with --activation {actual}"
    )


def test_a_planted_mistake_is_not_taken_for_another_activation():
    answer = _answer("wrong/missing_mean_vectorised.py")
    case = _failing_case(answer, [2, 3, 1], 0.1, "sigmoid")
    findings = diagnose(answer, case, {"gradient-mismatch": case}, "canonical", "sigmoid")
    assert _diagnosed(findings) == ["missing-mean"]


# ---------------------------------------------------------------- families


def test_a_file_refusing_outside_its_part_gets_its_mistake_named():
    """Written for one hidden layer and one output, it raises elsewhere: never asked there."""
    answer = _refusing(_answer("wrong/missing_mean_vectorised.py"), _one_hidden_binary)
    case = _failing_case(answer, [2, 3, 1], 0.1, "sigmoid")
    findings = diagnose(
        answer,
        case,
        {"gradient-mismatch": case, "loss-mismatch": case},
        "canonical",
        "sigmoid",
        hidden=(1, 1),
        outputs="binary",
    )
    assert _diagnosed(findings) == ["missing-mean"]
    assert findings[0].details == {
        "mistake": "missing-mean",
        "step": "1.c loss / 1.d gradient",
        "output": "binary",  # the family's only output kind
    }


def test_garbage_outside_the_part_does_not_hide_the_mistake():
    """Answering other architectures with garbage: named in its family, not over all of them."""
    wrong = _answer("wrong/missing_mean_vectorised.py")

    def answer(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> tuple[float, Array]:
        loss, grad = wrong(W, X, T, sizes, lam)
        if _one_hidden_binary(sizes, lam):
            return loss, grad
        return 1.7 * loss + 0.1, grad[::-1].copy()

    case = _failing_case(answer, [2, 3, 1], 0.1, "sigmoid")
    failures = {"gradient-mismatch": case}
    everywhere = diagnose(answer, case, failures, "canonical", "sigmoid")
    assert _diagnosed(everywhere) == []
    assert everywhere[0].message.startswith("the cause is not one of the known mistakes")
    in_part = diagnose(
        answer, case, failures, "canonical", "sigmoid", hidden=(1, 1), outputs="binary"
    )
    assert _diagnosed(in_part) == ["missing-mean"]


def test_a_file_for_lam_0_only_gets_its_mistake_named():
    answer = _refusing(_answer("wrong/sign_flip_vectorised.py"), lambda sizes, lam: lam == 0)
    case = _failing_case(answer, [3, 4, 2], 0.0, "sigmoid")
    findings = diagnose(
        answer, case, {"gradient-mismatch": case}, "canonical", "sigmoid", lam_range=(0.0, 0.0)
    )
    assert _diagnosed(findings) == ["sign-flip"]


def test_detect_layout_asks_only_the_family():
    answer = _refusing(_answer("correct/ng_layout.py"), _one_hidden_binary)
    layout, note = detect_layout(answer, "sigmoid", hidden=(1, 1), outputs="binary")
    assert layout == "ng"
    assert note.details == {"layout": "ng"}
    assert "(largest relative error" in note.message
    assert "over 3 problems" in note.message


@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("wrong/missing_mean_vectorised.py", "makes a known mistake in"),
        ("wrong/sign_flip_vectorised.py", "computes the loss of"),
    ],
)
def test_detect_layout_finds_the_layout_of_a_wrong_file(name, how):
    """Wrong in the ng layout: closer to another layout's numbers, yet ng is named."""
    assert _closest(_in_ng(_answer(name)), "ng", "sigmoid", "layout") != "ng"
    layout, note = detect_layout(_in_ng(_answer(name)), "sigmoid")
    assert (layout, note.details) == ("ng", {"layout": "ng"})
    assert note.message.startswith(f"--layout auto: the submission {how} the ng layout")


def test_an_empty_family_is_nothing_answered():
    never = _refusing(_answer("correct/ng_layout.py"), lambda sizes, lam: False)
    layout, note = detect_layout(never, "sigmoid", hidden=(7, 7))
    assert layout == "canonical"
    assert "no diagnostic problem was answered" in note.message
