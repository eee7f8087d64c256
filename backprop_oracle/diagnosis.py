"""Naming the mistake: which known variant of the computation reproduces a submission's numbers.

A failing submission is called on a few fixed diagnostic problems (chosen so
that the known mistakes give different numbers: several depths, unequal widths,
binary and multiclass, ``lam`` of 0 and 0.3, unsaturated logits) and on its
smallest counterexample. Each :class:`~backprop_oracle.mistakes.Variant` that
makes one known mistake is computed on the same problems; a variant explains
the submission when it reproduces its loss and gradient on every problem to
:data:`MATCH_RTOL`. Single mistakes are tried first, then pairs.

Some mistakes are recognised by their signature instead. ``unstable-loss``,
whose numbers depend on which inaccurate formula was used: the submission is
right on every unsaturated diagnostic problem, and its failure is a
non-finite or inaccurate loss where the logits are large. ``wrong-activation``:
the computation without mistakes, with another hidden activation, reproduces
every observation (tried before the mistakes, which keep the judged activation).
``log-epsilon``: the gradient is right (or that of the loss with ``eps``), and
the loss is off from the reference's by what ``log(p + eps)`` moves it, for
one ``eps`` of :data:`LOG_EPSILONS` (a difference finer than
:data:`MATCH_RTOL`, so compared on its own: :data:`LOG_EPSILON_BAND`).
``block-scaled``: the loss is right and each block of the gradient is a fixed
multiple of the reference's, the same on every problem
(:data:`BLOCK_FACTORS`).

The counterexample joins the diagnostic problems only where its logits are
ordinary (:func:`saturated`): at saturated logits a correct formula for the
same numbers (a sigmoid through ``tanh``, ``p - t`` with ``p`` rounded near 1)
may differ from the variant's by its absolute rounding, which is large beside
the tiny gradient there, so that no variant would match.

A file is often written branch by branch, the binary output and the softmax
separately: when no known mistake explains both output kinds of a family
together, each kind is diagnosed on its own, and a finding's ``output`` says
which (``binary``, ``multiclass``, or ``both``). Where nothing explains the
numbers, the note says how the gradient relates to the reference's when each
block is a multiple of it.

A check judges a file in parts, each over a family of problems (a range of
hidden layers, binary or multiclass outputs, a range of ``lam``), and a
submission written for one part may refuse, or compute garbage, outside it:
:func:`diagnostic_problems`, :func:`observe` and :func:`diagnose` take the
family and use only its problems.

:func:`diagnose` puts these together into the findings a report shows.
"""

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, product
from typing import Any

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.findings import Case, Finding
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.mistakes import MISTAKES, Variant
from backprop_oracle.rules import blocks
from backprop_oracle.tolerances import OWN_LOSS_RTOL
from manual_backprop.activations import ACTIVATIONS
from manual_backprop.gradcheck import gradient_scale, pre_activations

