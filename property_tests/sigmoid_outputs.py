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
from scipy.special import expit

import manual_backprop as mb
from backprop_oracle.problems import Problem, architectures, problems
from backprop_oracle.tolerances import EPS
from manual_backprop.gradcheck import logit_magnitude, pre_activations

__all__ = [
    "BINARY_ONLY_FORMS",
    "LOSS_ROUNDING_ULPS_PER_UNIT",
    "SIGMOID_TARGET_FORMS",
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

# One loss evaluation rounds by at most ~64 ulps per output unit. gradcheck's constant,
# 64, covers a sum of up to ~60 terms (N <= 40 samples and the penalty's L <= 6
# layers), each non-negative term carrying a few ulps of its own; the "sigmoids" loss
# sums N K <= 200 such terms, and the worst-case error of a recursive sum grows with
# the number of terms: 64 K >= N K + 24 keeps the same margin.
LOSS_ROUNDING_ULPS_PER_UNIT = 64.0


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
    forms = SIGMOID_TARGET_FORMS + (BINARY_ONLY_FORMS if n_outputs == 1 else ())
    form = draw(st.sampled_from(forms))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    T = sigmoid_targets(rng, form, n_samples, n_outputs)
    return problem.with_(T=T, target_form=form)


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


def _probabilities(
    W: Array, X: Array, layer_sizes: Sequence[int], activation: str
) -> tuple[list[Array], list[Array], Array]:
    """The pre-activations, the layer inputs Z_0 .. Z_{L-1}, and ``P = sigma(A_L)``."""
    A = pre_activations(W, X, layer_sizes, activation)
    h = mb.ACTIVATIONS[activation]
    Z = [X] + [h(A_l) for A_l in A[:-1]]
    return A, Z, expit(A[-1])


def sigmoids_gradient_scale(
    W: Array, X: Array, T: Any, layer_sizes: Sequence[int], lam: float, activation: str
) -> float:
    r"""The size of the numbers added up into the gradient, for ``output="sigmoids"``.

    :func:`manual_backprop.gradcheck.gradient_scale` with ``P = sigma(A_L)``:
    backpropagation run on magnitudes, from :math:`\bar\delta_L = (P + |T|) / N`,

    .. math::

        \bar\delta_{l-1} = |h'(A_{l-1})| \odot (\bar\delta_l |W_l|^\top), \qquad
        \bar G_l = |Z_{l-1}|^\top \bar\delta_l + 2\lambda |W_l|

    and the scale is the largest entry of :math:`\bar G` (and of the bias sums).
    """
    params = mb.unpack(W, layer_sizes)
    A, Z, P = _probabilities(W, X, layer_sizes, activation)
    T_matrix = target_matrix(T, X.shape[0], layer_sizes[-1])
    delta = (P + np.abs(T_matrix)) / X.shape[0]
    scale = 0.0
    for l in range(len(params), 0, -1):
        W_l = params[l - 1][0]
        G_W = np.abs(Z[l - 1]).T @ delta + 2.0 * lam * np.abs(W_l)
        scale = max(scale, float(np.max(G_W)), float(np.max(np.sum(delta, axis=0))))
        if l > 1:
            delta = np.abs(mb.DERIVATIVES[activation](A[l - 2])) * (delta @ np.abs(W_l).T)
    return scale


def sigmoids_loss_rounding(
    W: Array, X: Array, T: Any, layer_sizes: Sequence[int], lam: float, activation: str
) -> float:
    r"""A bound on the rounding error of one evaluation of the ``"sigmoids"`` loss.

    :func:`manual_backprop.gradcheck.loss_rounding` with ``P = sigma(A_L)``: the loss's
    own arithmetic, and the rounding of each logit (a few ulps of its magnitude bound
    :math:`M`, :func:`manual_backprop.gradcheck.logit_magnitude`) passed on through
    :math:`|\partial J / \partial A_{ik}| = |P_{ik} - T_{ik}| / N`:

    .. math::

        \epsilon_J \approx 64 K \varepsilon \Bigl(J + \sum_{i,k}
            \frac{|P_{ik} - T_{ik}|}{N} M_{ik}\Bigr)
    """
    _, _, P = _probabilities(W, X, layer_sizes, activation)
    n_outputs = layer_sizes[-1]
    sensitivity = np.abs(P - target_matrix(T, X.shape[0], n_outputs)) / X.shape[0]
    magnitude = logit_magnitude(W, X, layer_sizes, activation)
    J = mb.loss(W, X, T, layer_sizes, lam, activation, output="sigmoids")
    ulps = LOSS_ROUNDING_ULPS_PER_UNIT * n_outputs
    return ulps * EPS * (J + float(np.sum(sensitivity * magnitude)))
