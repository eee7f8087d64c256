"""Every bad input of SPEC section 4, in one table, refused alike by both twins.

Each row of ``BAD_INPUTS`` says what is wrong, gives all six arguments of
``loss(W, X, T, layer_sizes, lam, activation)``, the exception a caller must get, and
a pattern its message must match: the argument's name, a colon, what was expected and
what was found. Every row is put to every entry point that takes those arguments: the
hand-written package's ``loss``, ``loss_and_grad`` and ``loss_and_grad_per_sample``, the
engine (``Objective``, called and ``.loss``), and the JAX twin's ``loss`` and
``loss_and_grad``; the rows about ``W``, ``X``, ``layer_sizes`` and ``activation`` also
to ``forward``, ``predict_proba`` and ``predict``. All of them must refuse with the
same message, word for word. A refusal changes none of the caller's arguments and lets
no warning out.
"""

import copy
import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import jax_reference as jr
import manual_backprop as mb

# Valid arguments: each row below changes one thing, so that it fails for that reason only.
BINARY: dict[str, Any] = {
    "W": np.linspace(-1.0, 1.0, 13),  # layer_sizes [2, 3, 1]: 13 parameters
    "X": np.array([[0.0, 1.0], [1.0, -1.0], [2.0, 0.5]]),
    "T": np.array([0.0, 1.0, 1.0]),
    "layer_sizes": [2, 3, 1],
    "lam": 0.1,
    "activation": "sigmoid",
}
MULTICLASS: dict[str, Any] = {
    **BINARY,
    "W": np.linspace(-1.0, 1.0, 21),  # layer_sizes [2, 3, 3]: 21 parameters
    "T": np.array([0, 2, 1]),
    "layer_sizes": [2, 3, 3],
}


class Bad(NamedTuple):
    """One row of the table."""

    wrong: str  # what is wrong (the test's id)
    arguments: dict[str, Any]  # W, X, T, layer_sizes, lam, activation
    error: type[Exception]
    message: str  # a regular expression; it starts with the argument's name

    @property
    def argument(self) -> str:
        """The argument the message names."""
        return self.message.removeprefix("^").split(":")[0]


def binary(wrong: str, error: type[Exception], message: str, **change: Any) -> Bad:
    return Bad(wrong, {**BINARY, **change}, error, message)


def multiclass(wrong: str, error: type[Exception], message: str, **change: Any) -> Bad:
    return Bad(wrong, {**MULTICLASS, **change}, error, message)


def nan_at(array: np.ndarray, index: int | tuple[int, ...]) -> np.ndarray:
    out = np.array(array, dtype=float)
    out[index] = np.nan
    return out


REAL = r"expected an array of integer or floating numbers"
REAL_OR_BOOL = r"expected an array of integer or floating \(or boolean\) numbers"
LABELS = r"expected integer class labels in 0\.\.2 \(T of shape \(N,\)\)"
SIZES = r"expected a sequence \[n_0, \.\.\., n_L\] of at least 2 positive integers"
ACTIVATIONS = r"expected one of 'sigmoid', 'relu', 'tanh'"
LAM = r"expected a finite number >= 0"
W_13 = r"^W: expected 13 parameters in a 1-D array \(sum over layers of \(n_\(l-1\) \+ 1\) \* n_l\)"

