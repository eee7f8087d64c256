"""The oracle's problems: Hypothesis strategies for networks, weights, data and targets.

This module belongs to the oracle, which ships it: the grader's search space
is defined here, and the property tests (``property_tests/``) import these
strategies from it, so that narrowing a test cannot quietly weaken the grader.

Each draw is made in the order the problem depends on it: the architecture
first, then an activation, then weights and data that fit the architecture,
then targets in one of the forms SPEC section 4 accepts, then ``lam``.

Structure (sizes, scales, forms, ``lam``) is drawn by Hypothesis, so a failure
shrinks to the smallest architecture and the plainest settings; the many
float values of weights and inputs come from a ``numpy.random.Generator``
seeded by a drawn integer (drawing hundreds of floats one by one would exceed
Hypothesis's example buffer and shrink no better).

ReLU and its kink: the twins agree *exactly* there (both take relu'(0) = 0),
so the comparison with ``jax.grad`` needs no care. Finite differences do: a
stencil across a kink measures a mixture of two slopes. The finite-difference
property therefore keeps the stencil inside one smooth piece of the loss (the
step shrinks until no hidden pre-activation changes sign) and rejects the rare
problem with a pre-activation closer to 0 than that (see the property tests'
``test_gradients.py``), rather than accept any slope between the two one-sided
ones, which would also accept some wrong derivatives.
"""

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

__all__ = [
    "ACTIVATION_NAMES",
    "BINARY_TARGET_FORMS",
    "FEATURE_SCALES",
    "LAMS",
    "MULTICLASS_TARGET_FORMS",
    "WEIGHT_SCALES",
    "Problem",
    "activations",
    "architectures",
    "lams",
    "problems",
    "random_targets",
]

Array = NDArray[np.float64]

ACTIVATION_NAMES = ("sigmoid", "relu", "tanh")
BINARY_TARGET_FORMS = ("floats", "column", "ints", "bools", "soft")
MULTICLASS_TARGET_FORMS = ("one-hot", "labels", "float-labels", "probabilities")

# Scales of the weights: from nearly linear (1e-3) to deep saturation (50).
WEIGHT_SCALES = (1.0, 1e-3, 0.1, 3.0, 10.0, 50.0)
# Scales of the input features, chosen per column.
FEATURE_SCALES = (1.0, 1e-2, 0.1, 10.0)
# lam: none (the penalty cannot hide the data term), tiny, moderate, and large
# enough that the penalty dominates the loss.
LAMS = (0.0, 1e-8, 1e-3, 0.1, 10.0, 1e3)


@dataclass(frozen=True)
class Problem:
    """One drawn problem: everything ``loss_and_grad`` takes."""

    W: Array
    X: Array
    T: Any
    layer_sizes: list[int]
    lam: float
    activation: str
    target_form: str

    @property
    def args(self) -> tuple[Any, ...]:
        """``(W, X, T, layer_sizes, lam, activation)``, in the interface's order."""
        return (self.W, self.X, self.T, self.layer_sizes, self.lam, self.activation)

    def with_(self, **changes: Any) -> "Problem":
        """A copy with some fields replaced."""
        fields = {**self.__dict__, **changes}
        return Problem(**fields)


@st.composite
def architectures(
    draw: st.DrawFn,
    max_hidden: int = 5,
    max_width: int = 12,
    max_inputs: int = 5,
    min_hidden: int = 0,
    output_sizes: tuple[int, ...] = (1, 2, 3, 4, 5),
) -> list[int]:
    """``[n_0, ..., n_L]``: 0 to ``max_hidden`` hidden layers, 1 output or 2 to 5 classes.

    About half the hidden layers repeat the previous width, so that many weight
    matrices are square: a transposed block only shows on a non-square one, and
    some index mix-ups only on a square one.
    """
    sizes = [draw(st.integers(1, max_inputs))]
    for _ in range(draw(st.integers(min_hidden, max_hidden))):
        if sizes[-1] <= max_width and draw(st.booleans()):
            sizes.append(sizes[-1])
        else:
            sizes.append(draw(st.integers(1, max_width)))
    sizes.append(draw(st.sampled_from(output_sizes)))
    return sizes


def activations(smooth_only: bool = False) -> st.SearchStrategy[str]:
    """A hidden activation; ``smooth_only`` leaves out the ReLU."""
    names = [a for a in ACTIVATION_NAMES if not (smooth_only and a == "relu")]
    return st.sampled_from(names)


def lams() -> st.SearchStrategy[float]:
    """``lam``: 0, tiny, moderate or dominant."""
    return st.sampled_from(LAMS)


def random_targets(rng: np.random.Generator, form: str, n_samples: int, n_outputs: int) -> Any:
    """Targets for ``n_samples`` samples in one of the accepted forms."""
    n_classes = max(n_outputs, 2)
    labels = rng.integers(0, n_classes, size=n_samples)
    if form == "floats":
        return labels.astype(np.float64)
    if form == "column":
        return labels.astype(np.float64)[:, np.newaxis]
    if form == "ints":
        return labels
    if form == "bools":
        return labels.astype(bool)
    if form == "soft":
        return rng.random(n_samples)
    if form == "one-hot":
        return np.eye(n_classes)[labels]
    if form == "labels":
        return labels
    if form == "float-labels":
        return labels.astype(np.float64)
    if form == "probabilities":
        rows = rng.dirichlet(np.ones(n_classes), size=n_samples)
        return rows / rows.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown target form {form!r}")


@st.composite
def problems(
    draw: st.DrawFn,
    sizes: st.SearchStrategy[list[int]] | None = None,
    activation: st.SearchStrategy[str] | None = None,
    max_samples: int = 40,
    lam: st.SearchStrategy[float] | None = None,
    weight_scales: tuple[float, ...] = WEIGHT_SCALES,
    binary_forms: tuple[str, ...] = BINARY_TARGET_FORMS,
    multiclass_forms: tuple[str, ...] = MULTICLASS_TARGET_FORMS,
) -> Problem:
    """A whole problem: architecture, activation, weights, data, targets, ``lam``.

    ``binary_forms`` and ``multiclass_forms`` narrow the target forms drawn (the
    oracle passes binary targets as floats and multiclass ones as one-hot rows).
    """
    layer_sizes = draw(sizes if sizes is not None else architectures())
    hidden = draw(activation if activation is not None else activations())
    n_samples = draw(st.integers(1, max_samples))
    scale = draw(st.sampled_from(weight_scales))
    zero_fraction = draw(st.sampled_from([0.0, 0.0, 0.2]))  # some exact zeros, sometimes
    feature_scales = [draw(st.sampled_from(FEATURE_SCALES)) for _ in range(layer_sizes[0])]
    forms = binary_forms if layer_sizes[-1] == 1 else multiclass_forms
    form = draw(st.sampled_from(forms))
    penalty = draw(lam if lam is not None else lams())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    n_params = sum((a + 1) * b for a, b in pairwise(layer_sizes))
    W = rng.uniform(-1.0, 1.0, size=n_params) * scale
    W[rng.random(n_params) < zero_fraction] = 0.0
    X = rng.normal(size=(n_samples, layer_sizes[0])) * np.array(feature_scales)
    T = random_targets(rng, form, n_samples, layer_sizes[-1])
    return Problem(W, X, T, layer_sizes, penalty, hidden, form)