__all__ = [
    "BLOCK_FACTORS",
    "LOG_EPSILONS",
    "LOG_EPSILON_BAND",
    "MATCH_RTOL",
    "OUTPUT_KINDS",
    "UNSTABLE_LOGIT",
    "Observation",
    "Problem",
    "block_factors",
    "block_ratios",
    "candidate_variants",
    "diagnose",
    "diagnostic_problems",
    "explaining_from",
    "explaining_variants",
    "log_epsilon",
    "observe",
    "saturated",
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
# eps, is relatively accurate to eps e^a, ~1e-11 at a = 12. The same bound makes
# a pre-activation "saturated" for the counterexample (see saturated()): a
# sigmoid accurate to eps absolutely, 0.5 (1 + tanh(a / 2)) or 1 - sigmoid(-a),
# is relatively accurate to eps e^12 ~ 4e-11 below it, far inside MATCH_RTOL,
# and may be wholly wrong relatively (0 for 1e-20) beyond it.
UNSTABLE_LOGIT = 12.0

# The eps students put inside the logs of the cross-entropy (log(p + eps)).
LOG_EPSILONS = (1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-5)
# log(p + eps) moves the loss by dJ_eps = -mean(log1p(eps / p)) ~ -eps mean(1/p):
# on the diagnostic problems (p between ~0.05 and ~0.95) by ~1e-15 to ~1e-4 of J,
# mostly below MATCH_RTOL, so the loss is compared on its own here: the
# submission's difference from the reference's loss must be the candidate's
# dJ_eps (computed exactly, by a Variant) to within LOG_EPSILON_BAND of it, plus
# the loss's own rounding, OWN_LOSS_RTOL = 1e-13 of J (a loss is a sum of
# positive terms, accurate to ~1e-14; a student's 1 - p adds ~eps / (1 - p),
# 2e-15 at most here, per sample). The candidates are a factor of 10 or more
# apart and dJ_eps grows in proportion to eps while eps / p is small (below 2e-4
# on the diagnostic problems; an ordinary counterexample has p >= 6e-6, so eps / p
# <= 0.02 for all but 1e-5, whose neighbour is 100 times smaller): a 10% band
# holds exactly one of them, and the next ones miss it by 9 times the band or
# more. The reference (dJ = 0) must fail the same comparison on some
# observation, so an eps whose dJ_eps is rounding (1e-15: ~1e-15 of J) is never
# claimed: it shows only at saturated logits, where it is the unstable-loss
# (clipping p to [1e-15, 1 - 1e-15] gives the same numbers there).
LOG_EPSILON_BAND = 0.1

# The factors block-scaled recognises: the constants a student writes by
# mistake (2 from a square's derivative, 4 for 1 in 4./m, 1/2 from a 1/2 the loss
# does not have, -1 from a sign, 0 for a block never filled in), up to 10 and 1/10.
# A block's factor is fitted over every observation by least squares, taken to
# the nearest of these, and must then reproduce the block to MATCH_RTOL of the
# gradient's size on every observation (MATCH_RTOL's reasoning: the right factor
# leaves rounding, ~1e-13 of it; another factor, or a ratio that changes from
# problem to problem, moves the block by ~1e-3 of it or more).
# A factor outside the list (1.1 on everything, one entry times 1.5) is
# reported by the note as a pattern, not named as a mistake.
BLOCK_FACTORS = tuple(
    sorted({0.0, 1.0, -1.0} | {s * f for k in range(2, 11) for s in (1, -1) for f in (k, 1 / k)})
)


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
    #: The reference's output (``sigmoids``: ex4's K sigmoid outputs).
    output: str = "auto"


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


# N: the penalty added inside the per-sample loop (and 2 N lam W_l with it).
_PENALTY_FACTORS = ("0", "1/2", "1", "2", "1/N", "1/(2N)", "N")
_PENALTY_GRADIENT_FACTORS = ("0", "1", "2", "4", "1/N", "2/N", "2N")


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
        [{"bias_unit_activated": True}],
        [{"gradient_is_parameters": True}],
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
    if (numbers := _numbers(variant, seen, checked, activation)) is None:
        return False
    loss, grad = numbers
    loss_ok = abs(seen.loss - loss) <= MATCH_RTOL * max(abs(loss), abs(seen.loss), 1e-300)
    return loss_ok and float(np.max(np.abs(seen.grad - grad))) <= MATCH_RTOL * _size(seen, grad)


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
    output: str = "auto",
) -> list[Observation]:
    """The submission's answers on the family's diagnostic problems (those it answered finitely).

    ``hidden``, ``outputs`` and ``lam_range`` name the family, as in
    :func:`diagnostic_problems`; the submission is called on its problems only.
    ``problems``, when given, replaces them (a ``fun(W)`` answers its own data only).
    ``output`` is the reference's output (``sigmoids`` for ex4's).
    """
    seen = []
    if problems is None:
        problems = diagnostic_problems(hidden, outputs, lam_range)
    for W, X, T, sizes, lam in problems:
        answer = call(W, X, T, sizes, lam)
        if answer is None:
            continue
        loss, grad = answer
        scale = gradient_scale(W, X, T, sizes, lam, activation, output=output)
        seen.append(Observation(W, X, T, sizes, lam, loss, grad, scale, output))
    return seen


