"""``--layout auto``: find the known parameter layout a submission's numbers fit.

Each diagnostic problem's vector (:func:`.diagnosis.diagnostic_problems`) is
sent as it is, and the answers are compared with the reference reading it in
every known layout (:data:`.layouts.LAYOUTS`). Given a family (hidden layers,
outputs, ``lam``), only its problems are sent: a submission written for one
part of a check may refuse the others.

:func:`best_fit` chooses, here and for ``--activation auto``
(:mod:`.activation_detection`), among readings of the reference (a layout and
an activation each), in this order:

1. the one whose loss and gradient the submission matches on every problem
   (a correct submission matches one to rounding);
2. the first whose loss it matches (its forward pass is right and its
   gradient is not: a mistake of the backward pass, known or not);
3. the first with which a known mistake, or a pair of them, reproduces its
   numbers (:func:`.diagnosis.explaining_from`; single mistakes are tried
   with every reading before pairs are);
4. the one closest to its numbers, worst case over the problems.

The closest alone is not enough for a wrong submission: a mistake such as a
missing ``1/N`` moves the numbers further than another layout or activation
does, and a canonical sigmoid network with it comes closer to other readings
than to its own.
"""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.diagnosis import (
    Observation,
    Problem,
    candidate_variants,
    diagnostic_problems,
    explaining_from,
)
from backprop_oracle.findings import Finding
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.mistakes import Variant
from backprop_oracle.tolerances import GRADIENT_RTOL
from manual_backprop.gradcheck import gradient_scale, relative_error

__all__ = ["FITS", "Reply", "answered", "best_fit", "detect_layout", "errors"]

Array = NDArray[np.float64]
#: A problem the submission answered, with its loss and gradient as they came back.
Reply = tuple[Problem, float, Array]
#: How a reading fits, best first (:func:`best_fit`'s steps 1 to 4).
FITS = ("matches", "loss", "mistake", "closest")


def detect_layout(
    answer: Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None],
    activation: str,
    *,
    hidden: tuple[int, int] = (0, 5),
    outputs: str = "both",
    lam_range: tuple[float, float] = (0.0, math.inf),
) -> tuple[str, Finding]:
    """The layout to judge a submission in, and a note that says why.

    Parameters
    ----------
    answer : callable
        ``answer(W, X, T, layer_sizes, lam) -> (loss, grad)`` or None: the
        submission's finite answer, ``W`` sent and ``grad`` read back unchanged
        (both of shape ``(n_params,)``), or None where it gave none.
    activation : str
        The hidden activation the submission is checked with.
    hidden, outputs, lam_range
        The family of problems the submission is judged on, as in
        :func:`.diagnosis.diagnostic_problems`: only its problems are sent.

    Returns
    -------
    layout : str
        One of :data:`~backprop_oracle.layouts.LAYOUTS`, chosen by
        :func:`best_fit`; ``canonical`` when no problem was answered, and on ties.
    note : Finding
        A ``note`` naming the layout and how well the submission fits it.
    """
    replies = answered(answer, diagnostic_problems(hidden, outputs, lam_range))
    if not replies:
        return "canonical", Finding(
            "note",
            "--layout auto: no diagnostic problem was answered; judged in the canonical layout",
        )
    readings = {layout: (layout, activation) for layout in LAYOUTS}
    chosen, fit, error = best_fit(replies, readings)
    how = {
        "matches": f"matches the {chosen} layout",
        "loss": f"computes the loss of the {chosen} layout, but not its gradient",
        "mistake": f"makes a known mistake in the {chosen} layout",
        "closest": f"comes closest to the {chosen} layout",
    }[fit]
    return chosen, Finding(
        "note",
        f"--layout auto: the submission {how} "
        f"(largest relative error {error:.2g} over {len(replies)} problems), "
        "so it is judged in that layout",
        {"layout": chosen},
    )


