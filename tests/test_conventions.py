"""Course conventions (``--convention ex4|cs231n``): the encodings, their detection, the
worker's calls, the command line, the templates and the rubrics.

Whole student files in each convention, right and wrong, are judged in
``test_convention_corpus.py``; these tests pin down the pieces.
"""

import json
import textwrap
import tomllib
from itertools import product

import numpy as np
import pytest

import manual_backprop as mb
from backprop_oracle import Options, check_file
from backprop_oracle.cli import main
from backprop_oracle.conventions import (
    FORWARD_RTOL,
    MATCH_RTOL,
    Encoding,
    detect_encoding,
    encodings,
    labels,
    theta_order,
)
from backprop_oracle.diagnosis import diagnostic_problems
from backprop_oracle.findings import Finding
from backprop_oracle.layouts import layout_order
from backprop_oracle.rubric import default_rubric, parse_rubric
from backprop_oracle.sandbox import sandbox_available
from backprop_oracle.template import template
from manual_backprop.gradcheck import gradient_scale

ISOLATE = sandbox_available() is None
SIZES = [[2, 3, 1], [3, 4, 2], [2, 5, 3], [4, 2, 5]]


def _expit(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def ex4_cost(nn_params, n_in, n_hidden, n_labels, X, y, lambda_, order="C", base=1):
    """ex4's cost and gradient written from its own definition, for ``order`` and ``base``:
    an independent implementation to hold the encodings to."""
    split = n_hidden * (n_in + 1)
    theta1 = nn_params[:split].reshape((n_hidden, n_in + 1), order=order)
    theta2 = nn_params[split:].reshape((n_labels, n_hidden + 1), order=order)
    m = X.shape[0]
    y = np.asarray(y).reshape(-1)
    Y = (y[:, None] == base + np.arange(n_labels)).astype(float)
    a1 = np.column_stack([np.ones(m), X])
    z2 = a1 @ theta1.T
    a2 = np.column_stack([np.ones(m), _expit(z2)])
    z3 = a2 @ theta2.T
    h = _expit(z3)
    J = np.sum(Y * np.logaddexp(0.0, -z3) + (1 - Y) * np.logaddexp(0.0, z3)) / m
    J += lambda_ / (2 * m) * (np.sum(theta1[:, 1:] ** 2) + np.sum(theta2[:, 1:] ** 2))
    d3 = h - Y
    d2 = (d3 @ theta2)[:, 1:] * _expit(z2) * (1 - _expit(z2))
    g1, g2 = d2.T @ a1 / m, d3.T @ a2 / m
    g1[:, 1:] += lambda_ / m * theta1[:, 1:]
    g2[:, 1:] += lambda_ / m * theta2[:, 1:]
    return J, np.concatenate([g1.ravel(order=order), g2.ravel(order=order)])


def _problem(sizes, n=6, lam=0.3, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.uniform(-0.7, 0.7, mb.n_params(sizes))
    X = rng.normal(size=(n, sizes[0]))
    classes = np.arange(n) % max(sizes[-1], 2)
    T = classes.astype(float) if sizes[-1] == 1 else np.eye(sizes[-1])[classes]
    return W, X, T, sizes, lam


# ------------------------------------------------------------------ encodings


def test_theta_order_by_hand():
    """A 2-2-1 network: canonical W1 = [[0, 1], [2, 3]], b1 = [4, 5], W2 = [[6], [7]], b2 = [8];
    Theta1 = [b1 | W1^T] = [[4, 0, 2], [5, 1, 3]], Theta2 = [[8, 6, 7]]."""
    assert theta_order([2, 2, 1], "row").tolist() == [4, 0, 2, 5, 1, 3, 8, 6, 7]
    assert theta_order([2, 2, 1], "column").tolist() == [4, 5, 0, 1, 2, 3, 8, 6, 7]


@pytest.mark.parametrize("sizes", SIZES)
def test_column_major_thetas_are_the_ng_layout(sizes):
    np.testing.assert_array_equal(theta_order(sizes, "column"), layout_order(sizes, "ng"))


@pytest.mark.parametrize("sizes", [[2, 3, 4, 2], [3, 2, 2, 2, 1]])
@pytest.mark.parametrize(("order", "numpy_order"), [("row", "C"), ("column", "F")])
def test_thetas_of_deeper_networks_read_back_layer_by_layer(sizes, order, numpy_order):
    """With two hidden layers or more, each Theta_l cut from the unrolled vector and
    reshaped the way ex4 reads it (``reshape(n_l, n_(l-1) + 1)`` in its order) is
    ``[b_l | W_l^T]`` of the canonical W: every block starts where the one before ends,
    not only the second."""
    W = np.arange(mb.n_params(sizes), dtype=float)
    unrolled = W[theta_order(sizes, order)]
    start = 0
    for l, (W_l, b_l) in enumerate(mb.unpack(W, sizes), start=1):
        n_out, n_in = b_l.size, W_l.shape[0]
        stop = start + n_out * (n_in + 1)
        theta = unrolled[start:stop].reshape((n_out, n_in + 1), order=numpy_order)
        np.testing.assert_array_equal(
            theta, np.column_stack([b_l, W_l.T]), err_msg=f"Theta_{l} in {order} order"
        )
        start = stop
    assert start == W.size


def test_labels_of_binary_and_one_hot_targets():
    assert labels(np.array([1.0, 0.0, 1.0]), 1).tolist() == [1.0, 0.0, 1.0]
    assert labels(np.array([1.0, 0.0, 1.0]), 0).tolist() == [0.0, 1.0, 0.0]
    assert labels(np.eye(3)[[2, 0, 1]], 1).tolist() == [3.0, 1.0, 2.0]
    assert labels(np.eye(3)[[2, 0, 1]], 0).tolist() == [2.0, 0.0, 1.0]


@pytest.mark.parametrize("encoding", [*encodings("ex4"), *encodings("cs231n")])
@pytest.mark.parametrize("sizes", [[2, 3, 1], [3, 4, 2]])
def test_labels_are_sent_as_floats(sizes, encoding):
    """The labels are floats, as the docstrings say, for one-hot rows (argmax's integers
    converted) as for binary targets, and so is the ``y`` of ex4's and CS231n's requests."""
    W, X, T, _, lam = _problem(sizes)
    assert labels(T, 1).dtype == np.float64
    assert encoding.request(W, X, T, sizes, lam)[2].dtype == np.float64


# A list, not the iterator: pytest reads the values at each collection, and a second
# collection in the same process (mutmut's forked runs) would find the iterator spent.
@pytest.mark.parametrize(("sizes", "encoding"), list(product(SIZES, encodings("ex4"))))
def test_ex4_request_gives_ex4s_own_cost(sizes, encoding):
    """The request's nn_params, y and lambda_ put to ex4's own cost give the reference's K
    sigmoid outputs: the loss to rounding, the gradient read back to rounding.

    Tolerances: two float64 implementations of the same sums over at most 6 samples and
    5 units, whose terms are of order 1: 1e-13 relative is ~500 ulps, far above their
    rounding (~1e-15) and far below any mistake of label, order or lambda_ (1e-2 or more).
    """
    W, X, T, _, lam = _problem(sizes)
    sent, X_sent, y, lambda_ = encoding.request(W, X, T, sizes, lam)
    assert y.shape == ((6, 1) if encoding.column_labels else (6,))
    order = "C" if encoding.order == "row" else "F"
    J, grad = ex4_cost(sent, *sizes, X_sent, y.astype(int), lambda_, order, encoding.base)
    reference_loss, reference_grad = mb.loss_and_grad(W, X, T, sizes, lam, output="sigmoids")
    assert J == pytest.approx(reference_loss, rel=1e-13)
    np.testing.assert_allclose(encoding.gradient(grad, sizes), reference_grad, atol=1e-13)


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_cs231n_request_sends_reg_for_its_factor(factor):
    W, X, T, sizes, lam = _problem([3, 4, 3])
    sent, _, y, reg = Encoding("cs231n", factor=factor).request(W, X, T, sizes, lam)
    np.testing.assert_array_equal(sent, W)  # params are W1, b1, ... as in the canonical order
    assert y.tolist() == [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]
    assert reg * factor == lam


def test_encodings_of_each_convention():
    assert len(encodings("ex4")) == 8
    assert encodings("cs231n") == [Encoding("cs231n", factor=1.0), Encoding("cs231n", factor=0.5)]
    assert encodings("cs231n", 0.5) == [Encoding("cs231n", factor=0.5)]
    assert encodings("spec") == [Encoding()]


_WEIGHTS_NOTE = "lambda_ = 2 m lam. The report's W_l is Theta_l[:, 1:].T, its b_l Theta_l[:, 0]"


@pytest.mark.parametrize(
    ("encoding", "words", "json_form"),
    [
        (
            Encoding("ex4", "row", 1, False),
            "Theta_l = [b_l | W_l^T] unrolled row by row (Theta.ravel()); labels 1..K, "
            f"y of shape (m,); {_WEIGHTS_NOTE}",
            {"order": "row", "label_base": 1, "y_shape": "(m,)"},
        ),
        (
            Encoding("ex4", "column", 0, True),
            "Theta_l = [b_l | W_l^T] unrolled column by column (Octave's Theta(:), "
            f"order='F'); labels 0..K-1, y of shape (m, 1); {_WEIGHTS_NOTE}",
            {"order": "column", "label_base": 0, "y_shape": "(m, 1)"},
        ),
        (
            Encoding("cs231n", factor=1.0),
            "params W1 (D, H), b1, ...; penalty reg * sum W^2, so reg = lam",
            {"penalty_factor": 1.0},
        ),
        (
            Encoding("cs231n", factor=0.5),
            "params W1 (D, H), b1, ...; penalty 0.5 * reg * sum W^2, so reg = 2 lam",
            {"penalty_factor": 0.5},
        ),
        (Encoding(), "SPEC's contract", {}),
    ],
)
def test_each_encoding_in_words_and_in_json(encoding, words, json_form):
    """What the report's note and its JSON say of an encoding, word for word: the
    student reads the unrolling, label span, y's shape or penalty factor the oracle
    called the file with, and a script reads the same in the JSON's keys."""
    assert encoding.describe() == words
    assert encoding.as_dict() == json_form


# ------------------------------------------------------------------ detection


def _ex4_file(encoding, bias_penalty=False, mean=True):
    """A pure-Python ex4 cost in ``encoding``, as :func:`detect_encoding` calls it."""

    def answer(candidate):
        def call(W, X, T, sizes, lam):
            sent, X_sent, y, lambda_ = candidate.request(W, X, T, sizes, lam)
            if y.shape != ((X.shape[0], 1) if encoding.column_labels else (X.shape[0],)):
                return None  # the file would raise (or broadcast into nonsense)
            order = "C" if encoding.order == "row" else "F"
            J, grad = ex4_cost(sent, *sizes, X_sent, y.astype(int), lambda_, order, encoding.base)
            if bias_penalty:  # the bias column penalised too: lam * sum b^2 more in J
                params = mb.unpack(W, sizes)
                J += lam * sum(float(np.sum(b**2)) for _, b in params)
                extra = [np.concatenate([0 * w.ravel(), 2 * lam * b]) for w, b in params]
                grad = grad + candidate.request(np.concatenate(extra), X, T, sizes, lam)[0]
            if not mean:
                J, grad = J * X.shape[0], grad * X.shape[0]
            return J, candidate.gradient(grad, sizes)

        return call

    return answer


@pytest.mark.parametrize("encoding", encodings("ex4"))
def test_detection_finds_each_ex4_encoding(encoding):
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    found, note = detect_encoding(
        _ex4_file(encoding), encodings("ex4"), problems, "sigmoid", "sigmoids"
    )
    assert (found.order, found.base) == (encoding.order, encoding.base)
    assert note.details["fit"] == 0
    assert note.message.startswith("ex4 convention, found from the numbers (")


def test_detection_sees_through_a_known_mistake():
    """A bias-regularised file matches no encoding's loss; the mistake explains its own."""
    encoding = Encoding("ex4", "column", 1, True)
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    found, note = detect_encoding(
        _ex4_file(encoding, bias_penalty=True), encodings("ex4"), problems, "sigmoid", "sigmoids"
    )
    assert found == encoding
    assert note.details["fit"] == 2


def test_detection_of_a_file_that_answers_nothing_keeps_the_first():
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    found, note = detect_encoding(
        lambda _: lambda *a: None, encodings("ex4"), problems, "sigmoid", "sigmoids"
    )
    assert found == encodings("ex4")[0]
    assert note.details["fit"] == 4


def _answering(numbers):
    """An ``answer`` giving every candidate the same ``numbers(W, X, T, sizes, lam)``:
    a file whose numbers do not depend on the reading, to hold one tier at a time."""
    return lambda candidate: numbers


def _reference(W, X, T, sizes, lam):
    return mb.loss_and_grad(W, X, T, sizes, lam, "sigmoid", output="sigmoids")


def _gradient_off(times):
    """The reference's numbers, every gradient entry moved by ``times`` MATCH_RTOL of the
    gradient scale of ex4's K sigmoid outputs."""

    def numbers(W, X, T, sizes, lam):
        loss, grad = _reference(W, X, T, sizes, lam)
        scale = gradient_scale(W, X, T, sizes, lam, "sigmoid", output="sigmoids")
        return loss, grad + times * MATCH_RTOL * scale

    return numbers


def _loss_off(times):
    """The reference's numbers, the loss moved by ``times`` FORWARD_RTOL of itself."""

    def numbers(W, X, T, sizes, lam):
        loss, grad = _reference(W, X, T, sizes, lam)
        return loss * (1.0 + times * FORWARD_RTOL), grad

    return numbers


@pytest.mark.parametrize(
    ("answer", "found", "fit", "how"),
    [
        (
            _ex4_file(Encoding("ex4", "column", 0, False)),
            Encoding("ex4", "column", 0, False),
            0,
            "the reference's numbers match in it",
        ),
        (
            _answering(_gradient_off(0.95)),
            encodings("ex4")[0],
            0,
            "the reference's numbers match in it",
        ),
        (
            _answering(_gradient_off(1.05)),
            encodings("ex4")[0],
            1,
            "the loss matches in it, the gradient does not",
        ),
        (
            _ex4_file(Encoding("ex4", "column", 1, True), bias_penalty=True),
            Encoding("ex4", "column", 1, True),
            2,
            "a known mistake reproduces the numbers in it",
        ),
        (
            _answering(_loss_off(1e3)),
            encodings("ex4")[0],
            3,
            "none fits exactly, it comes closest",
        ),
        (
            lambda _: lambda *a: None,
            encodings("ex4")[0],
            4,
            "no reading got an answer, the first is assumed",
        ),
    ],
    ids=["match", "gradient-within", "gradient-off", "known-mistake", "loss-off", "no-answer"],
)
def test_detection_says_how_the_encoding_fits(answer, found, fit, how):
    """The note names the encoding, says in words which tier it was found by, and gives
    the encoding's JSON form and the tier, for every tier.

    The gradient is held to MATCH_RTOL of the scale of ex4's own outputs (K sigmoids), its
    edge taken 5% either side: on these problems that scale is 1.09 to 1.55 times
    softmax's, so that a tolerance on softmax's scale puts 0.95 over the edge (0.95 * 1.09
    > 1). The shift, ~1e-8 against gradient entries of order 1, is read back to ~1e-8 of
    itself, far inside the 5%.
    """
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    best, note = detect_encoding(answer, encodings("ex4"), problems, "sigmoid", "sigmoids")
    assert best == found
    assert note == Finding(
        "note",
        f"ex4 convention, found from the numbers ({how}): {found.describe()}",
        {"encoding": found.as_dict(), "fit": fit},
    )


@pytest.mark.parametrize(
    ("sizes", "lam", "small"),
    [([3, 4, 1], 0.0, True), ([2, 5, 3], 0.3, False)],
    ids=["loss-0.74", "loss-3.5"],
)
@pytest.mark.parametrize(("times", "fit"), [(0.75, 1), (1.25, 3)])
def test_the_forward_tolerance_is_relative_to_the_loss(sizes, lam, small, times, fit):
    """A loss off by 0.75 FORWARD_RTOL of itself has the forward pass right (tier 1), by
    1.25 not (tier 3), whether the loss is below 1 or well above it: the tolerance is
    neither absolute (1.25e-4 of 0.74 is 0.92e-4 < 1e-4) nor scaled by the loss twice
    (0.75e-4 of 3.5 times 3.5 is 9e-4 > 1e-4). The margins (8% and more) dwarf rounding.
    """
    W, X, T, _, _ = _problem(sizes, lam=lam)
    reference_loss = _reference(W, X, T, sizes, lam)[0]
    assert (reference_loss < 0.8) if small else (reference_loss > 3.0)  # the premise
    _, note = detect_encoding(
        _answering(_loss_off(times)),
        encodings("ex4"),
        [(W, X, T, sizes, lam)],
        "sigmoid",
        "sigmoids",
    )
    assert note.details["fit"] == fit


def test_detection_prefers_the_reading_that_answers_more_problems():
    """Neither reading answers every problem: the one answering all but the first beats
    the earlier one answering only the first, a problem unanswered is skipped rather than
    ending the count."""
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    first, second = encodings("ex4")[:2]

    def answer(candidate):
        def call(W, X, T, sizes, lam):
            if (sizes == problems[0][3]) != (candidate == first):
                return None
            return _reference(W, X, T, sizes, lam)

        return call

    assert [p[3] for p in problems] == [[2, 5, 3], [2, 4, 3], [4, 2, 5]]  # told apart by size
    best, note = detect_encoding(answer, [first, second], problems, "sigmoid", "sigmoids")
    assert best == second
    assert note.details["fit"] == 3


def _cs231n_file(factor):
    """A CS231n net whose penalty is ``factor * reg * sum W^2``, as :func:`detect_encoding`
    calls it: it reads one-hot targets back from the labels."""

    def answer(candidate):
        def call(W, X, T, sizes, lam):
            sent, X_sent, y, reg = candidate.request(W, X, T, sizes, lam)
            T_file = np.eye(sizes[-1])[y.astype(int)]
            loss, grad = mb.loss_and_grad(sent, X_sent, T_file, sizes, factor * reg, "relu")
            return loss, candidate.gradient(grad, sizes)

        return call

    return answer


@pytest.mark.parametrize("factor", [1.0, 0.5])
def test_detection_finds_the_cs231n_penalty_factor(factor):
    """Of CS231n's two readings, the one with the file's penalty factor is found, the
    second as well as the first."""
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    found, note = detect_encoding(
        _cs231n_file(factor), encodings("cs231n"), problems, "relu", "auto"
    )
    assert found == Encoding("cs231n", factor=factor)
    assert note.details["fit"] == 0


def test_a_single_candidate_is_taken_as_given_without_a_call():
    """With one reading (``--penalty-factor`` given) there is nothing to detect: the file
    is not called, and the note says the reading was given, with no tier."""

    def answer(candidate):
        pytest.fail(f"the file was called for the only reading {candidate}")

    only = Encoding("cs231n", factor=0.5)
    problems = diagnostic_problems(hidden=(1, 1), outputs="multiclass")
    assert detect_encoding(answer, [only], problems, "relu", "auto") == (
        only,
        Finding(
            "note",
            "cs231n convention, as given: params W1 (D, H), b1, ...; penalty 0.5 * reg * "
            "sum W^2, so reg = 2 lam",
            {"encoding": {"penalty_factor": 0.5}, "fit": None},
        ),
    )


# --------------------------------------------------------- the worker's calls


def _check(tmp_path, source, convention, **options):
    path = tmp_path / "submission.py"
    path.write_text(textwrap.dedent(source))
    return check_file(
        path, Options(convention=convention, examples=10, seed=0, isolate=ISOLATE, **options)
    )


_NET = """
    import numpy as np

    class TwoLayerNet:
        def __init__(self, input_size, hidden_size, output_size):
            self.params = {{"W1": np.zeros((input_size, hidden_size)), "b1": np.zeros(hidden_size),
                           "W2": np.zeros((hidden_size, output_size)), "b2": np.zeros(output_size)}}

        def loss(self, X, y=None, reg=0.0):
            grads = {{name: np.zeros_like(value) for name, value in self.params.items()}}
            {change}
            return 1.0, grads
"""


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ('del grads["b2"]', "grads has no 'b2' (its keys: W1, W2, b1)"),
        ('grads["W1"] = grads["W1"].T', "grads['W1'] is ndarray of shape"),
        ("return 1.0", "loss returned float, expected a pair (loss, grads)"),
        ("return 1.0, [0.0]", "grads is list, expected a dict"),
    ],
)
def test_a_cs231n_answer_that_breaks_the_convention_says_how(tmp_path, change, said):
    result = _check(tmp_path, _NET.format(change=change), "cs231n", function="TwoLayerNet")
    two_layer = next(p for p in result.parts if p.name == "two-layer")
    assert two_layer.verdict == "fail"
    messages = [f.message for f in two_layer.findings if f.kind == "bad-return"]
    assert messages
    assert said in messages[0]