#: What an analysis found: a mistake's name, the detail to add, more details.
_Found = tuple[str, str, dict[str, Any]]


@dataclass
class _Explained:
    """What the diagnosis makes of one set of observations (an output kind, or all)."""

    #: The mistake-free computation reproduces every diagnostic observation.
    right: bool
    found: list[_Found] = field(default_factory=list)
    #: Nothing found: the gradient's ratio to the reference's per block, if it has one.
    ratios: dict[str, str] | None = None

    @property
    def status(self) -> str:
        """In a few words, for the report of the other output kind."""
        if self.found:
            return ", ".join(dict.fromkeys(name for name, _, _ in self.found))
        return "right" if self.right else "no known mistake"


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
    output: str = "auto",
) -> list[Finding]:
    """Name the known mistake that explains the submission's numbers, if one does.

    Parameters
    ----------
    answer : callable
        ``answer(W, X, T, layer_sizes, lam) -> (loss, grad)`` or None, ``W``
        and ``grad`` canonical: the submission's finite answer, as in :func:`observe`.
    case : Case
        The counterexample, observed beside the diagnostic problems where its
        logits are ordinary (:func:`saturated`).
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
    output : str
        The reference's output: ``auto`` (a sigmoid, or a softmax over several
        units), or ``sigmoids`` (ex4's K independent sigmoid outputs).

    Returns
    -------
    list of Finding
        A ``diagnosis`` per mistake found (with ``mistake``, ``step`` and
        ``output``, the output kind it was found in, ``both`` when one
        explanation holds for a family of both kinds; ``activation`` for
        ``wrong-activation``, ``eps`` for ``log-epsilon``, ``factors`` for
        ``block-scaled``), or a ``note`` saying that none explains the numbers
        (with the gradient's ratios to the reference per block, when it has them).
        When no mistake explains both output kinds together, each kind is
        diagnosed alone, and each finding says how the other kind fared.
    """
    observations = observe(
        answer,
        activation,
        hidden=hidden,
        outputs=outputs,
        lam_range=lam_range,
        problems=problems,
        output=output,
    )
    counter = _observation(case)
    if counter is not None and saturated(counter, activation):
        counter = None  # see the module's docstring: no variant is held to it
    kinds = [k for k in ("binary", "multiclass") if any(_kind(s) == k for s in observations)]
    joint = _explain(observations, counter, layout, activation, failures)
    if joint.found or len(kinds) < 2:
        shown = kinds[0] if len(kinds) == 1 else outputs  # the family's, if nothing answered
        if joint.found:
            return [_diagnosis(item, shown) for item in joint.found]
        return [_unexplained(joint, shown)]
    # Not one explanation for both output kinds: each kind on its own (also when
    # both are right to MATCH_RTOL: an eps in one branch's logs shows below it).
    per_kind = {
        kind: _explain(
            [s for s in observations if _kind(s) == kind],
            counter if counter is not None and _kind(counter) == kind else None,
            layout,
            activation,
            None,
        )
        for kind in kinds
    }
    if not any(e.found for e in per_kind.values()):
        if joint.ratios is None:  # perhaps a pattern in each kind alone
            joint.ratios = _ratios_by_kind(per_kind)
        return [_unexplained(joint, "both")]
    findings = []
    for kind, explained in per_kind.items():
        other = next(k for k in kinds if k != kind)
        where = (f"in the {kind} output: ", f"; the {other} output: {per_kind[other].status}")
        if explained.found:
            findings += [_diagnosis(item, kind, where) for item in explained.found]
        elif not explained.right:
            findings.append(_unexplained(explained, kind, where))
    return findings


def _kind(seen: Observation) -> str:
    """``binary`` for one output unit, ``multiclass`` for several."""
    return "binary" if seen.layer_sizes[-1] == 1 else "multiclass"


