"""The oracle's comparison rules: pure functions of numbers, no worker, no search.

Each rule takes what a submission returned and what the reference computed,
and says whether they agree within the tolerances of :mod:`.tolerances`; a
disagreement is described block by block in the canonical layout (SPEC
section 2), so that a report can say *where* a gradient is wrong.
"""

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backprop_oracle.tolerances import GRADIENT_RTOL
from manual_backprop.gradcheck import pre_activations

__all__ = ["block_of", "blocks", "localise", "on_a_kink"]

Array = NDArray[np.float64]


def blocks(layer_sizes: Sequence[int]) -> list[tuple[str, slice, tuple[int, ...]]]:
    """The parameter blocks of the canonical vector, in order.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, ..., n_L]``.

    Returns
    -------
    list of (str, slice, tuple of int)
        ``(name, where, shape)`` for ``W1, b1, W2, ...``: ``W[where]`` holds the
        block, ``W_l`` of shape ``(n_{l-1}, n_l)`` row-major, ``b_l`` of shape ``(n_l,)``.
    """
    found: list[tuple[str, slice, tuple[int, ...]]] = []
    start = 0
    for l, (n_in, n_out) in enumerate(pairwise(layer_sizes), start=1):
        found.append((f"W{l}", slice(start, start + n_in * n_out), (n_in, n_out)))
        start += n_in * n_out
        found.append((f"b{l}", slice(start, start + n_out), (n_out,)))
        start += n_out
    return found


def block_of(index: int, layer_sizes: Sequence[int]) -> str:
    """The name of the parameter at flat ``index``, such as ``W2[3, 0]`` or ``b1[4]``.

    Parameters
    ----------
    index : int
        A position in the canonical vector ``W`` of shape ``(n_params,)``.
    layer_sizes : sequence of int
        ``[n_0, ..., n_L]``.

    Raises
    ------
    IndexError
        When ``index`` is beyond the last parameter.
    """
    start = 0
    for l, (n_in, n_out) in enumerate(pairwise(layer_sizes), start=1):
        if index < start + n_in * n_out:
            row, column = divmod(index - start, n_out)
            return f"W{l}[{row}, {column}]"
        start += n_in * n_out
        if index < start + n_out:
            return f"b{l}[{index - start}]"
        start += n_out
    raise IndexError(f"index {index} is beyond the {start} parameters of {list(layer_sizes)}")


def localise(
    grad: Array, reference: Array, layer_sizes: list[int], scale: float, worst: int = 3
) -> list[dict[str, Any]]:
    """The blocks where ``grad`` and ``reference`` differ beyond tolerance, worst entries first.

    Parameters
    ----------
    grad, reference : ndarray of shape (n_params,)
        The submission's gradient and the reference's, both canonical.
    layer_sizes : list of int
        ``[n_0, ..., n_L]``.
    scale : float
        The gradient's scale (:func:`manual_backprop.gradcheck.gradient_scale`):
        a block fails when ``max |grad - reference| / scale`` exceeds
        :data:`~backprop_oracle.tolerances.GRADIENT_RTOL`.
    worst : int
        How many entries of each failing block to name.

    Returns
    -------
    list of dict
        One ``{"block", "relative_error", "worst": [{"entry", "submission",
        "reference"}, ...]}`` per failing block, the largest error first.
    """
    found = []
    for name, where, _ in blocks(layer_sizes):
        gap = np.abs(grad[where] - reference[where])
        error = float(np.max(gap)) / scale if scale > 0 else math.inf
        if not error > GRADIENT_RTOL:
            continue
        order = np.argsort(-gap, kind="stable")[:worst]
        found.append(
            {
                "block": name,
                "relative_error": error,
                "worst": [
                    {
                        "entry": block_of(where.start + int(i), layer_sizes),
                        "submission": float(grad[where][i]),
                        "reference": float(reference[where][i]),
                    }
                    for i in order
                ],
            }
        )
    return sorted(found, key=lambda b: -b["relative_error"])


def on_a_kink(W: Array, X: Array, layer_sizes: list[int]) -> bool:
    """Whether some hidden pre-activation of a ReLU network is exactly 0.

    There ``relu'(0)`` may be taken as 0 (the reference) or 1 (SPEC section
    1): both are right, so such a problem decides nothing about a submission.

    Parameters
    ----------
    W : ndarray of shape (n_params,)
        Canonical parameter vector.
    X : ndarray of shape (N, n_0)
        Inputs.
    layer_sizes : list of int
        ``[n_0, ..., n_L]``.
    """
    A = pre_activations(W, X, layer_sizes, "relu")
    return any(bool(np.any(A_l == 0.0)) for A_l in A[:-1])