def test_labels_changed_in_place_are_named_y(tmp_path):
    """A port that rewrites its labels (y[y == 0] = 10) changes its argument y."""
    source = """
        import numpy as np

        def nnCostFunction(nn_params, n_in, n_hidden, num_labels, X, y, lambda_):
            y[y == 1] = 7
            return 0.0, np.zeros_like(nn_params)
    """
    result = _check(tmp_path, source, "ex4", function="nnCostFunction")
    contract = next(p for p in result.parts if p.name == "contract")
    changed = [f.message for f in contract.findings if f.kind == "mutates-input"]
    assert changed == ["the call changed its argument(s) y in place"]


def test_a_file_without_the_conventions_function_names_it(tmp_path):
    result = _check(tmp_path, "def cost(W):\n    return 0.0, W\n", "ex4", function="nnCostFunction")
    missing = [f.message for p in result.parts for f in p.findings if f.kind == "missing-function"]
    assert missing
    assert "the ex4 convention calls a function nnCostFunction(nn_params, " in missing[0]


def test_a_cs231n_name_that_is_not_a_class_is_said(tmp_path):
    result = _check(tmp_path, "def TwoLayerNet():\n    pass\n", "cs231n", function="TwoLayerNet")
    missing = [f.message for p in result.parts for f in p.findings if f.kind == "missing-function"]
    assert missing
    assert "not a class with a loss method: function" in missing[0]