def _explain(
    observations: Sequence[Observation],
    counter: Observation | None,
    layout: str,
    activation: str,
    failures: Mapping[str, Case] | None,
) -> _Explained:
    """The known mistakes that explain ``observations`` (and the counterexample ``counter``).

    ``failures``, the check's failing cases, is given for the whole family only:
    ``unstable-loss`` is judged from them.
    """
    base = Variant(read_layout=layout, write_layout=layout)
    seen = [*observations, *([counter] if counter is not None else [])]
    # explaining_from is empty for no observations: nothing answered proves nothing right
    if explaining_from([base], observations, layout, activation):
        # Right on every ordinary problem to MATCH_RTOL: an eps in the logs shows
        # below it, else only a loss that breaks down at large logits is known to
        # fail like that.
        if (eps := log_epsilon(seen, layout, activation)) is not None:
            return _Explained(True, [_log_epsilon_found(*eps)])
        found: list[_Found] = []
        if failures is not None:
            failing = [failures[k] for k in ("non-finite", "loss-mismatch") if k in failures]
            largest = max((_largest_logit(c, activation) for c in failing), default=0.0)
            if set(failures) <= {"non-finite", "loss-mismatch"} and largest >= UNSTABLE_LOGIT:
                where = {"binary" if c.layer_sizes[-1] == 1 else "multiclass" for c in failing}
                output = where.pop() if len(where) == 1 else "both"
                found.append(
                    ("unstable-loss", f"here the logits reach {largest:.3g}", {"output": output})
                )
        return _Explained(True, found)
    if (other := _other_activation(seen, layout, activation)) is not None:
        detail = (
            f"the numbers are those of a {other} network, not a {activation} one: "
            f"if {other} is what you meant, check it with --activation {other}"
        )
        return _Explained(False, [("wrong-activation", detail, {"activation": other})])
    found = []
    for variant in explaining_variants(seen, layout, activation):
        found += [(name, _detail(name, variant), {}) for name in variant.mistakes(layout)]
    if not found and (eps := log_epsilon(seen, layout, activation)) is not None:
        found.append(_log_epsilon_found(*eps))
    if not found and (factors := block_factors(seen, layout, activation)) is not None:
        found.append(_block_scaled_found(factors))
    return _Explained(False, found, None if found else block_ratios(seen, layout, activation))


def _diagnosis(item: _Found, output: str, where: tuple[str, str] = ("", "")) -> Finding:
    """The ``diagnosis`` finding for ``item``, found in ``output``.

    ``where`` is put around the message when the output kinds were diagnosed
    apart: which kind this is, and how the other fared.
    """
    name, detail, more = item
    step, explanation = MISTAKES[name]
    message = f"{where[0]}{name} (exercise step {step}): {explanation}"
    message += (f"; {detail}" if detail else "") + where[1]
    return Finding("diagnosis", message, {"mistake": name, "step": step, "output": output, **more})


def _unexplained(explained: _Explained, output: str, where: tuple[str, str] = ("", "")) -> Finding:
    """The ``note`` that no known mistake explains the numbers, with any pattern seen."""
    if explained.right:
        why = (
            "the submission is right on ordinary problems and fails only on some, "
            "like the counterexample"
        )
    else:
        why = "no known mistake, alone or in a pair, reproduces its numbers"
    details: dict[str, Any] = {"output": output}
    if explained.ratios:
        why += "; yours / reference per block: " + ", ".join(
            f"{name} {ratio}" for name, ratio in explained.ratios.items()
        )
        details["ratios"] = explained.ratios
    return Finding(
        "note",
        f"{where[0]}the cause is not one of the known mistakes: {why}{where[1]}"
        "; the findings above say where it goes wrong",
        details,
    )


def _ratios_by_kind(per_kind: Mapping[str, _Explained]) -> dict[str, str] | None:
    """The per-block ratios of each output kind, as one mapping (``W1 (binary)``)."""
    merged = {
        f"{name} ({kind})": ratio
        for kind, explained in per_kind.items()
        for name, ratio in (explained.ratios or {}).items()
    }
    return merged or None


