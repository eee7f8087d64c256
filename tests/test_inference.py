"""Inferring the problem a notebook's one-argument objective ``fun(W)`` answers.

Each test writes ``fun`` the way students do (a closure over the notebook's
data, its own sigmoid, its own unpacking of ``W``, its own backward pass) and
hands it to :func:`backprop_oracle.inference.infer_problem` in this process (no
sandbox: these tests are about the numbers), with the arrays and scalars the
grader would have found in the notebook. Each asserts every inferred field.
"""

import functools
import json
import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from backprop_oracle.inference import Inferred, NotInferred, infer_problem

Array = NDArray[np.float64]
Fun = Callable[[Array], tuple[float, Array]]

# ---------------------------------------------------------------------------
# The notebook's data, made like the seed's
# ---------------------------------------------------------------------------

_RNG = np.random.default_rng(20240601)
#: Two overlapping (200, 2) point clouds: class 1 -> target 0, class 2 -> target 1.
DATA1 = _RNG.normal([-0.5, 0.0], 0.8, size=(200, 2))
DATA2 = _RNG.normal([0.5, 0.3], 0.8, size=(200, 2))
X = np.vstack([DATA1, DATA2])
t = np.concatenate([np.zeros(200), np.ones(200)])
#: Three (120, 2) clouds for the multiclass exercise: classes 1, 2, 3 -> labels 0, 1, 2.
CLASS1 = _RNG.normal([-1.0, 0.0], 0.7, size=(120, 2))
CLASS2 = _RNG.normal([1.0, 0.0], 0.7, size=(120, 2))
CLASS3 = _RNG.normal([0.0, 1.0], 0.7, size=(120, 2))
X3 = np.vstack([CLASS1, CLASS2, CLASS3])
y3 = np.repeat([0.0, 1.0, 2.0], 120)
T3 = np.eye(3)[np.repeat([0, 1, 2], 120)]

# ---------------------------------------------------------------------------
# A student's network: sigmoid, unpacking, loss and backward pass
# ---------------------------------------------------------------------------


def sigmoid(a: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-a))


HIDDEN: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "sigmoid": (sigmoid, lambda a: sigmoid(a) * (1.0 - sigmoid(a))),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0.0).astype(float)),
    "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
}


def n_params(sizes: Sequence[int]) -> int:
    return sum((n_in + 1) * n_out for n_in, n_out in pairwise(sizes))


def unpack(W: Array, sizes: Sequence[int], layout: str) -> list[tuple[Array, Array]]:
    """The student's ``[(W_l, b_l)]`` read from the flat ``W`` in ``layout``."""
    params = []
    if layout == "canonical":  # W_1, b_1, W_2, b_2, ...
        i = 0
        for n_in, n_out in pairwise(sizes):
            W_l = W[i : i + n_in * n_out].reshape(n_in, n_out)
            b_l = W[i + n_in * n_out : i + (n_in + 1) * n_out]
            params.append((W_l, b_l))
            i += (n_in + 1) * n_out
    elif layout == "weights-then-biases":  # W_1, W_2, ..., b_1, b_2, ... (scikit-learn)
        i, j = 0, sum(n_in * n_out for n_in, n_out in pairwise(sizes))
        for n_in, n_out in pairwise(sizes):
            params.append((W[i : i + n_in * n_out].reshape(n_in, n_out), W[j : j + n_out]))
            i, j = i + n_in * n_out, j + n_out
    else:  # ng: per layer [b_l; W_l] of shape (n_in + 1, n_out), row-major
        i = 0
        for n_in, n_out in pairwise(sizes):
            theta = W[i : i + (n_in + 1) * n_out].reshape(n_in + 1, n_out)
            params.append((theta[1:], theta[0]))
            i += (n_in + 1) * n_out
    return params


def pack(grads: list[tuple[Array, Array]], layout: str) -> Array:
    """The gradient in the layout ``unpack`` read ``W`` in."""
    if layout == "canonical":
        return np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in grads])
    if layout == "weights-then-biases":
        return np.concatenate([dW.ravel() for dW, _ in grads] + [db for _, db in grads])
    return np.concatenate([np.vstack([db, dW]).ravel() for dW, db in grads])


