"""Problems for K independent sigmoid outputs (``output="sigmoids"``), and their yardsticks.

Coursera ML ex4's output layer takes any (N, K) matrix of 0/1 targets: one-hot rows as
in ex4 itself, but also rows with several units on, or none. The oracle's strategy
(:func:`backprop_oracle.problems.problems`) draws targets in SPEC section 4's forms
only (one-hot rows or labels when K >= 2), so :func:`sigmoid_problems` draws
everything else from it (architecture, activation, weights at every scale, data,
``lam``: the grader's own search space) and then draws its targets here.

The two yardsticks of ``manual_backprop.gradcheck`` (the size of the terms summed
into the gradient, the rounding of one loss evaluation) take ``P`` to be the softmax
when K >= 2, and refuse targets whose rows do not sum to 1; their twins here take
``P = sigma(A_L)`` entry by entry, and are otherwise the same formulas.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

from backprop_oracle.problems import Problem, architectures, problems
from manual_backprop.gradcheck import gradient_scale, loss_rounding
from property_tests.compilations import every_target_form

__all__ = [
    "BINARY_ONLY_FORMS",
    "SIGMOID_TARGET_FORMS",
    "every_sigmoid_target_form",
    "sigmoid_problems",
    "sigmoid_targets",
    "sigmoids_arguments",
    "sigmoids_gradient_scale",
    "sigmoids_loss_rounding",
    "target_matrix",
]

Array = NDArray[np.float64]

# Forms of an (N, K) target matrix: 0/1 entries with a random density (several units on
# in a row, or none; all of them when the density is 0.9 and K small), ex4's one-hot rows,
# the same 0/1 matrix as bools and as ints (converted by the checks), and entries
# anywhere in [0, 1] (soft targets, which the loss and its delta accept as the binary
# output does).
SIGMOID_TARGET_FORMS = ("0/1 matrix", "one-hot", "bools", "ints", "soft")
# For K = 1 only: the binary network's targets of shape (N,).
BINARY_ONLY_FORMS = ("vector",)


def _target_forms(n_outputs: int) -> tuple[str, ...]:
    """The target forms of ``n_outputs`` sigmoid units."""
    return SIGMOID_TARGET_FORMS + (BINARY_ONLY_FORMS if n_outputs == 1 else ())


def sigmoid_targets(rng: np.random.Generator, form: str, n_samples: int, n_outputs: int) -> Any:
    """Targets for ``n_samples`` samples and ``n_outputs`` sigmoid units, in ``form``."""
    shape = (n_samples, n_outputs)
    density = rng.choice([0.1, 0.5, 0.9])
    zero_one = rng.random(shape) < density
    if form == "0/1 matrix":
        return zero_one.astype(np.float64)
    if form == "one-hot":
        return np.eye(n_outputs)[rng.integers(0, n_outputs, size=n_samples)]
    if form == "bools":
        return zero_one
    if form == "ints":
        return zero_one.astype(np.int64)
    if form == "soft":
        return rng.random(shape)
    if form == "vector":
        return zero_one[:, 0].astype(np.float64)
    raise ValueError(f"unknown target form {form!r}")


@st.composite
def sigmoid_problems(
    draw: st.DrawFn,
    activation: st.SearchStrategy[str] | None = None,
    max_samples: int = 40,
    output_sizes: tuple[int, ...] = (1, 2, 3, 4, 5),
) -> Problem:
    """A problem of the oracle's search space whose targets suit K sigmoid outputs.

    Its ``args`` are those of ``loss``; the caller adds ``output="sigmoids"``.
    """
    problem = draw(
        problems(
            sizes=architectures(output_sizes=output_sizes),
            activation=activation,
            max_samples=max_samples,
        )
    )
    n_samples, n_outputs = problem.X.shape[0], problem.layer_sizes[-1]
    form = draw(st.sampled_from(_target_forms(n_outputs)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    T = sigmoid_targets(rng, form, n_samples, n_outputs)
    return problem.with_(T=T, target_form=form)


def every_sigmoid_target_form(problem: Problem, seed: int) -> list[Problem]:
    """The problem in every sigmoid target form (:func:`every_target_form`), the drawn one
    first; for one output unit, the binary vector too."""
    return every_target_form(problem, _target_forms(problem.layer_sizes[-1]), sigmoid_targets, seed)


def sigmoids_arguments(problem: Problem) -> dict[str, Any]:
    """The problem's arguments of ``loss`` by name, with ``output="sigmoids"``."""
    W, X, T, layer_sizes, lam, activation = problem.args
    return {
        "W": W,
        "X": X,
        "T": T,
        "layer_sizes": layer_sizes,
        "lam": lam,
        "activation": activation,
        "output": "sigmoids",
    }


def target_matrix(T: Any, n_samples: int, n_outputs: int) -> Array:
    """The targets as the float64 (N, K) matrix the loss uses."""
    return np.asarray(T, dtype=np.float64).reshape(n_samples, n_outputs)


def sigmoids_gradient_scale(
    W: Array, X: Array, T: Any, layer_sizes: Sequence[int], lam: float, activation: str
) -> float:
    """:func:`manual_backprop.gradcheck.gradient_scale` for ``output="sigmoids"``."""
    return gradient_scale(W, X, T, layer_sizes, lam, activation, output="sigmoids")


def sigmoids_loss_rounding(
    W: Array, X: Array, T: Any, layer_sizes: Sequence[int], lam: float, activation: str
) -> float:
    """:func:`manual_backprop.gradcheck.loss_rounding` for ``output="sigmoids"``."""
    return loss_rounding(W, X, T, layer_sizes, lam, activation, output="sigmoids")
