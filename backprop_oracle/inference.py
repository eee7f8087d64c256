r"""Which problem a notebook's one-argument objective ``fun(W)`` answers.

A student's notebook defines ``fun(W) -> (loss, grad)`` closing over its own
data ``X``, targets ``t`` and ``lam``, and hands it to
``scipy.optimize.minimize(fun, W0, jac=True)``. The grader can call ``fun`` at
any ``W`` but cannot see which problem it answers. :func:`infer_problem` finds
out, from the notebook's arrays and scalars and six answers of ``fun``:

1. **data**: the candidate inputs ``X`` (2-D arrays, a column of ones stripped;
   2 or 3 arrays without labels of their own stacked as classes, as
   ``X = vstack([data1, data2])``);
2. **targets**: for each ``X``, the label arrays with as many rows, read as
   binary targets (either value = 1) or as one-hot rows (every class order);
3. **architecture**: the layer sizes whose parameter count is ``len(W)``
   (the notebook's own lists first, then none, one, or 2 to 6 equal hidden layers);
4. **answers**: ``fun`` at six random weight vectors (scaled so that the first
   reading's logits stay moderate);
5. **loss**: every reading ``H`` (data, targets, sizes, hidden activation,
   layout) is fitted to the answers ``f_i`` by least squares,

   .. math::

       f_i \approx s\,E_i(H) + a\,P_i + b\,B_i,

   where :math:`E_i` is the reference's data loss (``lam = 0``) at ``W_i`` read
   in ``H``'s layout, :math:`P_i = \sum_l \lVert W_l \rVert_F^2` and
   :math:`B_i = \sum_l \lVert b_l \rVert^2`. ``H`` is accepted when the fit is
   exact to rounding with ``s = 1`` (a mean) or ``s = N`` (a sum, the
   missing-mean mistake). The free ``a`` and ``b`` make the inference blind to
   the penalty's mistakes (biases penalised, a wrong factor, none at all),
   which the grader's diagnosis names afterwards; the gradient is not used.
   Readings are tried in order until one fits or a budget of samples read
   (:data:`SAMPLE_BUDGET`) is spent;
6. **lam**: the notebook's scalar that explains ``a`` (``a = lam`` for correct
   code; a known wrong factor is recognised), else ``a`` itself.

The first accepted reading in the order of preference wins: arrays ``fun``
reaches itself before globals (and among each, plain arrays before stacked
ones, in the notebook's order), the notebook's layer sizes first, the sigmoid
before ReLU before tanh, the canonical layout before ``weights-then-biases``
before ``ng``, and the encoding "higher value / last class = 1" first.
"""

import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, pairwise, permutations
from typing import Any

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.layouts import LAYOUTS, from_layout, layout_order

__all__ = ["Inferred", "NotInferred", "infer_problem"]

Array = NDArray[np.float64]
Sizes = tuple[int, ...]

# ---------------------------------------------------------------------------
# Constants, each with its reason
# ---------------------------------------------------------------------------