def objective(
    W: Array,
    X: Array,
    T: Array,
    lam: float,
    sizes: Sequence[int],
    activation: str = "sigmoid",
    layout: str = "canonical",
    mistake: str = "",
) -> tuple[float, Array]:
    """A student's loss and gradient, with one of their mistakes if ``mistake`` names it.

    ``T`` is (N,) 0/1 for one output unit, (N, K) one-hot for a softmax.
    """
    h, h_prime = HIDDEN[activation]
    params = unpack(W, sizes, layout)
    A, Z = [], [X]
    for l, (W_l, b_l) in enumerate(params):
        A.append(Z[-1] @ W_l + b_l)
        if l < len(params) - 1:
            Z.append(h(A[-1]))
    N = X.shape[0]
    if sizes[-1] == 1:
        p = sigmoid(A[-1][:, 0])
        data = -np.sum(T * np.log(p) + (1 - T) * np.log(1 - p))
        delta = (p - T)[:, np.newaxis]
    else:
        e = np.exp(A[-1] - A[-1].max(axis=1, keepdims=True))
        P = e / e.sum(axis=1, keepdims=True)
        data = -np.sum(T * np.log(P))
        delta = P - T
    if mistake != "missing-mean":
        data, delta = data / N, delta / N
    factor = {"half-penalty": 0.5, "no-penalty": 0.0, "penalty-over-N": 1 / N}.get(mistake, 1.0)
    J = data + factor * lam * sum(np.sum(W_l**2) for W_l, _ in params)
    if mistake == "bias-regularized":
        J += lam * sum(np.sum(b_l**2) for _, b_l in params)
    grads: list[tuple[Array, Array]] = []
    for l in range(len(params) - 1, -1, -1):
        W_l, b_l = params[l]
        dW = Z[l].T @ delta + 2 * factor * lam * W_l
        db = delta.sum(axis=0) + (2 * lam * b_l if mistake == "bias-regularized" else 0.0)
        grads.insert(0, (dW, db))
        if l > 0:
            delta = h_prime(A[l - 1]) * (delta @ W_l.T)
    grad = pack(grads, layout)
    return float(J), -grad if mistake == "sign-flip" else grad


def graded(fun: Callable[[Array], Any]) -> Callable[[Array], tuple[float, Array] | None]:
    """``fun`` as the grader calls it: None where it raised or answered badly."""

    def call(W: Array) -> tuple[float, Array] | None:
        try:
            loss, grad = fun(W.copy())
        except Exception:  # a raise is no answer, as the grader's worker reports it
            return None
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != W.shape or not np.isfinite(loss) or not np.all(np.isfinite(grad)):
            return None
        return float(loss), grad

    return call


def infer(fun: Callable[[Array], Any], sizes: Sequence[int], **notebook: Any) -> Any:
    """:func:`infer_problem` of ``fun``, which takes the parameters of ``sizes``."""
    return infer_problem(graded(fun), n_params(sizes), **notebook)


def fields(result: Inferred | NotInferred) -> dict[str, Any]:
    """Every field of an Inferred but its arrays, to compare with a dict in one assert."""
    assert isinstance(result, Inferred), result
    return {
        "layer_sizes": result.layer_sizes,
        "lam": result.lam,
        "activation": result.activation,
        "layout": result.layout,
        "data": result.data,
        "target": result.target,
        "lam_source": result.lam_source,
        "ones_column": result.ones_column,
        "part": result.part,
    }


def expected(**changes: Any) -> dict[str, Any]:
    """The fields of the seed's 2-4-1 sigmoid over the notebook's X, t and lam = 0.01, changed."""
    return {
        "layer_sizes": [2, 4, 1],
        "lam": 0.01,
        "activation": "sigmoid",
        "layout": "canonical",
        "data": "X",
        "target": "t as given: 1 for data2's points",
        "lam_source": "the notebook's lam",
        "ones_column": "",
        "part": "ex1",
    } | changes


