"""Naming the mistake: which known variant of the computation reproduces a submission's numbers.

A failing submission is called on a few fixed diagnostic problems (chosen so
that the known mistakes give different numbers: several depths, unequal widths,
binary and multiclass, ``lam`` of 0 and 0.3, unsaturated logits) and on its
smallest counterexample. Each :class:`~backprop_oracle.mistakes.Variant` that
makes one known mistake is computed on the same problems; a variant explains
the submission when it reproduces its loss and gradient on every problem to
:data:`MATCH_RTOL`. Single mistakes are tried first, then pairs.

Two mistakes are recognised by their signature instead. ``unstable-loss``,
whose numbers depend on which inaccurate formula was used: the submission is
right on every unsaturated diagnostic problem, and its failure is a
non-finite or inaccurate loss where the logits are large. ``wrong-activation``:
the computation without mistakes, with another hidden activation, reproduces
every observation (tried before the mistakes, which keep the judged activation).

A check judges a file in parts, each over a family of problems (a range of
hidden layers, binary or multiclass outputs, a range of ``lam``), and a
submission written for one part may refuse, or compute garbage, outside it:
:func:`diagnostic_problems`, :func:`observe` and :func:`diagnose` take the
family and use only its problems.

:func:`diagnose` puts these together into the findings a report shows.
"""

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations, product

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.findings import Case, Finding
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.mistakes import MISTAKES, Variant
from manual_backprop.activations import ACTIVATIONS
from manual_backprop.gradcheck import gradient_scale

__all__ = [
    "MATCH_RTOL",
    "OUTPUT_KINDS",
    "UNSTABLE_LOGIT",
    "Observation",
    "Problem",
    "candidate_variants",
    "diagnose",
    "diagnostic_problems",
    "explaining_from",
    "explaining_variants",
    "observe",
]

Array = NDArray[np.float64]
#: ``(W, X, T, layer_sizes, lam)``, ``W`` canonical.
Problem = tuple[Array, Array, Array, list[int], float]
#: A family's outputs: one sigmoid unit, 2 or more softmax units, or either.
OUTPUT_KINDS = ("binary", "multiclass", "both")

# Two implementations of the same (possibly mistaken) formulas differ by
# rounding, ~1e-13 of the gradient's scale (see tolerances.py); two different
# known mistakes differ on the diagnostic problems by at least ~1e-3 of it
# (lam = 0.3, N from 3 to 7, unequal widths), by ~3e-4 on the problems with 4
# hidden layers alone (h'(z) for h'(a) moves the first layers' gradients, small
# beside the last layer's). 1e-8 sits between, with margins of ~1e4 or more on
# either side. (A mistake that a family cannot show, such as the penalty's
# where lam is 0, gives the right numbers there: it is no mistake there.)
MATCH_RTOL = 1e-8
# Logits beyond which the textbook loss -log(1 - sigmoid(a)) keeps fewer than
# half of its digits: 1 - sigmoid(a) ~ e^-a, rounded with an absolute error of
# eps, is relatively accurate to eps e^a, ~1e-11 at a = 12.
UNSTABLE_LOGIT = 12.0


@dataclass
class Observation:
    """One problem and what the submission returned for it (gradient in canonical order)."""

    W: Array
    X: Array
    T: Array
    layer_sizes: list[int]
    lam: float
    loss: float
    grad: Array
    scale: float


# The diagnostic problems, as (layer_sizes, N, lam). The first five were long the
# only ones: they stay first, drawn from their own generator, so that the
# diagnoses made with them stay as they were. The others give every family a
# part may judge (0 hidden layers, 1, 2 to 5; binary or multiclass) at least two
# problems, one with lam = 0 and one with lam > 0, and every depth from 1 to 5
# hidden layers a problem of each output kind (the exercise's part 2 has 4).
# N runs from 3 to 7, never 1 or 2 (where 1/N or 2/N equals a constant factor
# of the penalty), and at least the number of classes.
_FIRST_SHAPES = (
    ([3, 4, 2, 1], 5, 0.3),
    ([2, 5, 3], 6, 0.3),
    ([4, 3, 1], 4, 0.0),
    ([3, 3, 4, 2], 7, 0.05),
    ([2, 1], 3, 0.3),
)
_MORE_SHAPES = (
    # no hidden layer
    ([3, 1], 4, 0.0),
    ([3, 4], 5, 0.3),
    ([4, 2], 6, 0.0),
    # one hidden layer
    ([2, 4, 1], 6, 0.3),
    ([3, 5, 1], 5, 0.05),
    ([2, 4, 3], 4, 0.0),
    ([4, 2, 5], 5, 0.05),
    # 2 to 5 hidden layers, binary
    ([2, 5, 3, 1], 4, 0.0),
    ([2, 3, 5, 4, 1], 6, 0.3),
    ([2, 5, 3, 4, 2, 1], 5, 0.0),
    ([3, 4, 2, 5, 3, 1], 4, 0.05),
    ([2, 4, 3, 5, 2, 4, 1], 7, 0.3),
    # 2 to 5 hidden layers, multiclass
    ([3, 2, 4, 5, 3], 6, 0.3),
    ([2, 3, 5, 2, 4, 3], 5, 0.0),
    ([4, 5, 3, 4, 2, 3, 2], 4, 0.05),
)


