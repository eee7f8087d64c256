"""``--layout auto``: find the known parameter layout a submission's numbers fit.

Each diagnostic problem's vector (:func:`.diagnosis.diagnostic_problems`) is
sent as it is; the reference is computed reading it in every known layout
(:data:`.layouts.LAYOUTS`), and the layout whose loss and gradient are closest
to the submission's, worst case over the problems, is chosen. A correct
submission matches one to rounding; a wrong one is still far closer in its own
layout than in another.
"""

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.diagnosis import diagnostic_problems
from backprop_oracle.findings import Finding
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.tolerances import GRADIENT_RTOL
from manual_backprop.gradcheck import gradient_scale, relative_error

__all__ = ["detect_layout"]

Array = NDArray[np.float64]


def detect_layout(
    answer: Callable[[Array, Array, Array, list[int], float], tuple[float, Array] | None],
    activation: str,
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

    Returns
    -------
    layout : str
        One of :data:`~backprop_oracle.layouts.LAYOUTS`; ``canonical`` when no
        problem was answered, and on ties.
    note : Finding
        A ``note`` naming the layout and how well the submission fits it.
    """
    worst = dict.fromkeys(LAYOUTS, 0.0)
    answered = 0
    for W, X, T, sizes, lam in diagnostic_problems():
        reply = answer(W, X, T, sizes, lam)
        if reply is None:
            continue
        answered += 1
        loss, grad = reply
        for layout in LAYOUTS:
            W_read = from_layout(W, sizes, layout)
            args = (W_read, X, T, sizes, lam, activation)
            reference_loss, reference_grad = mb.loss_and_grad(*args)
            written = to_layout(reference_grad, sizes, layout)
            error = max(
                abs(loss - reference_loss) / reference_loss,
                relative_error(grad, written, gradient_scale(*args)),
            )
            worst[layout] = max(worst[layout], error)
    if answered == 0:
        return "canonical", Finding(
            "note",
            "--layout auto: no diagnostic problem was answered; judged in the canonical layout",
        )
    chosen = min(LAYOUTS, key=lambda layout: worst[layout])  # ties: canonical first
    fit = "matches" if worst[chosen] <= GRADIENT_RTOL else "comes closest to"
    return chosen, Finding(
        "note",
        f"--layout auto: the submission {fit} the {chosen} layout "
        f"(largest relative error {worst[chosen]:.2g} over {answered} problems), "
        "so it is judged in that layout",
        {"layout": chosen},
    )