def saturated(seen: Observation, activation: str) -> bool:
    """Whether some pre-activation of ``seen``'s network reaches :data:`UNSTABLE_LOGIT`.

    The pre-activations are the reference's, every layer's (a hidden sigmoid
    saturates as an output one does).
    """
    if not seen.layer_sizes:
        return False
    try:
        with np.errstate(all="ignore"):
            layers = pre_activations(seen.W, seen.X, seen.layer_sizes, activation)
    except (ValueError, TypeError):  # an overflow to inf or nan: saturated
        return True
    return not all(bool(np.all(np.abs(a) < UNSTABLE_LOGIT)) for a in layers)


def _numbers(
    variant: Variant, seen: Observation, layout: str, activation: str
) -> tuple[float, Array] | None:
    """``variant``'s loss and canonical gradient on ``seen``'s problem, if finite."""
    sent = to_layout(seen.W, seen.layer_sizes, layout)
    with np.errstate(all="ignore"):
        loss, raw = variant.loss_and_grad(
            sent, seen.X, seen.T, seen.layer_sizes, seen.lam, activation, seen.output
        )
    grad = from_layout(raw, seen.layer_sizes, layout)
    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
        return None
    return float(loss), grad


def _size(seen: Observation, grad: Array) -> float:
    """The yardstick of a gradient comparison: the scale, or the larger gradient."""
    return max(seen.scale, float(np.max(np.abs(grad))), float(np.max(np.abs(seen.grad))))


def log_epsilon(
    observations: Sequence[Observation], layout: str, activation: str
) -> tuple[float, str] | None:
    """The ``eps`` of ``log(p + eps)`` that explains the submission's losses, if one does.

    The loss's difference from the reference's must be the one ``eps`` makes,
    within :data:`LOG_EPSILON_BAND` and the loss's rounding, on every
    observation, where the reference's own loss is off on one at least; and the
    gradient must be ``p - t``'s, or that of the loss with ``eps``, to
    :data:`MATCH_RTOL`.

    Returns
    -------
    (float, str) or None
        ``eps``, and the gradient's form: ``plain`` (``p - t``), ``eps`` (the
        derivative of the loss with ``eps``), or ``either`` where the two agree
        to :data:`MATCH_RTOL` (small ``eps``).
    """
    base = Variant(read_layout=layout, write_layout=layout)
    losses = []
    for seen in observations:
        if (reference := _numbers(base, seen, layout, activation)) is None:
            return None
        if not math.isfinite(seen.loss):
            return None
        rounding = OWN_LOSS_RTOL * max(abs(reference[0]), abs(seen.loss))
        losses.append((seen.loss - reference[0], reference[0], rounding))
    if not losses or all(abs(shift) <= rounding for shift, _, rounding in losses):
        return None  # no observation, or the reference's loss is the submission's
    for eps in LOG_EPSILONS:
        candidate = replace(base, log_eps=eps)
        fits = True
        for seen, (shift, reference_loss, rounding) in zip(observations, losses, strict=True):
            numbers = _numbers(candidate, seen, layout, activation)
            expected = math.inf if numbers is None else numbers[0] - reference_loss
            if not abs(shift - expected) <= LOG_EPSILON_BAND * abs(expected) + rounding:
                fits = False
                break
        if not fits:
            continue
        forms = [
            form
            for form, eps_gradient in (("plain", False), ("eps", True))
            if all(
                _gradient_matches(
                    replace(candidate, log_eps_gradient=eps_gradient), seen, layout, activation
                )
                for seen in observations
            )
        ]
        if not forms:
            return None  # the loss's eps, but a gradient of neither form
        return eps, forms[0] if len(forms) == 1 else "either"
    return None


def _gradient_matches(variant: Variant, seen: Observation, layout: str, activation: str) -> bool:
    """Whether ``variant``'s gradient is the submission's on ``seen``, to :data:`MATCH_RTOL`."""
    if (numbers := _numbers(variant, seen, layout, activation)) is None:
        return False
    grad = numbers[1]
    return float(np.max(np.abs(seen.grad - grad))) <= MATCH_RTOL * _size(seen, grad)