#: The binary notebook's arrays as a global-style fun sees them.
BINARY = {"data1": DATA1, "data2": DATA2, "X": X, "t": t}

# ---------------------------------------------------------------------------
# Correct objectives
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "activation", "part"),
    [
        ([2, 4, 1], "sigmoid", "ex1"),
        ([2, 4, 1], "relu", "bonus-relu"),
        ([2, 4, 1], "tanh", "ex1"),
        ([2, 10, 10, 10, 10, 1], "sigmoid", "ex2"),
        ([2, 10, 10, 10, 10, 1], "relu", "ex2"),
    ],
)
def test_a_correct_fun_over_the_notebooks_globals(
    sizes: list[int], activation: str, part: str
) -> None:
    lam = 0.01

    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, lam, sizes, activation)

    result = infer(fun, sizes, arrays=BINARY, scalars={"lam": lam})
    assert fields(result) == expected(layer_sizes=sizes, activation=activation, part=part)
    np.testing.assert_array_equal(result.X, X)
    np.testing.assert_array_equal(result.T, t)


def test_the_class_arrays_stacked_when_the_notebook_keeps_no_X() -> None:
    X_local = np.vstack([DATA1, DATA2])  # built inside the notebook's function, never a global
    t_local = np.concatenate([np.zeros(len(DATA1)), np.ones(len(DATA2))])

    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X_local, t_local, 0.01, [2, 4, 1])

    result = infer(fun, [2, 4, 1], arrays={"data1": DATA1, "data2": DATA2}, scalars={"lam": 0.01})
    assert fields(result) == expected(data="data1, data2 stacked", target="class 2 = 1")
    np.testing.assert_array_equal(result.X, X)
    np.testing.assert_array_equal(result.T, t)


def test_targets_the_other_way_round() -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, 1.0 - t, 0.01, [2, 4, 1])  # class 1 = 1

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars={"lam": 0.01})
    assert fields(result) == expected(target="1 - t: 1 for data1's points")
    np.testing.assert_array_equal(result.T, 1.0 - t)


@pytest.mark.parametrize(
    ("labels", "target"),
    [(t[:, np.newaxis], "t as given"), (t + 1.0, "t == 2 as 1"), (2.0 * t - 1.0, "t == 1 as 1")],
    ids=["a column", "labels 1 and 2", "labels -1 and 1"],
)
def test_binary_labels_as_the_notebook_keeps_them(labels: Array, target: str) -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.01, [2, 4, 1])  # fun turns the labels into 0/1 itself

    result = infer(fun, [2, 4, 1], arrays={"X": X, "t": labels}, scalars={"lam": 0.01})
    assert fields(result) == expected(target=target)
    np.testing.assert_array_equal(result.T, t)


@pytest.mark.parametrize("layout", ["weights-then-biases", "ng"])
def test_the_layout_fun_reads_W_in(layout: str) -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.01, [2, 4, 1], layout=layout)

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars={"lam": 0.01})
    assert fields(result) == expected(layout=layout)


@pytest.mark.parametrize(
    ("arrays", "fun_targets", "data", "target"),
    [
        ({"X": X3, "T": T3}, T3, "X", "T as given"),
        ({"X": X3, "y": y3}, T3, "X", "one-hot of y's labels 0, 1, 2"),
        ({"X": X3, "T": T3}, T3[:, [2, 0, 1]], "X", "T's columns 2, 0, 1"),
        (
            {"data1": CLASS1, "data2": CLASS2, "data3": CLASS3},
            T3,
            "data1, data2, data3 stacked",
            "one-hot of classes 1, 2, 3",
        ),
    ],
    ids=["one-hot T", "integer labels", "classes in another order", "stacked classes"],
)
def test_a_softmax_over_three_classes(
    arrays: dict[str, Array], fun_targets: Array, data: str, target: str
) -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X3, fun_targets, 0.001, [2, 5, 3])

    result = infer(fun, [2, 5, 3], arrays=arrays, scalars={"lam": 0.001})
    assert fields(result) == expected(
        layer_sizes=[2, 5, 3], lam=0.001, data=data, target=target, part="ex3"
    )
    np.testing.assert_array_equal(result.X, X3)
    np.testing.assert_array_equal(result.T, fun_targets)


