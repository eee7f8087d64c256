"""Course conventions: another course's interface, checked as it is (``--convention``).

The checks work in SPEC's terms: a canonical ``W``, inputs ``X``, binary
targets ``(N,)`` or one-hot rows ``(N, K)``, ``lam`` on ``sum_l ||W_l||^2``.
An :class:`Encoding` writes one such problem in a course's terms for the call,
and reads the gradient back, so that every check, tolerance and diagnosis
stays the same:

``spec``
    ``loss_and_grad(W, X, T, layer_sizes, lam)`` (SPEC section 5).
``ex4``
    Coursera Machine Learning's ``nnCostFunction(nn_params, input_layer_size,
    hidden_layer_size, num_labels, X, y, lambda_)``: one hidden layer of
    sigmoid units, ``num_labels`` independent sigmoid outputs whose binary
    cross-entropies are summed (``output="sigmoids"`` of the reference), and
    ``lambda_ / (2 m) * sum Theta^2`` without the bias column, so that
    ``lambda_ = 2 m lam``. ``Theta_l = [b_l | W_l^T]`` of shape
    ``(n_l, n_(l-1) + 1)``, unrolled row by row (``Theta.ravel()``, most Python
    ports) or column by column (Octave's ``Theta(:)``). ``y`` holds integer
    labels from 1 (Octave) or from 0 (some ports), of shape ``(m,)`` or
    ``(m, 1)``; with ``num_labels = 1`` the positive samples carry the first
    label and the others the label next to it (0 from 1, 1 from 0).
``cs231n``
    A class (``TwoLayerNet(input_size, hidden_size, output_size)``, or with
    ``hidden_dims`` a ``FullyConnectedNet``) whose ``params`` dict holds
    ``W1`` of shape ``(D, H)``, ``b1``, ``W2``, ``b2``, ..., and whose
    ``loss(X, y, reg)`` returns ``(loss, grads)``, ``grads`` a dict of the same
    keys: ReLU hidden units, a softmax output, integer labels from 0, and the
    penalty ``reg * sum W^2`` (``factor`` 1, ``reg = lam``) or ``0.5 * reg *
    sum W^2`` (``factor`` 0.5, ``reg = 2 lam``).

Which unrolling, labels and factor a file uses is found by
:func:`detect_encoding`, the way ``--layout auto`` finds a layout.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.diagnosis import (
    Observation,
    Problem,
    candidate_variants,
    explaining_from,
    observe,
)
from backprop_oracle.findings import Finding
from backprop_oracle.layouts import theta_indices

__all__ = [
    "CONVENTIONS",
    "DEFAULT_NAMES",
    "OUTPUTS",
    "Answer",
    "Encoding",
    "detect_encoding",
    "encodings",
    "labels",
    "theta_order",
]

Array = NDArray[np.float64]

CONVENTIONS = ("spec", "ex4", "cs231n")
#: The function (ex4) or class (cs231n) each convention calls when not told otherwise.
DEFAULT_NAMES = {"spec": "loss_and_grad", "ex4": "nnCostFunction", "cs231n": "TwoLayerNet"}
#: The reference's output for each convention (``manual_backprop``'s ``output=``).
OUTPUTS = {"spec": "auto", "ex4": "sigmoids", "cs231n": "auto"}
#: The call's argument names, for a "changed its argument" finding.
_ARGUMENTS = {
    "spec": {"W": "W", "X": "X", "T": "T"},
    "ex4": {"W": "nn_params", "X": "X", "T": "y"},
    "cs231n": {"W": "params", "X": "X", "T": "y"},
}
#: A reading whose loss is this close to the reference's, relatively, has the
#: forward pass right. Detection only ranks readings with it: another
#: unrolling, label base or penalty factor moves the loss by 1e-3 of it or far
#: more on the detection problems, while an eps inside the logs (the largest
#: students write, 1e-5) moves it by ~1e-5 of it there (see diagnosis.py's
#: LOG_EPSILONS), and rounding by ~1e-15.
FORWARD_RTOL = 1e-4
#: A reading matching the reference to this, loss and gradient, is the file's
#: (the diagnosis's MATCH_RTOL, for the same reasons).
MATCH_RTOL = 1e-8


@dataclass(frozen=True)
class Encoding:
    """How a canonical problem is written in a convention's terms.

    ``order`` (ex4): ``row`` for ``Theta.ravel()``, ``column`` for ``Theta(:)``;
    ``base`` (ex4): the first label, 1 or 0; ``column_labels`` (ex4): ``y`` of
    shape ``(m, 1)`` rather than ``(m,)``; ``factor`` (cs231n): the penalty is
    ``factor * reg * sum W^2``.
    """

    convention: str = "spec"
    order: str = "row"
    base: int = 1
    column_labels: bool = False
    factor: float = 1.0

    def describe(self) -> str:
        """In words, for the report."""
        if self.convention == "ex4":
            order = (
                "unrolled row by row (Theta.ravel())"
                if self.order == "row"
                else "unrolled column by column (Octave's Theta(:), order='F')"
            )
            shape = "(m, 1)" if self.column_labels else "(m,)"
            span = "1..K" if self.base == 1 else "0..K-1"
            return (
                f"Theta_l = [b_l | W_l^T] {order}; labels {span}, y of shape {shape}; "
                "lambda_ = 2 m lam. The report's W_l is Theta_l[:, 1:].T, its b_l "
                "Theta_l[:, 0]"
            )
        if self.convention == "cs231n":
            factor = "reg" if self.factor == 1.0 else "0.5 * reg"
            reg = "reg = lam" if self.factor == 1.0 else "reg = 2 lam"
            return f"params W1 (D, H), b1, ...; penalty {factor} * sum W^2, so {reg}"
        return "SPEC's contract"

    def as_dict(self) -> dict[str, object]:
        """The JSON form."""
        if self.convention == "ex4":
            return {
                "order": self.order,
                "label_base": self.base,
                "y_shape": "(m, 1)" if self.column_labels else "(m,)",
            }
        if self.convention == "cs231n":
            return {"penalty_factor": self.factor}
        return {}

    def argument(self, name: str) -> str:
        """The convention's name of the contract's argument ``W``, ``X`` or ``T``."""
        return _ARGUMENTS[self.convention].get(name, name)

    def request(
        self, W: Array, X: Array, T: Array, layer_sizes: Sequence[int], lam: float
    ) -> tuple[Array, Array, Array, float]:
        """``(W, X, labels, lam)`` as the call sends them (labels as floats)."""
        n = X.shape[0]
        if self.convention == "ex4":
            y = labels(T, self.base)
            if self.column_labels:
                y = y[:, np.newaxis]
            return W[theta_order(layer_sizes, self.order)], X, y, 2.0 * n * lam
        if self.convention == "cs231n":
            return W, X, labels(T, 0), lam / self.factor
        return W, X, T, lam

    def gradient(self, grad: Array, layer_sizes: Sequence[int]) -> Array:
        """A returned gradient, canonical."""
        if self.convention != "ex4":
            return grad
        canonical = np.empty_like(grad)
        canonical[theta_order(layer_sizes, self.order)] = grad
        return canonical


def labels(T: Array, base: int) -> Array:
    """Integer labels (as floats) of binary targets ``(N,)`` or one-hot rows ``(N, K)``.

    One-hot: the column of the 1, plus ``base``. Binary: ``base`` for a target
    of 1, the other of 0 and 1 for a target of 0, so that a file comparing
    ``y == base + k`` for ``k < K = 1`` reads the targets back.
    """
    if T.ndim == 2:
        return np.asarray(np.argmax(T, axis=1) + base, dtype=np.float64)
    return np.where(T == 1.0, float(base), float(1 - base)).astype(np.float64)


def theta_order(layer_sizes: Sequence[int], order: str) -> NDArray[np.intp]:
    """Canonical indices in the order of ex4's unrolled ``[Theta1; Theta2; ...]``, each
    ``Theta_l`` flattened row by row (``order`` ``row``) or column by column."""
    thetas = theta_indices(layer_sizes)
    if order == "row":
        return np.concatenate([t.ravel(order="C") for t in thetas])
    return np.concatenate([t.ravel(order="F") for t in thetas])


def encodings(convention: str, factor: float | None = None) -> list[Encoding]:
    """Every encoding of ``convention`` a file may use, in the order ties are broken.

    ``factor`` fixes CS231n's penalty factor (``--penalty-factor``).
    """
    if convention == "ex4":
        return [
            Encoding("ex4", order, base, column)
            for order, base, column in product(("row", "column"), (1, 0), (False, True))
        ]
    if convention == "cs231n":
        factors = (1.0, 0.5) if factor is None else (factor,)
        return [Encoding("cs231n", factor=f) for f in factors]
    return [Encoding()]


#: A call in one encoding: ``(W, X, T, layer_sizes, lam)``, canonical, to the
#: submission's finite ``(loss, grad)`` (canonical), or None.
Answer = Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None]


def detect_encoding(
    answer: Callable[[Encoding], Answer],
    candidates: Sequence[Encoding],
    problems: Sequence[Problem],
    activation: str,
    output: str,
) -> tuple[Encoding, Finding]:
    """The encoding a file uses, and a ``note`` saying which and how it fits.

    Each candidate puts ``problems`` to the file. The first that fits best wins:

    1. it matches the reference, loss and gradient, on every problem (to
       :data:`MATCH_RTOL`): a correct file;
    2. its loss matches on every problem (to :data:`FORWARD_RTOL`): the
       forward pass is right, the mistake is in the gradient;
    3. a known mistake reproduces its numbers (a single one of the
       diagnosis's, in the canonical layout the encoding gives);
    4. it answers the most problems, then comes closest to the reference's loss
       (a candidate answering none comes last).

    A single candidate (CS231n's factor given by ``--penalty-factor``) is
    taken as it is, and the note says so.
    """
    if len(candidates) == 1:
        given = candidates[0]
        message = f"{given.convention} convention, as given: {given.describe()}"
        return given, Finding("note", message, {"encoding": given.as_dict(), "fit": None})
    ranked = []
    for position, candidate in enumerate(candidates):
        seen = observe(answer(candidate), activation, problems=problems, output=output)
        ranked.append((_fit(seen, activation, output, len(problems)), position, candidate))
    (tier, *_), _, best = min(ranked, key=lambda item: (item[0], item[1]))
    how = {
        0: "the reference's numbers match in it",
        1: "the loss matches in it, the gradient does not",
        2: "a known mistake reproduces the numbers in it",
        3: "none fits exactly, it comes closest",
        4: "no reading got an answer, the first is assumed",
    }[tier]
    message = f"{best.convention} convention, found from the numbers ({how}): {best.describe()}"
    return best, Finding("note", message, {"encoding": best.as_dict(), "fit": tier})


def _fit(
    answered: Sequence[Observation], activation: str, output: str, asked: int
) -> tuple[int, float, float]:
    """``(tier, -answered, distance)`` of the observations of ``asked`` problems that were
    answered: smaller is better (see :func:`detect_encoding`)."""
    if not answered:
        return (4, 0.0, math.inf)
    loss_errors, gradient_errors = [], []
    for s in answered:
        loss, grad = mb.loss_and_grad(s.W, s.X, s.T, s.layer_sizes, s.lam, activation, output)
        loss_errors.append(abs(s.loss - loss) / max(abs(loss), 1e-300))
        gradient_errors.append(float(np.max(np.abs(s.grad - grad))) / s.scale)
    distance = max(loss_errors)
    if len(answered) == asked:
        if distance <= MATCH_RTOL and max(gradient_errors) <= MATCH_RTOL:
            return (0, 0.0, 0.0)
        if distance <= FORWARD_RTOL:
            return (1, 0.0, distance)
        singles = next(candidate_variants("canonical"))
        if explaining_from(singles, answered, "canonical", activation):
            return (2, 0.0, distance)
    return (3, -float(len(answered)), distance)