def diagnostic_problems(
    hidden: tuple[int, int] = (0, 5),
    outputs: str = "both",
    lam_range: tuple[float, float] = (0.0, math.inf),
) -> list[Problem]:
    """``(W, X, T, layer_sizes, lam)`` for the fixed diagnostic problems of a family.

    Weights are drawn from U[-0.7, 0.7] and inputs from N(0, 1), so that no
    logit saturates (and no ReLU pre-activation is exactly 0); biases are
    non-zero; every weight matrix but one is non-square, so that transposes show.

    Parameters
    ----------
    hidden : (int, int)
        The family's numbers of hidden layers, both ends included: a problem
        outside is left out.
    outputs : str
        One of :data:`OUTPUT_KINDS`: ``binary`` keeps the problems with one
        output unit, ``multiclass`` those with several, ``both`` all of them.
    lam_range : (float, float)
        The family's ``lam``, both ends included: a problem's ``lam`` is
        clipped into it (0.3 becomes 0 in ``(0, 0)``, 1 in ``(1, 10)``).

    Returns
    -------
    list of tuple
        The family's problems, canonical ``W``; empty when it has none.
    """
    if outputs not in OUTPUT_KINDS:
        raise ValueError(f"outputs: expected one of {', '.join(OUTPUT_KINDS)}, got {outputs!r}")
    if not 0 <= hidden[0] <= hidden[1]:
        raise ValueError(f"hidden: expected (lo, hi) with 0 <= lo <= hi, got {hidden!r}")
    if not 0.0 <= lam_range[0] <= lam_range[1]:
        raise ValueError(f"lam_range: expected (lo, hi) with 0 <= lo <= hi, got {lam_range!r}")
    drawn = _draw(np.random.default_rng(20261126), _FIRST_SHAPES)
    drawn += _draw(np.random.default_rng(20261127), _MORE_SHAPES)
    return [
        (W, X, T, sizes, float(min(max(lam, lam_range[0]), lam_range[1])))
        for W, X, T, sizes, lam in drawn
        if hidden[0] <= len(sizes) - 2 <= hidden[1]
        and outputs in ("both", "binary" if sizes[-1] == 1 else "multiclass")
    ]


def _draw(
    rng: np.random.Generator, shapes: Sequence[tuple[list[int], int, float]]
) -> list[Problem]:
    """One problem per ``(layer_sizes, N, lam)``, in order, from ``rng``."""
    problems = []
    for sizes, n, lam in shapes:
        W = rng.uniform(-0.7, 0.7, mb.n_params(sizes))
        X = rng.normal(size=(n, sizes[0]))
        labels = np.arange(n) % max(sizes[-1], 2)  # every class present
        T = labels.astype(np.float64) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]
        problems.append((W, X, T, list(sizes), lam))
    return problems


_PENALTY_FACTORS = ("0", "1/2", "1", "2", "1/N", "1/(2N)")
_PENALTY_GRADIENT_FACTORS = ("0", "1", "2", "4", "1/N", "2/N")


def _families(checked: str) -> list[list[dict[str, object]]]:
    """Each family of known mistakes, as the switch settings of its forms."""
    layouts = (*LAYOUTS, "column-major")
    return [
        [{"bias_penalty": True}],
        [
            {"loss_penalty": l, "grad_penalty": g}
            for l, g in product(_PENALTY_FACTORS, _PENALTY_GRADIENT_FACTORS)
            if (l, g) != ("1", "2")
        ],
        [{"loss_mean": False, "grad_mean": False}, {"loss_mean": False}, {"grad_mean": False}],
        [{"sign": "gradient"}, {"sign": "output-delta"}],
        [
            {"read_layout": r, "write_layout": w}
            for r, w in product(layouts, layouts)
            if (r, w) != (checked, checked)
            and (r == w or checked in (r, w))  # one layout, or one side right
        ],
        [{"hidden_derivative": d} for d in ("z", "formula-on-a", "none")],
        [{"output_derivative": True}],
        [{"bias_gradient": b} for b in ("mean", "last")],
    ]