# ------------------------------------------------------------ command line


@pytest.mark.parametrize(
    "args",
    [
        ["--class", "Net"],
        ["--penalty-factor", "0.5"],
        ["--convention", "cs231n", "--function", "loss"],
        ["--convention", "ex4", "--layout", "ng"],
        ["--convention", "cs231n", "--activation", "relu"],
        ["--convention", "ex4", "--penalty-factor", "1"],
        ["--convention", "cs231n", "--penalty-factor", "2"],
    ],
)
def test_convention_flags_misused_exit_2(tmp_path, args, capsys):
    path = tmp_path / "f.py"
    path.write_text("")
    with pytest.raises(SystemExit) as stopped:
        main(["check", str(path), *args])
    assert stopped.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("convention", "deep", "parts"),
    [
        ("ex4", False, ["multiclass", "binary", "stability", "contract"]),
        ("cs231n", False, ["two-layer", "stability", "contract"]),
        ("cs231n", True, ["two-layer", "deep", "stability", "contract"]),
    ],
)
def test_each_conventions_rubric_prints_and_parses(convention, deep, parts, capsys):
    assert main(["rubric", "--convention", convention, *(["--deep"] if deep else [])]) == 0
    text = capsys.readouterr().out
    tomllib.loads(text)
    assert [p.name for p in parse_rubric(text)] == parts
    name = "cs231n-deep" if deep else convention
    assert [p.name for p in default_rubric(name)] == parts


@pytest.mark.parametrize(
    ("convention", "name"), [("ex4", "nnCostFunction"), ("cs231n", "TwoLayerNet")]
)
def test_each_conventions_template_is_not_implemented_until_written(tmp_path, convention, name):
    """The starter file has the course's interface: the oracle finds and calls it, and
    every part of numbers is not implemented (it raises NotImplementedError)."""
    result = _check(tmp_path, template(convention=convention), convention, function=name)
    verdicts = {p.name: p.verdict for p in result.parts}
    assert set(verdicts.values()) == {"not-implemented"}
    assert "NotImplementedError" in json.dumps([p.reason for p in result.parts])