def _log_epsilon_found(eps: float, form: str) -> _Found:
    gradient = {
        "plain": "the gradient is the plain p - t: right for the exercise's loss, not this one's",
        "eps": "the gradient is this loss's derivative",
        "either": "the gradient is p - t or this loss's derivative (at this eps they agree "
        f"to {MATCH_RTOL:g})",
    }[form]
    return ("log-epsilon", f"here eps = {eps:g}; {gradient}", {"eps": eps})


def _block_rows(
    observations: Sequence[Observation], layout: str, activation: str
) -> list[tuple[Observation, float, Array, float]] | None:
    """Per observation: it, the reference's loss and canonical gradient, the yardstick."""
    base = Variant(read_layout=layout, write_layout=layout)
    rows = []
    for seen in observations:
        if (numbers := _numbers(base, seen, layout, activation)) is None:
            return None
        if not (math.isfinite(seen.loss) and np.all(np.isfinite(seen.grad))):
            return None
        rows.append((seen, numbers[0], numbers[1], _size(seen, numbers[1])))
    return rows


def _block_names(observations: Sequence[Observation]) -> list[str]:
    """Every block name of the observations' networks, in canonical order (W1, b1, W2, ...)."""
    names = {name for seen in observations for name, _, _ in blocks(seen.layer_sizes)}
    return sorted(names, key=lambda name: (int(name[1:]), name[0] != "W"))


def block_factors(
    observations: Sequence[Observation], layout: str, activation: str
) -> dict[str, tuple[float, bool]] | None:
    """Each block's factor, if the loss is right and each block a fixed multiple of the reference's.

    A weight block may also be scaled in its data part only, ``c Z^T delta``,
    its penalty ``2 lam W_l`` left right (``2 * (Z^T delta + lam W)``). Each
    factor is one of :data:`BLOCK_FACTORS`, the same on every observation; at
    least one is not 1, and not every one is 0 (a gradient of zeros is no
    factor's doing).

    Returns
    -------
    dict or None
        ``{block: (factor, data_part_only)}`` for every block, in canonical
        order, or None.
    """
    rows = _block_rows(observations, layout, activation)
    if not rows:
        return None
    for seen, loss, _, _ in rows:
        if abs(seen.loss - loss) > MATCH_RTOL * max(abs(loss), abs(seen.loss), 1e-300):
            return None  # the loss is not right
    factors = {}
    for name in _block_names(observations):
        entries = []
        for seen, _, grad, size in rows:
            where = {n: w for n, w, _ in blocks(seen.layer_sizes)}.get(name)
            if where is not None:
                entries.append((seen, grad[where], seen.grad[where], seen.W[where], size))
        fit = _block_factor(entries, name.startswith("W"))
        if fit is None:
            return None
        factors[name] = fit
    values = [factor for factor, _ in factors.values()]
    if all(factor == 1.0 for factor in values) or all(factor == 0.0 for factor in values):
        return None
    return factors


def _block_factor(
    entries: Sequence[tuple[Observation, Array, Array, Array, float]], weights: bool
) -> tuple[float, bool] | None:
    """One block's factor of :data:`BLOCK_FACTORS`, and whether it scales the data part only.

    ``entries`` hold, per observation, the reference's block, the submission's,
    the parameters' and the yardstick.
    """
    penalised = weights and any(seen.lam > 0 for seen, *_ in entries)
    for data_only in (False, True) if penalised else (False,):
        pairs = []
        for seen, reference, submitted, params, size in entries:
            penalty = 2.0 * seen.lam * params if data_only else 0.0
            pairs.append((reference - penalty, submitted - penalty, size))
        with np.errstate(all="ignore"):
            across = sum(float(np.dot(x, x)) for x, _, _ in pairs)
            along = sum(float(np.dot(x, y)) for x, y, _ in pairs)
            fitted = along / across if across > 0 else 1.0
            if not math.isfinite(fitted):
                return None
            factor = min(BLOCK_FACTORS, key=lambda f: abs(f - fitted))
            if all(
                float(np.max(np.abs(y - factor * x))) <= MATCH_RTOL * size for x, y, size in pairs
            ):
                return factor, data_only
    return None