def candidate_variants(checked: str) -> Iterator[list[Variant]]:
    """Rounds of candidates: every single known mistake, then every pair of them."""
    base = Variant(read_layout=checked, write_layout=checked)
    families = _families(checked)
    yield [replace(base, **form) for family in families for form in family]  # type: ignore[arg-type]
    yield [
        replace(base, **first, **second)  # type: ignore[arg-type]
        for one, two in combinations(families, 2)
        for first, second in product(one, two)
        if not set(first) & set(second)
    ]


def _matches(variant: Variant, seen: Observation, checked: str, activation: str) -> bool:
    """Whether ``variant`` reproduces the submission's numbers on one problem."""
    sent = to_layout(seen.W, seen.layer_sizes, checked)
    with np.errstate(all="ignore"):
        loss, raw = variant.loss_and_grad(
            sent, seen.X, seen.T, seen.layer_sizes, seen.lam, activation
        )
    grad = from_layout(raw, seen.layer_sizes, checked)
    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
        return False
    loss_ok = abs(seen.loss - loss) <= MATCH_RTOL * max(abs(loss), abs(seen.loss), 1e-300)
    size = max(seen.scale, float(np.max(np.abs(grad))), float(np.max(np.abs(seen.grad))))
    return loss_ok and float(np.max(np.abs(seen.grad - grad))) <= MATCH_RTOL * size


def explaining_from(
    candidates: Sequence[Variant],
    observations: Sequence[Observation],
    checked: str,
    activation: str,
) -> list[Variant]:
    """The candidates that reproduce every observation, one per set of mistake names.

    Two forms that differ only where these problems cannot tell them apart name
    the same mistakes; one of them is kept.
    """
    if not observations:
        return []
    distinct: dict[tuple[str, ...], Variant] = {}
    for v in candidates:
        if all(_matches(v, seen, checked, activation) for seen in observations):
            distinct.setdefault(tuple(v.mistakes(checked)), v)
    return list(distinct.values())


def explaining_variants(
    observations: Sequence[Observation], checked: str, activation: str
) -> list[Variant]:
    """The simplest known variants reproducing every observation: singles, else pairs."""
    for candidates in candidate_variants(checked):
        found = explaining_from(candidates, observations, checked, activation)
        if found:
            return found
    return []


def observe(
    call: Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None],
    activation: str,
    *,
    hidden: tuple[int, int] = (0, 5),
    outputs: str = "both",
    lam_range: tuple[float, float] = (0.0, math.inf),
    problems: Sequence[Problem] | None = None,
) -> list[Observation]:
    """The submission's answers on the family's diagnostic problems (those it answered finitely).

    ``hidden``, ``outputs`` and ``lam_range`` name the family, as in
    :func:`diagnostic_problems`; the submission is called on its problems only.
    ``problems``, when given, replaces them (a ``fun(W)`` answers its own data only).
    """
    seen = []
    if problems is None:
        problems = diagnostic_problems(hidden, outputs, lam_range)
    for W, X, T, sizes, lam in problems:
        answer = call(W, X, T, sizes, lam)
        if answer is None:
            continue
        loss, grad = answer
        scale = gradient_scale(W, X, T, sizes, lam, activation)
        seen.append(Observation(W, X, T, sizes, lam, loss, grad, scale))
    return seen