#: The hidden activations tried, in order of preference (the exercise's sigmoid first).
ACTIVATIONS = ("sigmoid", "relu", "tanh")
#: At most this many inputs: the exercise's points have 2; a flattened 8x8 image
#: has 64. A wider 2-D array is some other table (a weight matrix, a design matrix
#: of features) and only multiplies the readings.
MAX_INPUTS = 64
#: A label array with more distinct values than a digit classifier's ten is
#: data, not labels (a feature column, a loss history).
MAX_CLASSES = 10
#: Every order of the classes is tried up to 4 classes (4! = 24 orders); above
#: that only the sorted order, which is what every student's encoding uses.
MAX_PERMUTED_CLASSES = 4
#: Stacks are built from at most this many arrays of the same width (the first
#: in order of preference): C(6, 2) + C(6, 3) = 35 stacks at most. The exercise
#: has 2 (binary) or 3 (multiclass) class arrays.
STACK_POOL = 6
#: 2 to 6 equal hidden layers are tried: the exercise's deepest network has 4
#: and the oracle's problems at most 5.
MAX_EQUAL_HIDDEN = 6
#: Six answers: three coefficients (s, a, b) are fitted, the other three
#: equations check the fit. A wrong reading's loss differs by 2e-4 to 3e-2
#: (relative) at random weights, so each check alone rejects it by five orders of
#: magnitude or more; and each answer may be a sandboxed call, so a handful is
#: what one can afford.
N_DRAWS = 6
#: The weights are drawn uniform in [-0.5, 0.5]: with inputs of order 1 (the
#: exercise's points lie within |x| < 2) a first-layer pre-activation is a sum
#: of d + 1 terms of size <= 0.5 |x|, a few units, so sigmoid and tanh units are
#: neither saturated (which would make the activations hard to tell apart) nor
#: linear; a sigmoid or tanh network's logits are bounded by 0.5 (n_{L-1} + 1).
DRAW_SCALE = 0.5
#: If some reading's logits still exceed 10 in size (inputs of order 100, a
#: deep ReLU network), the draws are scaled down by 10 / that size (exact without a
#: hidden layer, about right or more with ReLU hidden layers): a student's
#: textbook loss ``-log(1 - sigmoid(a))`` loses e^|a| * 1.1e-16 of absolute
#: accuracy, 2.4e-12 at |a| = 10 (far below FIT_RTOL), but 1e-3 at |a| = 30
#: (and log(0) = -inf at |a| > 37), which would reject correct code.
LOGIT_CAP = 10.0
#: A reading fits when the least-squares residual is at most 1e-9 of
#: max(1, max_i |f_i|). A correct loss errs by ~1e-15 of itself (a mean of N
#: positive terms, ~N eps in a Python loop: 400 * 2.2e-16 ~ 1e-13 at worst;
#: the textbook formula adds ~2.4e-12 at LOGIT_CAP), so this leaves a margin of
#: >= 400 for correct code (measured: 5e-17 to 3e-16), while a wrong reading of
#: the data, the targets, the layout or the activation leaves a residual of 2e-4
#: (measured, the closest: a 2-10-10-10-10-1 sigmoid network, whose output stays
#: near 1/2, with its targets flipped) to 3e-2: five orders of magnitude above.
#: (A loss computed in float32, ~1e-7, is not accepted: the grader's own
#: LOSS_RTOL, 1e-11, would fail it anyway.)
FIT_RTOL = 1e-9
#: Readings are fitted until their samples add up to this many. A reading of the
#: exercise's 400 points costs ~0.3 ms (six losses and the fit; the forward passes
#: are shared between targets and cached), so the budget, 2500 such readings,
#: keeps the worst case (nothing fits, everything is tried) near a second, and
#: bounds it too where the notebook holds a large array (a 10^4-point plotting
#: grid beside its predicted classes). A notebook of the exercise needs fewer than
#: 100 readings (2 encodings x 1 or 2 architectures x 3 activations x 3 layouts).
SAMPLE_BUDGET = 1_000_000
#: How the names of a penalty strength begin, in order of preference (compared with
#: the start of the last dotted component, lower-cased: lam, lam2, lambda_, lmbda,
#: reg_strength...). The first three can mean nothing else; reg, l2, alpha and beta
#: often name a regression, a learning rate or a momentum.
STRONG_LAM_NAMES = ("lam", "lmb", "lmd")
LAM_NAMES = (*STRONG_LAM_NAMES, "reg", "l2", "penal", "alpha", "beta")