def _block_scaled_found(factors: Mapping[str, tuple[float, bool]]) -> _Found:
    scaled = [(name, f, data) for name, (f, data) in factors.items() if f != 1.0]
    parts = []
    for i, (name, factor, data_only) in enumerate(scaled):
        text = f"d{name} is {_factor_text(factor)} x" + (" the reference" if i == 0 else "")
        if data_only:
            text += f" in its data part (its 2 lam {name} is right)"
        parts.append(text)
    detail = ", ".join(parts) + (
        "; the other blocks are right" if len(scaled) < len(factors) else ""
    )
    return (
        "block-scaled",
        detail,
        {"factors": {name: factor for name, factor, _ in scaled}},
    )


def _factor_text(factor: float) -> str:
    """2, -1, 1/4 or -1/2: a factor of :data:`BLOCK_FACTORS` as a student would write it."""
    if factor == round(factor):
        return str(int(factor))
    sign = "-" if factor < 0 else ""
    return f"{sign}1/{round(1 / abs(factor))}"


def block_ratios(
    observations: Sequence[Observation], layout: str, activation: str
) -> dict[str, str] | None:
    """The submission's gradient over the reference's per block, when each block is a multiple.

    Each block must be a multiple of the reference's block on each observation
    (to :data:`MATCH_RTOL` of the gradient's size, as in :func:`block_factors`).
    A block's ratio is then one number when it is the same on every
    observation, ``c N`` when it is proportional to the number of samples,
    else the range it takes (``3 to 7``).

    Returns
    -------
    dict or None
        ``{block: ratio as text}`` in canonical order, or None when some block
        is not a multiple of the reference's on some observation.
    """
    rows = _block_rows(observations, layout, activation)
    if not rows:
        return None
    ratios = {}
    for name in _block_names(observations):
        pairs = []  # (reference, submitted, size, N, own ratio)
        for seen, _, grad, size in rows:
            where = {n: w for n, w, _ in blocks(seen.layer_sizes)}.get(name)
            if where is None:
                continue
            x, y = grad[where], seen.grad[where]
            if float(np.max(np.abs(x))) <= MATCH_RTOL * size:
                if float(np.max(np.abs(y))) > MATCH_RTOL * size:
                    return None  # the reference's block is 0, the submission's is not
                continue  # no information on the ratio here
            with np.errstate(all="ignore"):
                own = float(np.dot(x, y)) / float(np.dot(x, x))
                if not (
                    math.isfinite(own) and float(np.max(np.abs(y - own * x))) <= MATCH_RTOL * size
                ):
                    return None
            pairs.append((x, y, size, seen.X.shape[0], own))
        ratios[name] = _ratio_text(pairs)
    return ratios


def _ratio_text(pairs: Sequence[tuple[Array, Array, float, int, float]]) -> str:
    """One block's ratio over the observations: ``0.5``, ``2 N``, ``3 to 7`` (see block_ratios)."""
    if not pairs:
        return "undetermined (the reference's block is 0)"
    for per_sample in (False, True):
        with np.errstate(all="ignore"):
            xs = [x * (n if per_sample else 1) for x, _, _, n, _ in pairs]
            across = sum(float(np.dot(x, x)) for x in xs)
            along = sum(float(np.dot(x, y)) for x, (_, y, _, _, _) in zip(xs, pairs, strict=True))
            common = along / across
            if all(
                float(np.max(np.abs(y - common * x))) <= MATCH_RTOL * size
                for x, (_, y, size, _, _) in zip(xs, pairs, strict=True)
            ):
                if not per_sample:
                    return f"{common:.6g}"
                return "N" if f"{common:.6g}" == "1" else f"{common:.6g} N"
    owns = [own for *_, own in pairs]
    return f"{min(owns):.6g} to {max(owns):.6g}"


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
        case.W,
        case.X,
        case.T,
        case.layer_sizes,
        case.lam,
        case.loss,
        case.grad,
        case.scale,
        case.output,
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