def folded(W: Array, Xb: Array, t: Array, lam: float, side: str) -> tuple[float, Array]:
    """A 2-4-1 sigmoid network with each bias folded in as a column of ones (``side``)."""
    first = side == "first"
    W1, W2 = W[:12].reshape(3, 4), W[12:].reshape(5, 1)
    bias1, bias2 = (0, 0) if first else (2, 4)  # the row of each matrix that holds the bias
    ones = np.ones((len(Xb), 1))
    Z1 = sigmoid(Xb @ W1)
    Z1b = np.hstack([ones, Z1]) if first else np.hstack([Z1, ones])
    p = sigmoid(Z1b @ W2)[:, 0]
    N = len(Xb)
    weights1, weights2 = np.delete(W1, bias1, axis=0), np.delete(W2, bias2, axis=0)
    J = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    J += lam * (np.sum(weights1**2) + np.sum(weights2**2))
    delta2 = (p - t)[:, np.newaxis] / N
    dW2 = Z1b.T @ delta2 + 2 * lam * W2
    dW2[bias2] -= 2 * lam * W2[bias2]  # the bias row is not penalised
    delta1 = (delta2 @ weights2.T) * Z1 * (1 - Z1)
    dW1 = Xb.T @ delta1 + 2 * lam * W1
    dW1[bias1] -= 2 * lam * W1[bias1]
    return float(J), np.concatenate([dW1.ravel(), dW2.ravel()])


@pytest.mark.parametrize(("side", "layout"), [("first", "ng"), ("last", "canonical")])
def test_a_bias_folded_in_as_a_column_of_ones(side: str, layout: str) -> None:
    ones = np.ones((len(X), 1))
    Xb = np.hstack([ones, X]) if side == "first" else np.hstack([X, ones])

    def fun(W: Array) -> tuple[float, Array]:
        return folded(W, Xb, t, 0.01, side)

    result = infer(fun, [2, 4, 1], arrays={"Xb": Xb, "t": t}, scalars={"lam": 0.01})
    assert fields(result) == expected(
        data="Xb", layout=layout, ones_column=side, target="t as given"
    )
    np.testing.assert_array_equal(result.X, X)


def test_a_column_of_ones_that_is_a_real_input() -> None:
    # fun adds biases of its own to a 3-input network: the stripped reading (2-5-1, with
    # as many parameters) does not fit, the array as it is does.
    Xb = np.hstack([X, np.ones((len(X), 1))])

    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, Xb, t, 0.01, [3, 4, 1])

    result = infer(fun, [3, 4, 1], arrays={"Xb": Xb, "t": t}, scalars={"lam": 0.01})
    assert fields(result) == expected(layer_sizes=[3, 4, 1], data="Xb", target="t as given")
    np.testing.assert_array_equal(result.X, Xb)


# ---------------------------------------------------------------------------
# Where fun's data and lam come from
# ---------------------------------------------------------------------------


def test_functools_partial_with_keywords_is_preferred_to_the_same_globals() -> None:
    def objective_kw(W: Array, X: Array, t: Array, lam: float) -> tuple[float, Array]:
        return objective(W, X, t, lam, [2, 4, 1])

    fun = functools.partial(objective_kw, X=X, t=t, lam=0.001)
    # The globals come first in the notebook and hold the same arrays and the same lam.
    arrays = {"X": X, "t": t, "partial.X": X, "partial.t": t}
    scalars = {"lam": 0.001, "partial.lam": 0.001}
    own = {"partial.X", "partial.t", "partial.lam"}
    result = infer(fun, [2, 4, 1], arrays=arrays, scalars=scalars, own=own)
    assert fields(result) == expected(
        lam=0.001,
        data="partial.X",
        target="partial.t as given",
        lam_source="the notebook's partial.lam",
    )