# fmt: off
BAD_INPUTS = [
    # W
    binary("W one short", ValueError, W_13 + r"; got shape \(12,\)$", W=np.zeros(12)),
    binary("W one too many", ValueError, W_13 + r"; got shape \(14,\)$", W=np.zeros(14)),
    binary("W 2-D", ValueError, W_13 + r"; got shape \(1, 13\)$", W=np.zeros((1, 13))),
    binary("W NaN", ValueError, r"^W: contains NaN or inf; W\[4\] is NaN$",
           W=nan_at(BINARY["W"], 4)),
    binary("W inf", ValueError, r"^W: contains NaN or inf; W\[0\] is inf$", W=np.full(13, np.inf)),
    binary("W -inf", ValueError, r"^W: contains NaN or inf; W\[12\] is -inf$",
           W=np.r_[np.zeros(12), -np.inf]),
    binary("W complex", TypeError, rf"^W: {REAL}; got dtype complex128$", W=np.zeros(13) + 1j),
    binary("W booleans", TypeError, rf"^W: {REAL}; got dtype bool$", W=np.ones(13, dtype=bool)),
    binary("W strings", TypeError, rf"^W: {REAL}; got dtype <U1$", W=["a"] * 13),
    binary("W a string", TypeError, rf"^W: {REAL}; got 'weights'$", W="weights"),
    binary("W ragged", ValueError, rf"^W: {REAL}; it is ragged or malformed: ",
           W=[[1.0], [1.0, 2.0]]),
    # X
    binary("X NaN", ValueError, r"^X: contains NaN or inf; X\[1, 0\] is NaN$",
           X=nan_at(BINARY["X"], (1, 0))),
    binary("X inf", ValueError, r"^X: contains NaN or inf; X\[0, 0\] is inf$",
           X=np.full((3, 2), np.inf)),
    binary("X 1-D", ValueError,
           r"^X: expected a 2-D array of shape \(N, n_0\) = \(N, 2\); got shape \(3,\)$",
           X=np.ones(3)),
    binary("X 3 columns", ValueError,
           r"^X: expected 2 columns \(n_0 = layer_sizes\[0\]\); got shape \(3, 3\)$",
           X=np.ones((3, 3))),
    binary("X empty", ValueError,
           r"^X: expected at least one sample \(N >= 1\); got N = 0 \(empty data\)$",
           X=np.zeros((0, 2)), T=np.zeros(0)),
    binary("X strings", TypeError, rf"^X: {REAL_OR_BOOL}; got dtype <U1$", X=[["a", "b"]] * 3),
    binary("X ragged", ValueError, rf"^X: {REAL_OR_BOOL}; it is ragged or malformed: ",
           X=[[1.0, 2.0], [1.0], [0.0, 0.0]]),
    # T of a binary network
    binary("T too short", ValueError, r"^T: expected 3 targets, one per row of X; got 2$",
           T=np.array([0.0, 1.0])),
    binary("T NaN", ValueError, r"^T: contains NaN or inf; T\[0\] is NaN$",
           T=nan_at(BINARY["T"], 0)),
    binary("T above 1", ValueError, r"^T: expected values in \[0, 1\]; T\[1\] is 2\.0$",
           T=np.array([0.0, 2.0, 1.0])),
    binary("T negative", ValueError, r"^T: expected values in \[0, 1\]; T\[1\] is -0\.5$",
           T=np.array([0.0, -0.5, 1.0])),
    binary("T 2 columns", ValueError,
           r"^T: expected shape \(N,\) or \(N, 1\) = \(3,\) or \(3, 1\) for a binary network "
           r"\(n_L = 1\); got shape \(3, 2\)$",
           T=np.eye(2)[[0, 1, 1]]),
    binary("T strings", TypeError, rf"^T: {REAL_OR_BOOL}; got dtype <U1$", T=["x", "y", "z"]),
    binary("T objects", TypeError, rf"^T: {REAL_OR_BOOL}; got dtype object$", T=[None, 1, 0]),
    # T of a multiclass network
    multiclass("label 3 of 3 classes", ValueError, rf"^T: {LABELS}; T\[2\] is 3\.0$",
               T=[0, 1, 3]),
    multiclass("label -1", ValueError, rf"^T: {LABELS}; T\[1\] is -1\.0$", T=[0, -1, 2]),
    multiclass("label 1.5", ValueError, rf"^T: {LABELS}; T\[1\] is 1\.5$", T=[0.0, 1.5, 2.0]),
    multiclass("labels boolean", ValueError, rf"^T: {LABELS}; got dtype bool$",
               T=np.array([True, False, True])),
    multiclass("rows summing to 3", ValueError,
               r"^T: expected rows that each sum to 1 \(one-hot or probability rows, within "
               r"1e-12\); row 0 sums to 3\.0$",
               T=np.ones((3, 3))),
    multiclass("row entry outside [0, 1]", ValueError,
               r"^T: expected values in \[0, 1\]; T\[0, 0\] is 2\.0$",
               T=np.array([[2.0, -1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    multiclass("T 4 columns for 3 classes", ValueError,
               r"^T: expected shape \(N, K\) = \(3, 3\) .* for a network with K = 3 outputs; "
               r"got shape \(3, 4\)$",
               T=np.eye(4)[[0, 1, 2]]),
    # layer_sizes
    binary("sizes one entry", ValueError, rf"^layer_sizes: {SIZES}; got \[2\]$", layer_sizes=[2]),
    binary("sizes zero", ValueError, r"^layer_sizes: entry 1 must be a positive integer; got 0$",
           layer_sizes=[2, 0, 1]),
    binary("sizes negative", ValueError,
           r"^layer_sizes: entry 1 must be a positive integer; got -3$", layer_sizes=[2, -3, 1]),
    binary("sizes float", TypeError,
           r"^layer_sizes: entry 1 must be a positive integer; got 3\.0 \(float\)$",
           layer_sizes=[2, 3.0, 1]),
    binary("sizes bool", TypeError,
           r"^layer_sizes: entry 1 must be a positive integer; got True \(bool\)$",
           layer_sizes=[2, True, 1]),
    binary("sizes an int", TypeError, rf"^layer_sizes: {SIZES}; got 3$", layer_sizes=3),
    binary("sizes a string", TypeError, rf"^layer_sizes: {SIZES}; got '231'$", layer_sizes="231"),
    # activation
    binary("activation unknown", ValueError, rf"^activation: {ACTIVATIONS}; got 'softplus'$",
           activation="softplus"),
    binary("activation None", TypeError, rf"^activation: {ACTIVATIONS}; got None$",
           activation=None),
    # lam
    binary("lam negative", ValueError, rf"^lam: {LAM}; got -0\.1$", lam=-0.1),
    binary("lam NaN", ValueError, rf"^lam: {LAM}; got nan$", lam=float("nan")),
    binary("lam inf", ValueError, rf"^lam: {LAM}; got inf$", lam=float("inf")),
    binary("lam beyond float64", ValueError, rf"^lam: {LAM}; got 1000000000", lam=10**400),
    binary("lam string", TypeError, rf"^lam: {LAM}; got '0\.1'$", lam="0.1"),
    binary("lam bool", TypeError, rf"^lam: {LAM}; got True$", lam=True),
    binary("lam complex", TypeError, rf"^lam: {LAM}; got 1j$", lam=1j),
    binary("lam 1-D", TypeError, rf"^lam: {LAM}; got ndarray of shape \(1,\) and dtype float64$",
           lam=np.array([0.1])),
]
# fmt: on

# The arguments forward, predict_proba and predict take.
FORWARD_ARGUMENTS = ("W", "X", "layer_sizes", "activation")
FORWARD_BAD_INPUTS = [row for row in BAD_INPUTS if row.argument in FORWARD_ARGUMENTS]


def _engine_call(
    W: Any, X: Any, T: Any, layer_sizes: Any, lam: Any, activation: Any
) -> tuple[float, np.ndarray]:
    return mb.Objective(X, T, layer_sizes, lam, activation)(W)


def _engine_loss(W: Any, X: Any, T: Any, layer_sizes: Any, lam: Any, activation: Any) -> float:
    return mb.Objective(X, T, layer_sizes, lam, activation).loss(W)


ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "manual loss": mb.loss,
    "manual loss_and_grad": mb.loss_and_grad,
    "manual loss_and_grad_per_sample": mb.loss_and_grad_per_sample,
    "engine Objective": _engine_call,
    "engine Objective.loss": _engine_loss,
    "jax loss": jr.loss,
    "jax loss_and_grad": jr.loss_and_grad,
}
FORWARD_ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "manual forward": mb.forward,
    "manual predict_proba": mb.predict_proba,
    "manual predict": mb.predict,
    "jax forward": jr.forward,
    "jax predict_proba": jr.predict_proba,
}


def _unchanged(before: Any, after: Any) -> bool:
    """Equal values of the same kind; arrays bit for bit, NaN equal to NaN."""
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.dtype == after.dtype
            and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
        )
    if isinstance(before, float) and np.isnan(before):
        return isinstance(after, float) and bool(np.isnan(after))
    return type(before) is type(after) and bool(before == after)


def refusal(label: str, function: Callable[..., Any], arguments: dict[str, Any]) -> Exception:
    """Call ``function(**arguments)``, which must raise; return what it raised.

    Any warning is an error here (as pyproject.toml makes it for the whole suite), so a
    warning that escapes shows as the refusal instead of the expected exception. The
    arguments must come back unchanged.
    """
    before = copy.deepcopy(arguments)
    raised: Exception | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            function(**arguments)
        except Exception as error:  # the caller judges which exception it is
            raised = error
    changed = [name for name in arguments if not _unchanged(before[name], arguments[name])]
    assert not changed, f"{label}: the refusal modified the caller's {', '.join(changed)}"
    assert raised is not None, f"{label}: returned without refusing"
    return raised


def assert_refused(entry: str, function: Callable[..., Any], row: Bad) -> None:
    """``row``'s exception, its message matching ``row.message``."""
    # Keywords the table has no bad value for (output=) keep their defaults.
    arguments = {
        name: row.arguments[name]
        for name in inspect.signature(function).parameters
        if name in row.arguments
    }
    raised = refusal(f"{entry}, {row.wrong}", function, arguments)
    assert isinstance(raised, row.error), (
        f"{entry}, {row.wrong}: raised {type(raised).__name__}: {raised}; "
        f"expected {row.error.__name__} matching {row.message!r}"
    )
    assert re.search(row.message, str(raised)), (
        f"{entry}, {row.wrong}: the message {str(raised)!r} does not match {row.message!r}"
    )


@pytest.mark.parametrize("row", BAD_INPUTS, ids=[row.wrong for row in BAD_INPUTS])
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_bad_input_is_refused_naming_the_argument(entry: str, row: Bad) -> None:
    """The right exception, its message naming the argument; nothing modified, no warning."""
    assert_refused(entry, ENTRY_POINTS[entry], row)


@pytest.mark.parametrize("row", FORWARD_BAD_INPUTS, ids=[row.wrong for row in FORWARD_BAD_INPUTS])
@pytest.mark.parametrize("entry", FORWARD_ENTRY_POINTS)
def test_bad_input_to_forward_is_refused_naming_the_argument(entry: str, row: Bad) -> None:
    """forward, predict_proba and predict refuse the rows about their arguments alike."""
    assert_refused(entry, FORWARD_ENTRY_POINTS[entry], row)


@pytest.mark.parametrize("row", BAD_INPUTS, ids=[row.wrong for row in BAD_INPUTS])
def test_the_twins_refuse_in_the_same_words(row: Bad) -> None:
    """Every entry point of both packages gives the same exception and the same message."""
    refusals = {
        entry: refusal(entry, function, row.arguments) for entry, function in ENTRY_POINTS.items()
    }
    said = {entry: f"{type(raised).__name__}: {raised}" for entry, raised in refusals.items()}
    assert len(set(said.values())) == 1, f"{row.wrong}: the refusals differ:\n" + "\n".join(
        f"  {entry}: {text}" for entry, text in said.items()
    )


# Valid arguments in every form SPEC section 4 accepts, each meaning what the base case means.
VALID_FORMS = {
    "binary": BINARY,
    "multiclass": MULTICLASS,
    "T of shape (N, 1)": {**BINARY, "T": BINARY["T"].reshape(-1, 1)},
    "T boolean": {**BINARY, "T": BINARY["T"].astype(bool)},
    "T a list": {**BINARY, "T": BINARY["T"].tolist()},
    "T integers": {**BINARY, "T": BINARY["T"].astype(int)},
    "one-hot rows": {**MULTICLASS, "T": np.eye(3)[[0, 2, 1]]},
    "one-hot booleans": {**MULTICLASS, "T": np.eye(3, dtype=bool)[[0, 2, 1]]},
    "float labels": {**MULTICLASS, "T": np.array([0.0, 2.0, 1.0])},
    "labels a list": {**MULTICLASS, "T": [0, 2, 1]},
    "X integers": {**BINARY, "X": np.array([[0, 1], [1, -1], [2, 0]])},
    "layer_sizes a tuple": {**BINARY, "layer_sizes": (2, 3, 1)},
    "layer_sizes an array": {**BINARY, "layer_sizes": np.array([2, 3, 1])},
    "lam an int": {**BINARY, "lam": 0},
    "lam a numpy float": {**BINARY, "lam": np.float64(0.1)},
    "lam a 0-d array": {**BINARY, "lam": np.array(0.1)},
}
# The base case each form means.
MEANS = {
    name: MULTICLASS if form["layer_sizes"][-1] == 3 else BINARY
    for name, form in VALID_FORMS.items()
}
MEANS["lam an int"] = {**BINARY, "lam": 0.0}
MEANS["X integers"] = {**BINARY, "X": np.array([[0.0, 1.0], [1.0, -1.0], [2.0, 0.0]])}


@pytest.mark.parametrize("form", VALID_FORMS)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_valid_forms_are_accepted_and_mean_the_same(entry: str, form: str) -> None:
    """Each accepted form gives, bit for bit, the base case's result; nothing is modified."""
    function, arguments = ENTRY_POINTS[entry], VALID_FORMS[form]
    before = copy.deepcopy(arguments)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = function(**arguments)
    expected = function(**MEANS[form])
    np.testing.assert_equal(result, expected, err_msg=f"{entry}: {form} vs its base case")
    J = result[0] if isinstance(result, tuple) else result
    assert isinstance(J, float)
    assert np.isfinite(J)
    assert J > 0.0
    changed = [name for name in arguments if not _unchanged(before[name], arguments[name])]
    assert not changed, f"{entry} modified the caller's {', '.join(changed)}"