def diagnose(
    answer: Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None],
    case: Case,
    failures: Mapping[str, Case],
    layout: str,
    activation: str,
    *,
    hidden: tuple[int, int] = (0, 5),
    outputs: str = "both",
    lam_range: tuple[float, float] = (0.0, math.inf),
    problems: Sequence[Problem] | None = None,
) -> list[Finding]:
    """Name the known mistake that explains the submission's numbers, if one does.

    Parameters
    ----------
    answer : callable
        ``answer(W, X, T, layer_sizes, lam) -> (loss, grad)`` or None, ``W``
        and ``grad`` canonical: the submission's finite answer, as in :func:`observe`.
    case : Case
        The counterexample, observed beside the diagnostic problems.
    failures : mapping of str to Case
        The smallest failing case of each finding kind.
    layout : str
        The layout the submission is judged in.
    activation : str
        The hidden activation.
    hidden, outputs, lam_range
        The family of problems the submission is judged on (see
        :func:`diagnostic_problems`): only its diagnostic problems are put to it.
    problems : sequence of Problem, optional
        The diagnostic problems themselves, instead of the family's: a ``fun(W)``
        is put its own data, at several ``W``.

    Returns
    -------
    list of Finding
        A ``diagnosis`` per mistake found (with ``mistake`` and ``step``, and
        ``activation`` for ``wrong-activation``), or one ``note`` saying that
        none explains the numbers.
    """
    observations = observe(
        answer, activation, hidden=hidden, outputs=outputs, lam_range=lam_range, problems=problems
    )
    base = Variant(read_layout=layout, write_layout=layout)
    # explaining_from is empty for no observations: nothing answered proves nothing right
    right_where_unsaturated = bool(explaining_from([base], observations, layout, activation))
    found: list[tuple[str, str, dict[str, str]]] = []
    if right_where_unsaturated:
        # Right on every ordinary problem: only a loss that breaks down at large
        # logits is known to fail like that.
        failing = [failures[k] for k in ("non-finite", "loss-mismatch") if k in failures]
        largest = max((_largest_logit(c, activation) for c in failing), default=0.0)
        if set(failures) <= {"non-finite", "loss-mismatch"} and largest >= UNSTABLE_LOGIT:
            found.append(("unstable-loss", f"here the logits reach {largest:.3g}", {}))
    else:
        if (seen := _observation(case)) is not None:
            observations.append(seen)
        if (other := _other_activation(observations, layout, activation)) is not None:
            detail = (
                f"the numbers are those of a {other} network, not a {activation} one: "
                f"if {other} is what you meant, check it with --activation {other}"
            )
            found.append(("wrong-activation", detail, {"activation": other}))
        else:
            for variant in explaining_variants(observations, layout, activation):
                found += [(name, _detail(name, variant), {}) for name in variant.mistakes(layout)]
    if not found:
        return [
            Finding(
                "note",
                "the cause is not one of the known mistakes: "
                + (
                    "the submission is right on ordinary problems and fails only on some, "
                    "like the counterexample"
                    if right_where_unsaturated
                    else "no known mistake, alone or in a pair, reproduces its numbers"
                )
                + "; the findings above say where it goes wrong",
            )
        ]
    diagnoses = []
    for name, detail, more in found:
        step, explanation = MISTAKES[name]
        message = f"{name} (exercise step {step}): {explanation}"
        diagnoses.append(
            Finding(
                "diagnosis",
                message + (f"; {detail}" if detail else ""),
                {"mistake": name, "step": step, **more},
            )
        )
    return diagnoses


def _other_activation(
    observations: Sequence[Observation], layout: str, activation: str
) -> str | None:
    """The other hidden activation whose mistake-free numbers are the submission's, if one is.

    Only a problem with a hidden layer tells activations apart, so at least one
    observation must have one; and ``activation``'s own numbers must not be
    the submission's.
    """
    if all(len(seen.layer_sizes) <= 2 for seen in observations):
        return None
    base = [Variant(read_layout=layout, write_layout=layout)]
    if explaining_from(base, observations, layout, activation):
        return None
    return next(
        (
            other
            for other in ACTIVATIONS
            if other != activation and explaining_from(base, observations, layout, other)
        ),
        None,
    )


def _observation(case: Case) -> Observation | None:
    """``case`` as a diagnostic observation, when its numbers are finite."""
    if case.loss is None or case.grad is None or case.scale is None:
        return None
    if not (math.isfinite(case.loss) and np.all(np.isfinite(case.grad))):
        return None
    return Observation(
        case.W, case.X, case.T, case.layer_sizes, case.lam, case.loss, case.grad, case.scale
    )


def _largest_logit(case: Case, activation: str) -> float:
    """The largest |logit| of ``case``'s problem."""
    if not case.layer_sizes:
        return 0.0
    return float(np.max(np.abs(mb.forward(case.W, case.X, case.layer_sizes, activation))))


def _detail(name: str, variant: Variant) -> str:
    """What the diagnosis found beyond the mistake's name (the penalty's factors)."""
    if name != "penalty-scale":
        return ""
    loss = f"{variant.loss_penalty} * lam * sum ||W_l||^2"
    grad = f"{variant.grad_penalty} * lam * W_l"
    return f"the submission's penalty is {loss} in J, {grad} in the gradient"