# ---------------------------------------------------------------------------
# Public results
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: X and T are arrays, compared field by field
class Inferred:
    """The problem ``fun`` answers, ready for the reference.

    Attributes
    ----------
    X : ndarray, shape (N, d)
        The network's inputs (a column of ones stripped), float64.
    T : ndarray, shape (N,) or (N, K)
        Binary 0/1 targets, or one-hot rows for K >= 2 outputs.
    layer_sizes : list of int
        ``[n_0, ..., n_L]`` with ``n_0 = d`` and ``n_L = 1`` or ``K``.
    lam : float
        The penalty strength the reference is to use.
    activation : {"sigmoid", "relu", "tanh"}
        The hidden activation.
    layout : str
        How ``fun`` reads its ``W``, one of :data:`~backprop_oracle.layouts.LAYOUTS`.
    data : str
        Where ``X`` came from: ``"X"``, ``"fun.X"``, ``"data1, data2 stacked"``.
    target : str
        How ``T`` was made: ``"t as given"``, ``"class 2 = 1"``,
        ``"one-hot of y's labels 0, 1, 2"``.
    lam_source : str
        Where ``lam`` came from: ``"the notebook's lam"``, ``"fitted to the loss: ..."``.
    ones_column : {"", "first", "last"}
        Where the notebook's array had a column of ones (a bias folded into the inputs).
    part : {"ex1", "bonus-relu", "ex2", "ex3"}
        The exercise's part this network belongs to.
    """

    X: Array = field(repr=False)  # shown by as_dict's shapes; a repr of 400 rows helps nobody
    T: Array = field(repr=False)
    layer_sizes: list[int]
    lam: float
    activation: str
    layout: str
    data: str
    target: str
    lam_source: str
    ones_column: str
    part: str

    def describe(self) -> str:
        """One line for a teacher, e.g. ``2-4-1 sigmoid, lam = 0.01 (the notebook's lam), ...``."""
        return (
            f"{_network(self.layer_sizes, self.activation)}, "
            f"lam = {self.lam:g} ({self.lam_source}), {self.target}, {self.layout} layout; "
            f"inputs {_inputs(self.data, self.ones_column)}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Every field but ``X`` and ``T`` (their shapes instead), JSON-able."""
        return {
            "X_shape": list(self.X.shape),
            "T_shape": list(self.T.shape),
            "layer_sizes": list(self.layer_sizes),
            "lam": self.lam,
            "activation": self.activation,
            "layout": self.layout,
            "data": self.data,
            "target": self.target,
            "lam_source": self.lam_source,
            "ones_column": self.ones_column,
            "part": self.part,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class NotInferred:
    """Why no problem could be inferred.

    Attributes
    ----------
    step : {"answers", "data", "targets", "architecture", "loss"}
        The step of :func:`infer_problem` that found nothing.
    reason : str
        A full sentence a teacher understands, naming what was tried.
    """

    step: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """``step`` and ``reason``, JSON-able."""
        return {"step": self.step, "reason": self.reason}


# ---------------------------------------------------------------------------
# Candidates: data, targets, architectures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Named:
    """A notebook array, in order of preference; ``index`` is its place in the notebook."""

    name: str
    array: Array
    index: int
    own: bool


@dataclass(frozen=True, eq=False)
class _Data:
    """A candidate for ``X``; stacked arrays carry their class of each row."""

    X: Array
    name: str
    ones_column: str = ""
    source: str = ""  # the array's own name (a label array never comes from it)
    classes: NDArray[np.intp] | None = None


@dataclass(frozen=True, eq=False)
class _Target:
    """A candidate for ``T``: (N,) 0/1 for one output, (N, K) one-hot for K."""

    T: Array
    outputs: int
    text: str


@dataclass(frozen=True, eq=False)
class _Reading:
    """A hypothesis: the problem ``fun`` might answer."""

    data_index: int
    data: _Data
    target: _Target
    sizes: Sizes
    activation: str
    layout: str

    def describe(self) -> str:
        return (
            f"{_network(self.sizes, self.activation)}, {self.target.text}, "
            f"{self.layout} layout, inputs {_inputs(self.data.name, self.data.ones_column)}"
        )


def _network(sizes: Sequence[int], activation: str) -> str:
    return "-".join(str(size) for size in sizes) + f" {activation}"


def _inputs(data: str, ones_column: str) -> str:
    if ones_column:
        return f"{data} without its {ones_column} column of ones"
    return data


def _variable(name: str) -> str:
    """The variable a name stands for: ``fun.lam`` -> ``lam``."""
    return name.rsplit(".", 1)[-1]


def _in_order(arrays: Mapping[str, Array], own: Collection[str]) -> list[_Named]:
    """The arrays ``fun`` reaches first, then the rest, each in notebook order; duplicates dropped.

    One array often has two names (the closure cell ``fun.X`` and the global
    ``X``): it is kept once, under its preferred name.
    """
    named = [
        _Named(name, np.asarray(array, dtype=np.float64), index, name in own)
        for index, (name, array) in enumerate(arrays.items())
    ]
    kept: list[_Named] = []
    for item in sorted(named, key=lambda item: (not item.own, item.index)):
        if not any(
            item.array.shape == other.array.shape and np.array_equal(item.array, other.array)
            for other in kept
        ):
            kept.append(item)
    return kept


def _inputs_like(array: Array, min_rows: int) -> bool:
    return (
        array.ndim == 2
        and array.shape[0] >= min_rows
        and 1 <= array.shape[1] <= MAX_INPUTS
        and bool(np.all(np.isfinite(array)))
    )


def _data_candidates(named: list[_Named]) -> list[_Data]:
    """Candidate inputs, best first: own arrays, own stacks, other arrays, other stacks."""
    direct: list[tuple[bool, _Data]] = []
    for item in named:
        if not _inputs_like(item.array, 2):
            continue
        X = item.array
        for side, column in (("first", 0), ("last", -1)):
            if X.shape[1] >= 2 and np.all(X[:, column] == 1.0):
                rest = np.delete(X, column, axis=1)
                direct.append((item.own, _Data(rest, item.name, side, item.name)))
        # The array as it is, after any stripped reading: a column of ones may also be
        # a real input when fun adds biases of its own.
        direct.append((item.own, _Data(X, item.name, "", item.name)))
    stacks: list[tuple[bool, _Data]] = []
    by_width: dict[int, list[_Named]] = {}
    for item in named:
        # An array that has labels of its own (X beside t, a grid beside its predictions)
        # is a data set, not one class of one: only the others are stacked.
        if _inputs_like(item.array, 1) and not _has_labels(item, named):
            by_width.setdefault(item.array.shape[1], []).append(item)
    for pool in by_width.values():
        for count in (2, 3):  # a binary exercise has two classes, the multiclass one three
            for members in combinations(pool[:STACK_POOL], count):
                parts = sorted(members, key=lambda item: item.index)  # the notebook's order
                X = np.vstack([item.array for item in parts])
                classes = np.concatenate(
                    [np.full(len(item.array), k, dtype=np.intp) for k, item in enumerate(parts)]
                )
                name = ", ".join(item.name for item in parts) + " stacked"
                stacks.append((all(item.own for item in parts), _Data(X, name, classes=classes)))
    ordered = [d for own, d in direct if own] + [d for own, d in stacks if own]
    return ordered + [d for own, d in direct if not own] + [d for own, d in stacks if not own]


def _has_labels(item: _Named, named: list[_Named]) -> bool:
    """Whether another array of the notebook reads as labels of ``item``'s rows."""
    return any(other is not item and _label_targets(other, item.array.shape[0]) for other in named)


def _encodings(
    labels: Array, values: Array, binary: tuple[str, str], name: str, spelled: Sequence[str]
) -> list[_Target]:
    """Binary and one-hot readings of ``labels``, whose sorted distinct values are ``values``.

    ``binary`` names the two binary readings (``values[1]`` = 1 first: the
    higher value, the last class); ``spelled[k]`` is how a one-hot text names
    ``values[k]``, and ``name`` what it calls the labels.
    """
    K = len(values)
    targets = []
    if K == 2:
        for k, text in zip((1, 0), binary, strict=True):
            targets.append(_Target((labels == values[k]).astype(np.float64), 1, text))
    for order in _orders(K):
        T = (labels[:, np.newaxis] == values[list(order)][np.newaxis, :]).astype(np.float64)
        text = f"one-hot of {name} {', '.join(spelled[k] for k in order)}"
        targets.append(_Target(T, K, text))
    return targets


def _orders(K: int) -> Iterator[tuple[int, ...]]:
    """The orders of K classes tried: all of them up to MAX_PERMUTED_CLASSES, the sorted first."""
    if K <= MAX_PERMUTED_CLASSES:
        return permutations(range(K))
    return iter([tuple(range(K))])


def _label_targets(item: _Named, N: int) -> list[_Target]:
    """The target readings of one notebook array with N rows (none if it holds no labels)."""
    array = item.array
    if array.shape[:1] != (N,) or array.ndim > 2 or not np.all(np.isfinite(array)):
        return []
    name = item.name
    if array.ndim == 2 and array.shape[1] >= 2:  # one-hot rows, taken as given
        K = array.shape[1]
        is_one_hot = np.all((array == 0.0) | (array == 1.0)) and np.all(array.sum(axis=1) == 1.0)
        if not is_one_hot or K > MAX_CLASSES:
            return []
        targets = []
        if K == 2:
            for k in (1, 0):
                targets.append(_Target(array[:, k].copy(), 1, f"{name}[:, {k}]"))
        for order in _orders(K):
            if order == tuple(range(K)):
                text = f"{name} as given"
            else:
                text = f"{name}'s columns {', '.join(str(k) for k in order)}"
            targets.append(_Target(array[:, list(order)].copy(), K, text))
        return targets
    labels = array.reshape(N)
    values = np.unique(labels)
    if not 2 <= len(values) <= MAX_CLASSES:
        return []
    spelled = [f"{v:g}" for v in values]
    if len(values) == 2 and values[0] == 0.0 and values[1] == 1.0:
        binary = (f"{name} as given", f"1 - {name}")
    else:
        binary = (f"{name} == {spelled[-1]} as 1", f"{name} == {spelled[0]} as 1")
    return _encodings(labels, values, binary, f"{name}'s labels", spelled)


def _targets(data: _Data, named: list[_Named]) -> list[_Target]:
    """Every target reading for the candidate inputs ``data``, best first."""
    if data.classes is not None:  # stacked classes: the index of a row's array is its label
        k = int(data.classes.max()) + 1
        return _encodings(
            data.classes.astype(np.float64),
            np.arange(k, dtype=np.float64),
            ("class 2 = 1", "class 1 = 1"),
            "classes",
            [str(c + 1) for c in range(k)],
        )
    targets = []
    for item in named:
        if item.name != data.source:
            targets.extend(_label_targets(item, data.X.shape[0]))
    return targets


def _architectures(d: int, K: int, n: int, hints: Sequence[Sequence[int]]) -> list[Sizes]:
    """Layer sizes from d inputs to K outputs with n parameters, the notebook's own first."""
    found: list[Sizes] = []

    def keep(sizes: Sizes) -> None:
        if all(size >= 1 for size in sizes) and _n_params(sizes) == n and sizes not in found:
            found.append(sizes)

    for hint in hints:
        sizes = tuple(int(size) for size in hint)
        if len(sizes) >= 2 and sizes[0] == d and sizes[-1] == K:
            keep(sizes)
    keep((d, K))  # no hidden layer: (d + 1) K
    if (n - K) % (d + 1 + K) == 0:  # one hidden layer of h: (d + 1) h + (h + 1) K
        keep((d, (n - K) // (d + 1 + K), K))
    for hidden in range(2, MAX_EQUAL_HIDDEN + 1):
        # (d + 1) h + (hidden - 1)(h + 1) h + (h + 1) K = n:
        # (hidden - 1) h^2 + (d + hidden + K) h + K - n = 0, its positive root
        qa, qb, qc = hidden - 1, d + hidden + K, K - n
        root = (-qb + math.sqrt(max(qb * qb - 4 * qa * qc, 0))) / (2 * qa)
        for h in sorted({math.floor(root), math.ceil(root)}):
            keep((d, *([h] * hidden), K))
    return found


def _n_params(sizes: Sizes) -> int:
    return sum((n_in + 1) * n_out for n_in, n_out in pairwise(sizes))


def _tried_architectures(d: int, K: int, hints: Sequence[Sequence[int]]) -> str:
    fitting_hints = [list(h) for h in hints if len(h) >= 2 and h[0] == d and h[-1] == K]
    said = [f"the notebook's {hint}" for hint in fitting_hints]
    said.append(f"no hidden layer ({(d + 1) * K})")
    said.append(f"one hidden layer of h units ({d + 1 + K} h + {K})")
    said.append(f"2 to {MAX_EQUAL_HIDDEN} equal hidden layers")
    return ", ".join(said)


# ---------------------------------------------------------------------------
# Evaluations and the fit
# ---------------------------------------------------------------------------


class _Evaluator:
    """The reference's numbers at the draws, cached per forward pass and per layout."""

    def __init__(self, draws: Array) -> None:
        self.draws = draws
        self._logits: dict[tuple[int, Sizes, str, str], list[Array] | None] = {}
        self._penalties: dict[tuple[Sizes, str], tuple[Array, Array]] = {}

    def logits(self, reading: _Reading) -> list[Array] | None:
        """``A_L`` at every draw read in ``reading``'s layout; None where one is not finite."""
        key = (reading.data_index, reading.sizes, reading.activation, reading.layout)
        if key not in self._logits:
            self._logits[key] = _logits(
                self.draws, reading.data.X, reading.sizes, reading.activation, reading.layout
            )
        return self._logits[key]

    def penalties(self, sizes: Sizes, layout: str) -> tuple[Array, Array]:
        """``P_i`` (squared weights) and ``B_i`` (squared biases) of every draw."""
        key = (sizes, layout)
        if key not in self._penalties:
            weights = _weight_mask(sizes)[layout_order(sizes, layout)]  # in the layout's order
            squares = self.draws**2
            self._penalties[key] = (squares[:, weights].sum(axis=1), squares[:, ~weights].sum(1))
        return self._penalties[key]

    def data_losses(self, reading: _Reading) -> Array | None:
        """``E_i``: the reference's mean cross-entropy at every draw (lam = 0)."""
        logits = self.logits(reading)
        if logits is None:
            return None
        T = reading.target.T
        if reading.target.outputs == 1:
            E = [mb.binary_cross_entropy(A[:, 0], T) for A in logits]
        else:
            E = [mb.softmax_cross_entropy(A, T) for A in logits]
        result = np.array(E)
        return result if np.all(np.isfinite(result)) else None


def _logits(
    draws: Array, X: Array, sizes: Sizes, activation: str, layout: str
) -> list[Array] | None:
    logits = []
    for W in draws:
        try:
            A = mb.forward(from_layout(W, sizes, layout), X, list(sizes), activation)
        except ValueError:  # the forward pass overflowed: not a reading to fit
            return None
        logits.append(A)
    return logits


def _weight_mask(sizes: Sizes) -> NDArray[np.bool_]:
    """True at the canonical vector's weights, False at its biases."""
    blocks = []
    for n_in, n_out in pairwise(sizes):
        blocks.append(np.ones(n_in * n_out, dtype=bool))
        blocks.append(np.zeros(n_out, dtype=bool))
    return np.concatenate(blocks)


@dataclass(frozen=True)
class _Fit:
    """``f ~ s E + a P + b B`` and its largest residual relative to max(1, max |f|)."""

    s: float
    a: float
    b: float
    residual: float


def _fit(f: Array, E: Array, P: Array, B: Array, N: int) -> _Fit:
    """The better of the mean (s = 1) and the sum (s = N), with the penalty's a and b free."""
    scale = max(1.0, float(np.max(np.abs(f))))
    penalties = np.column_stack([P, B])
    best: _Fit | None = None
    for s in dict.fromkeys((1.0, float(N))):
        y = f - s * E
        (a, b), *_ = np.linalg.lstsq(penalties, y, rcond=None)
        residual = float(np.max(np.abs(y - penalties @ np.array([a, b])))) / scale
        if best is None or residual < best.residual:
            best = _Fit(s, float(a), float(b), residual)
    assert best is not None  # the loop ran at least once
    return best


def _fits_with(f: Array, E: Array, P: Array, B: Array, s: float, a: float) -> bool:
    """Whether the answers fit with the weights' coefficient fixed at ``a`` (b still free)."""
    scale = max(1.0, float(np.max(np.abs(f))))
    y = f - s * E - a * P
    b = float(B @ y) / float(B @ B)
    return float(np.max(np.abs(y - b * B))) <= FIT_RTOL * scale


# ---------------------------------------------------------------------------
# lam
# ---------------------------------------------------------------------------


def _lam(
    fits: Callable[[float], bool],
    a: float,
    N: int,
    scalars: Mapping[str, float],
    own: Collection[str],
) -> tuple[float, str]:
    """The penalty strength and where it came from.

    ``fits(x)`` says whether the answers fit with the weights' penalty
    coefficient fixed at ``x``: a notebook scalar ``value`` is taken when
    ``fits(c * value)`` for c = 1, or for a mistaken factor c (the grader's
    diagnosis then names the mistake).
    """
    items = [
        (name, float(value), index, name in own)
        for index, (name, value) in enumerate(scalars.items())
        if math.isfinite(float(value))
    ]
    lam_like = sorted(
        (item for item in items if _lam_rank(item[0]) is not None),
        key=lambda item: (not item[3], _lam_rank(item[0]), item[2]),
    )
    # 1. a name fun reaches (lam-like first), then a lam-like global: its value as it is
    own_first = [i for i in lam_like if i[3]] + [
        i for i in sorted(items, key=lambda item: item[2]) if i[3] and _lam_rank(i[0]) is None
    ]
    for name, value, _, _ in own_first + [i for i in lam_like if not i[3]]:
        if fits(value):
            return value, f"the notebook's {name}"
    # 2. a lam-like name with a known wrong factor (a name is better evidence than a value)
    for name, value, _, is_own in lam_like:
        if value == 0.0:
            continue
        factors = {"/2": 0.5, "2*": 2.0, "/N": 1 / N, "/(2N)": 1 / (2 * N), "no": 0.0, "-": -1.0}
        for how, c in factors.items():
            # No penalty at all is blamed only on a name fun reaches, or on one that can
            # mean nothing but lam: alpha or beta unused by fun is most likely a step size.
            if how == "no" and not (is_own or _strong(name)):
                continue
            if fits(c * value):
                return value, f"the notebook's {name}; " + _penalty_text(how, name)
    # 3. any other positive scalar, its value as it is
    for name, value, _, _ in sorted(items, key=lambda item: (not item[3], item[2])):
        if value > 0.0 and _lam_rank(name) is None and fits(value):
            return value, f"the notebook's {name}"
    # 4. the fitted coefficient itself, as the shortest decimal the answers cannot tell from it
    source = "fitted to the loss: no name in the notebook fits"
    if fits(0.0):
        return 0.0, source
    for digits in range(1, 18):
        x = float(f"{a:.{digits}g}")
        if fits(x):
            break
    else:
        x = a
    if x < 0.0:
        return 0.0, (
            f"fitted to the loss, whose weight penalty has a negative coefficient, {x:g}: "
            "no name in the notebook fits"
        )
    return x, source


def _lam_rank(name: str) -> int | None:
    """How surely a variable's name means lam (0 surest), or None: a name starting with
    one of :data:`LAM_NAMES` (``lam``, ``lam2``, ``lambda_3``, ``reg_strength``...)."""
    variable = _variable(name).lower()
    return next((k for k, word in enumerate(LAM_NAMES) if variable.startswith(word)), None)


def _strong(name: str) -> bool:
    """Whether a name can mean nothing but lam (``lam``, ``lambda_``, ``lam2``...)."""
    return _variable(name).lower().startswith(STRONG_LAM_NAMES)


def _penalty_text(how: str, name: str) -> str:
    if how == "no":
        return "the loss has no weight penalty"
    spelled = {"/2": f"{name}/2", "2*": f"2*{name}", "/N": f"{name}/N", "/(2N)": f"{name}/(2N)"}
    return f"the loss penalises the weights with {spelled.get(how, '-' + name)}"


def _classes(X: Array, T: Array, arrays: Mapping[str, Array]) -> str:
    """Which of the notebook's point sets each target class is, when the notebook has
    them apart: ": 1 for data2's points", ": data1, data2, data3 are classes 1, 2, 3"."""
    columns = T[:, None] if T.ndim == 1 else T
    named = []
    for k in range(columns.shape[1]):
        rows = X[columns[:, k] == 1]
        name = next(
            (
                n
                for n, a in arrays.items()
                if a.ndim == 2 and a.shape == rows.shape and a.shape != X.shape
                and np.array_equal(a, rows)
            ),
            None,
        )  # fmt: skip
        if name is None:
            return ""
        named.append(name)
    if T.ndim == 1:
        return f": 1 for {named[0]}'s points"
    numbers = ", ".join(str(k + 1) for k in range(len(named)))
    return f": {', '.join(named)} are classes {numbers}"


def _part(sizes: Sizes, activation: str) -> str:
    if sizes[-1] >= 2:
        return "ex3"
    if len(sizes) >= 4:  # two or more hidden layers
        return "ex2"
    if len(sizes) == 3 and activation == "relu":
        return "bonus-relu"
    return "ex1"


# ---------------------------------------------------------------------------
# The inference
# ---------------------------------------------------------------------------


def _readings(problems: list[tuple[int, _Data, _Target, list[Sizes]]]) -> Iterator[_Reading]:
    """Every reading, in order of preference (the first that fits wins)."""
    for data_index, data, target, architectures in problems:
        for sizes in architectures:
            # Without a hidden layer the activation is never used: one reading, not three.
            activations = ACTIVATIONS if len(sizes) > 2 else ACTIVATIONS[:1]
            orders: list[NDArray[np.intp]] = []
            layouts = []
            for layout in LAYOUTS:  # a layout equal to an earlier one (no hidden layer) is skipped
                order = layout_order(sizes, layout)
                if not any(np.array_equal(order, other) for other in orders):
                    orders.append(order)
                    layouts.append(layout)
            for activation in activations:
                for layout in layouts:
                    yield _Reading(data_index, data, target, sizes, activation, layout)


def _draws(n: int, seed: int, first: tuple[Array, Sizes]) -> Array:
    """N_DRAWS weight vectors, uniform in [-DRAW_SCALE, DRAW_SCALE], scaled down to LOGIT_CAP.

    The scale is set by the first reading's data and layer sizes (with every
    activation): the most likely one. Scaling for the largest logits of every
    candidate instead would let an unrelated array of large numbers shrink the
    weights until the readings of the true data hardly differ.
    """
    draws = np.random.default_rng(seed).uniform(-DRAW_SCALE, DRAW_SCALE, size=(N_DRAWS, n))
    X, sizes = first
    largest = 0.0
    for activation in ACTIVATIONS:
        logits = _logits(draws, X, sizes, activation, "canonical")
        if logits is None:  # overflowed: scale down by a thousand, as for |logits| ~ 1e4
            largest = 1e3 * LOGIT_CAP
            break
        largest = max([largest, *(float(np.max(np.abs(A))) for A in logits)])
    if largest > LOGIT_CAP:
        # Scaling every parameter by c scales the logits of a network without a hidden
        # layer by c exactly, a ReLU network's by about c^L, a sigmoid network's by
        # about c or less.
        draws = draws * (LOGIT_CAP / largest)
    return draws


def _shapes(named: list[_Named]) -> str:
    if not named:
        return "the notebook has no numeric arrays"
    shown = ", ".join(f"{item.name} {item.array.shape}" for item in named[:12])
    more = f" and {len(named) - 12} more" if len(named) > 12 else ""
    return f"the notebook's arrays are {shown}{more}"


def infer_problem(
    call: Callable[[Array], tuple[float, Array] | None],
    n: int,
    arrays: Mapping[str, Array],
    scalars: Mapping[str, float],
    hints: Sequence[Sequence[int]] = (),
    own: Collection[str] = (),
    seed: int = 0,
) -> Inferred | NotInferred:
    """Infer the problem a notebook's one-argument objective answers.

    Parameters
    ----------
    call : callable
        ``call(W) -> (loss, grad)``: ``fun`` at ``W`` of shape (n,), in ``fun``'s
        own layout; None where it raised, or returned a non-finite or wrongly
        shaped answer.
    n : int
        ``len(W)``, the number of parameters ``fun`` takes.
    arrays : mapping of str to ndarray
        The notebook's numeric arrays (1-D or 2-D, float64), by name: globals
        (``X``, ``t``, ``data1``) or what ``fun`` reaches (``fun.X``, a closure
        cell or default; ``partial.t``, a ``functools.partial`` keyword), in the
        notebook's order.
    scalars : mapping of str to float
        The notebook's real scalars by name (candidates for ``lam``).
    hints : sequence of sequence of int
        Layer-size lists found in the notebook, tried first.
    own : collection of str
        The names in ``arrays`` and ``scalars`` that ``fun`` itself reaches:
        preferred to the others.
    seed : int
        Seed of the random weight vectors ``fun`` is called at.

    Returns
    -------
    Inferred or NotInferred
        The first reading (in the module docstring's order of preference) that
        explains ``fun``'s loss, or the step at which the inference stopped and why.
    """
    named = _in_order(arrays, own)
    candidates = _data_candidates(named)
    if not candidates:
        return NotInferred(
            "data",
            "No array of the notebook can be the network's inputs: a finite 2-D array with at "
            f"least 2 rows and 1 to {MAX_INPUTS} columns (or 2 or 3 such arrays to stack as "
            f"classes) was looked for, and {_shapes(named)}.",
        )
    with_targets = [(data, _targets(data, named)) for data in candidates]
    if not any(targets for _, targets in with_targets):
        rows = sorted({data.X.shape[0] for data in candidates})
        return NotInferred(
            "targets",
            "No array of the notebook can be the targets: for inputs with "
            f"{' or '.join(str(r) for r in rows)} rows, an array with as many rows holding 2 "
            f"to {MAX_CLASSES} distinct values, or one-hot rows, was looked for, and "
            f"{_shapes(named)}.",
        )
    problems: list[tuple[int, _Data, _Target, list[Sizes]]] = []
    shapes_tried: dict[tuple[int, int], None] = {}
    for data_index, (data, targets) in enumerate(with_targets):
        for target in targets:
            d = data.X.shape[1]
            shapes_tried[(d, target.outputs)] = None
            architectures = _architectures(d, target.outputs, n, hints)
            if architectures:
                problems.append((data_index, data, target, architectures))
    if not problems:
        tried = "; ".join(
            f"{d} input{'s' if d > 1 else ''} and {K} output{'s' if K > 1 else ''}: "
            + _tried_architectures(d, K, hints)
            for d, K in shapes_tried
        )
        return NotInferred(
            "architecture",
            f"fun takes {n} parameters; no network with the notebook's inputs and targets has "
            f"that many (tried {tried}).",
        )

    draws = _draws(n, seed, (problems[0][1].X, problems[0][3][0]))
    answers = [call(W.copy()) for W in draws]
    missing = sum(answer is None or not math.isfinite(answer[0]) for answer in answers)
    if missing:
        return NotInferred(
            "answers",
            f"fun gave no usable answer (it raised, or returned a non-finite or wrongly shaped "
            f"value) at {missing} of {N_DRAWS} random weight vectors of length {n}, so its loss "
            "could not be compared with any problem.",
        )
    f = np.array([float(answer[0]) for answer in answers if answer is not None])

    evaluator = _Evaluator(draws)
    tried_count, samples, capped = 0, 0, False
    closest: tuple[float, str] = (math.inf, "")
    for reading in _readings(problems):
        samples += reading.data.X.shape[0]
        if samples > SAMPLE_BUDGET:
            capped = True
            break
        tried_count += 1
        E = evaluator.data_losses(reading)
        if E is None:
            continue
        P, B = evaluator.penalties(reading.sizes, reading.layout)
        N = reading.data.X.shape[0]
        fit = _fit(f, E, P, B, N)
        if fit.residual > FIT_RTOL:
            closest = min(closest, (fit.residual, reading.describe()))
            continue
        lam, lam_source = _lam(partial(_fits_with, f, E, P, B, fit.s), fit.a, N, scalars, own)
        return Inferred(
            X=reading.data.X,
            T=reading.target.T,
            layer_sizes=list(reading.sizes),
            lam=lam,
            activation=reading.activation,
            layout=reading.layout,
            data=reading.data.name,
            target=reading.target.text
            + (
                ""
                if reading.data.classes is not None
                else _classes(reading.data.X, reading.target.T, arrays)
            ),
            lam_source=lam_source,
            ones_column=reading.data.ones_column,
            part=_part(reading.sizes, reading.activation),
        )
    how_many = (
        f"the first {tried_count} readings of the notebook tried (more would have read over "
        f"{SAMPLE_BUDGET:,} samples)"
        if capped
        else f"all {tried_count} readings of the notebook tried"
    )
    near = (
        f"; the closest, {closest[1]}, is off by {closest[0]:.1e} of the loss" if closest[1] else ""
    )
    return NotInferred(
        "loss",
        f"fun's loss matches none of {how_many} (inputs, targets, layer sizes, hidden "
        f"activation sigmoid, relu or tanh, layout {', '.join(LAYOUTS)}; each as a mean or a "
        "sum of the cross-entropy plus any penalty on the weights and the biases)"
        f"{near} (a match is within {FIT_RTOL:.0e}).",
    )