def answered(
    answer: Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None],
    problems: Iterable[Problem],
) -> list[Reply]:
    """The problems the submission answered, each with its loss and gradient, in order."""
    replies = []
    for problem in problems:
        if (reply := answer(*problem)) is not None:
            replies.append((problem, *reply))
    return replies


def best_fit(
    replies: Sequence[Reply], readings: Mapping[str, tuple[str, str]]
) -> tuple[str, str, float]:
    """The reading of the reference that fits the submission's answers best.

    Parameters
    ----------
    replies : sequence of Reply
        At least one answered problem, vectors as sent and as returned.
    readings : mapping of str to (str, str)
        Named ``(layout, activation)`` pairs, in order of preference (ties go
        to the first): the reference reads the sent vector in ``layout``,
        computes with ``activation`` and writes its gradient in ``layout``.

    Returns
    -------
    name : str
        The reading chosen, by the module's steps 1 to 4.
    fit : str
        Which step chose it, one of :data:`FITS`.
    error : float
        Its largest relative error (loss or gradient) over the replies.
    """
    loss_error, worst = {}, {}
    for name, (layout, activation) in readings.items():
        measured = [errors(*reply, layout, activation) for reply in replies]
        loss_error[name] = max(loss for loss, _ in measured)
        worst[name] = max(max(pair) for pair in measured)
    closest = min(readings, key=lambda name: worst[name])  # ties: the first
    if worst[closest] <= GRADIENT_RTOL:
        return closest, "matches", worst[closest]
    if right_loss := [name for name in readings if loss_error[name] <= GRADIENT_RTOL]:
        return right_loss[0], "loss", worst[right_loss[0]]
    if (explained := _explained(replies, readings)) is not None:
        return explained, "mistake", worst[explained]
    return closest, "closest", worst[closest]


def errors(
    problem: Problem, loss: float, grad: Array, layout: str, activation: str
) -> tuple[float, float]:
    """How far an answer is from the reference that reads ``W`` in ``layout``, with ``activation``.

    Parameters
    ----------
    problem : Problem
        ``(W, X, T, layer_sizes, lam)``, ``W`` as it was sent.
    loss, grad : float, ndarray of shape (n_params,)
        The submission's answer, ``grad`` as it came back.
    layout, activation : str
        How the reference reads ``W`` (and writes its gradient), and its hidden activation.

    Returns
    -------
    loss_error, gradient_error : float
        The loss's relative error, and the gradient's normwise relative error
        over :func:`~manual_backprop.gradcheck.gradient_scale`.
    """
    W, X, T, sizes, lam = problem
    args = (from_layout(W, sizes, layout), X, T, sizes, lam, activation)
    reference_loss, reference_grad = mb.loss_and_grad(*args)
    written = to_layout(reference_grad, sizes, layout)
    return (
        abs(loss - reference_loss) / reference_loss,
        relative_error(grad, written, gradient_scale(*args)),
    )


def _explained(replies: Sequence[Reply], readings: Mapping[str, tuple[str, str]]) -> str | None:
    """The first reading with which a known mistake reproduces every reply, if one does."""
    observations = {
        name: [_observation(reply, layout, activation) for reply in replies]
        for name, (layout, activation) in readings.items()
    }
    rounds = [
        chain([[Variant(read_layout=layout, write_layout=layout)]], candidate_variants(layout))
        for layout, _ in readings.values()
    ]
    for each_reading in zip(*rounds, strict=True):  # no mistake, single mistakes, pairs
        for name, candidates in zip(readings, each_reading, strict=True):
            layout, activation = readings[name]
            if explaining_from(candidates, observations[name], layout, activation):
                return name
    return None


def _observation(reply: Reply, layout: str, activation: str) -> Observation:
    """A reply (vectors as sent and returned in ``layout``) as a diagnostic observation."""
    (W, X, T, sizes, lam), loss, grad = reply
    canonical = from_layout(W, sizes, layout)
    scale = gradient_scale(canonical, X, T, sizes, lam, activation)
    return Observation(canonical, X, T, sizes, lam, loss, from_layout(grad, sizes, layout), scale)
