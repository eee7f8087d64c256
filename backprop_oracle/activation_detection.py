"""``--activation auto``: find the hidden activation a submission's numbers fit.

The twin of :mod:`.layout_detection`. The submission is asked, in the layout
it is judged in, for each diagnostic problem of the family with at least one
hidden layer (:func:`.diagnosis.diagnostic_problems`; without one, every
activation gives the same numbers), and its answers are compared with the
reference computed with every hidden activation
(:data:`manual_backprop.activations.ACTIVATIONS`);
:func:`.layout_detection.best_fit` chooses (the one matched; else the one whose
loss is matched; else the one with which a known mistake, a wrong layout
included, reproduces the numbers; else the closest).

The problems' inputs are continuous random numbers, so no ReLU pre-activation
is exactly 0: ``relu'(0)`` (0 or 1, both valid) never decides anything here.
"""

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from backprop_oracle.diagnosis import diagnostic_problems
from backprop_oracle.findings import Finding
from backprop_oracle.layout_detection import answered, best_fit
from backprop_oracle.layouts import to_layout
from manual_backprop.activations import ACTIVATIONS

__all__ = ["detect_activation"]

Array = NDArray[np.float64]


def detect_activation(
    answer: Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None],
    layout: str,
    *,
    hidden: tuple[int, int] = (0, 5),
    outputs: str = "both",
    lam_range: tuple[float, float] = (0.0, math.inf),
) -> tuple[str, Finding]:
    """The hidden activation to judge a submission with, and a note that says why.

    Parameters
    ----------
    answer : callable
        ``answer(W, X, T, layer_sizes, lam) -> (loss, grad)`` or None, ``W``
        and ``grad`` canonical, as in :func:`.diagnosis.diagnose`: the
        submission's finite answer, asked in ``layout`` (``W`` sent in it and
        ``grad`` read back from it: the submission's ``answer`` in that layout),
        or None where it gave none.
    layout : str
        The layout the submission is judged in, one of
        :data:`~backprop_oracle.layouts.LAYOUTS` (``canonical`` before
        ``--layout auto`` has found one): a wrong layout is a known mistake
        relative to it.
    hidden, outputs, lam_range
        The family of problems the submission is judged on, as in
        :func:`.diagnosis.diagnostic_problems`: only its problems with a hidden
        layer are sent.

    Returns
    -------
    activation : str
        One of ``sigmoid``, ``relu``, ``tanh``, chosen by
        :func:`~backprop_oracle.layout_detection.best_fit`; ``sigmoid`` when
        no problem with a hidden layer was answered (or the family has none),
        and on ties.
    note : Finding
        A ``note`` naming the activation and how well the submission fits it.
    """
    problems = [
        problem
        for problem in diagnostic_problems(hidden, outputs, lam_range)
        if len(problem[3]) > 2  # a hidden layer: the only place the activation acts
    ]
    if not problems:
        return "sigmoid", Finding(
            "note",
            "--activation auto: these problems have no hidden layer, so the activation "
            "changes nothing; judged with sigmoid",
        )
    replies = [  # as sent to the submission and returned by it, in its layout
        ((to_layout(W, sizes, layout), X, T, sizes, lam), loss, to_layout(grad, sizes, layout))
        for (W, X, T, sizes, lam), loss, grad in answered(answer, problems)
    ]
    if not replies:
        return "sigmoid", Finding(
            "note",
            "--activation auto: no diagnostic problem with a hidden layer was answered; "
            "judged with sigmoid",
        )
    readings = {activation: (layout, activation) for activation in ACTIVATIONS}
    chosen, fit, error = best_fit(replies, readings)  # ties: sigmoid, the first
    network = f"a network of {chosen} hidden units"
    how = {
        "matches": f"matches {network}",
        "loss": f"computes the loss of {network}, but not its gradient",
        "mistake": f"makes a known mistake in {network}",
        "closest": f"comes closest to {network}",
    }[fit]
    return chosen, Finding(
        "note",
        f"--activation auto: the submission {how} "
        f"(largest relative error {error:.2g} over {len(replies)} problems), "
        f"so it is judged with --activation {chosen}",
        {"activation": chosen},
    )