def test_default_arguments_over_other_globals() -> None:
    X_test = _RNG.normal(size=(400, 2))  # another global of the same shape, which fun never reads

    def fun(W: Array, X: Array = X, t: Array = t, lam: float = 0.1) -> tuple[float, Array]:
        return objective(W, X, t, lam, [2, 4, 1])

    arrays = {"X_test": X_test, "t": t, "fun.X": X, "fun.t": t}
    scalars = {"lam": 0.5, "fun.lam": 0.1}  # the global lam was changed after fun was defined
    own = {"fun.X", "fun.t", "fun.lam"}
    result = infer(fun, [2, 4, 1], arrays=arrays, scalars=scalars, own=own)
    assert fields(result) == expected(
        lam=0.1, data="fun.X", target="fun.t as given", lam_source="the notebook's fun.lam"
    )


@pytest.mark.parametrize(
    ("scalars", "lam", "lam_source"),
    [
        ({"alpha": 0.5, "lambda_": 0.01}, 0.01, "the notebook's lambda_"),
        ({"lam": 0.0}, 0.0, "the notebook's lam"),
        ({"alpha": 0.5, "weight_decay": 0.01}, 0.01, "the notebook's weight_decay"),
        ({"alpha": 0.5}, 0.01, "fitted to the loss: no name in the notebook fits"),
    ],
    ids=["lambda_", "lam = 0", "another name", "no name"],
)
def test_lam_by_name_or_fitted(scalars: dict[str, float], lam: float, lam_source: str) -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, lam, [2, 4, 1])

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars=scalars)
    assert fields(result) == expected(lam=lam, lam_source=lam_source)


def test_a_fitted_lam_is_the_shortest_decimal_that_fits() -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.0037, [2, 4, 1])  # a literal: no name holds it

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars={})
    assert fields(result) == expected(
        lam=0.0037, lam_source="fitted to the loss: no name in the notebook fits"
    )


# ---------------------------------------------------------------------------
# Students' mistakes: the problem is still inferred (the diagnosis names them)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mistake", "lam_source"),
    [
        ("bias-regularized", "the notebook's lam"),
        ("half-penalty", "the notebook's lam; the loss penalises the weights with lam/2"),
        ("no-penalty", "the notebook's lam; the loss has no weight penalty"),
        ("penalty-over-N", "the notebook's lam; the loss penalises the weights with lam/N"),
        ("missing-mean", "the notebook's lam"),
        ("sign-flip", "the notebook's lam"),
    ],
)
def test_a_mistake_in_the_loss_or_gradient(mistake: str, lam_source: str) -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.01, [2, 4, 1], mistake=mistake)

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars={"lam": 0.01})
    assert fields(result) == expected(lam_source=lam_source)


# ---------------------------------------------------------------------------
# Layer sizes, scale, speed, output
# ---------------------------------------------------------------------------


def test_the_notebooks_layer_sizes_come_first() -> None:
    # 2-5-3-1 has 37 parameters, as have 2-9-1 and 2-4-4-1: only the hint finds it.
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.01, [2, 5, 3, 1])

    result = infer(fun, [2, 5, 3, 1], arrays=BINARY, scalars={"lam": 0.01}, hints=[[2, 5, 3, 1]])
    assert fields(result) == expected(layer_sizes=[2, 5, 3, 1], part="ex2")
    unhinted = infer(fun, [2, 5, 3, 1], arrays=BINARY, scalars={"lam": 0.01})
    assert isinstance(unhinted, NotInferred)
    assert unhinted.step == "loss"
    assert "; the closest, 2-" in unhinted.reason  # the closest of the readings tried is named


def test_large_inputs_keep_the_textbook_loss_finite() -> None:
    big = 1000.0 * X  # uniform weights would give logits ~1e3: log(1 - p) = log(0)

    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, big, t, 0.01, [2, 1])

    result = infer(fun, [2, 1], arrays={"X": big, "t": t}, scalars={"lam": 0.01})
    assert fields(result) == expected(layer_sizes=[2, 1], target="t as given")


def test_the_exercises_deepest_network_is_inferred_quickly() -> None:
    sizes = [2, 10, 10, 10, 10, 1]

    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.01, sizes)

    start = time.perf_counter()
    result = infer(fun, sizes, arrays=BINARY, scalars={"lam": 0.01})
    seconds = time.perf_counter() - start
    assert fields(result) == expected(layer_sizes=sizes, part="ex2")
    assert seconds < 2.0  # measured ~0.02 s; 2 s allows for two cores shared with other jobs


def test_describe_and_as_dict() -> None:
    def fun(W: Array) -> tuple[float, Array]:
        return objective(W, X, t, 0.01, [2, 4, 1])

    result = infer(fun, [2, 4, 1], arrays={"data1": DATA1, "data2": DATA2}, scalars={"lam": 0.01})
    assert isinstance(result, Inferred)
    assert result.describe() == (
        "2-4-1 sigmoid, lam = 0.01 (the notebook's lam), class 2 = 1, canonical layout; "
        "inputs data1, data2 stacked"
    )
    assert json.loads(json.dumps(result.as_dict())) == {
        "X_shape": [400, 2],
        "T_shape": [400],
        "layer_sizes": [2, 4, 1],
        "lam": 0.01,
        "activation": "sigmoid",
        "layout": "canonical",
        "data": "data1, data2 stacked",
        "target": "class 2 = 1",
        "lam_source": "the notebook's lam",
        "ones_column": "",
        "part": "ex1",
        "description": result.describe(),
    }


# ---------------------------------------------------------------------------
# What cannot be inferred, and why
# ---------------------------------------------------------------------------


def _correct(W: Array) -> tuple[float, Array]:
    return objective(W, X, t, 0.01, [2, 4, 1])


def test_no_two_dimensional_array() -> None:
    result = infer(_correct, [2, 4, 1], arrays={"t": t}, scalars={"lam": 0.01})
    assert isinstance(result, NotInferred)
    assert result.step == "data"
    assert "t (400,)" in result.reason


def test_no_array_of_targets() -> None:
    result = infer(_correct, [2, 4, 1], arrays={"X": X}, scalars={"lam": 0.01})
    assert isinstance(result, NotInferred)
    assert result.step == "targets"
    assert "400 rows" in result.reason


def test_no_architecture_has_that_many_parameters() -> None:
    # 23 parameters: no network from 2 inputs to 1 output (t), 2 (t one-hot) or 3 (three
    # arrays stacked) has 23: none (3 K), one hidden layer ((3 + K) h + K) or equal ones.
    result = infer_problem(graded(lambda W: (0.0, W)), 23, BINARY, {"lam": 0.01})
    assert isinstance(result, NotInferred)
    assert result.step == "architecture"
    assert result.reason.startswith("fun takes 23 parameters;")
    assert "2 inputs and 1 output: " in result.reason


def test_a_fun_that_raises() -> None:
    def fun(W: Array) -> tuple[float, Array]:
        raise NameError("name 'X_train' is not defined")

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars={"lam": 0.01})
    assert isinstance(result, NotInferred)
    assert result.step == "answers"
    assert "at 6 of 6 random weight vectors" in result.reason


def test_a_loss_that_is_not_the_cross_entropy() -> None:
    def fun(W: Array) -> tuple[float, Array]:
        params = unpack(W, [2, 4, 1], "canonical")
        p = sigmoid(sigmoid(X @ params[0][0] + params[0][1]) @ params[1][0] + params[1][1])
        return float(np.mean((p[:, 0] - t) ** 2)), np.zeros_like(W)  # a squared error

    result = infer(fun, [2, 4, 1], arrays=BINARY, scalars={"lam": 0.01})
    assert isinstance(result, NotInferred)
    assert result.step == "loss"
    assert "matches none of all" in result.reason
