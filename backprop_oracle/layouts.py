"""The flat parameter layouts a submission may use (SPEC section 2).

Every layout is a permutation of the canonical vector, so converting is one
fancy-indexing step each way: ``W_layout = W[order]`` and
``W = W_layout[inverse(order)]``.

============================  ===================================================
``canonical``                 ``W_1.ravel(), b_1, W_2.ravel(), b_2, ...`` (row-major)
``weights-then-biases``       ``W_1.ravel(), ..., W_L.ravel(), b_1, ..., b_L``
                              (scikit-learn's ``coefs_`` then ``intercepts_``)
``ng``                        per layer ``Theta_l = [b_l | W_l^T]``, shape
                              ``(n_l, n_{l-1} + 1)``, flattened column-major
                              (MATLAB's ``[Theta1(:); Theta2(:)]``)
============================  ===================================================
"""

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

__all__ = ["LAYOUTS", "from_layout", "index_blocks", "layout_order", "theta_indices", "to_layout"]

LAYOUTS = ("canonical", "weights-then-biases", "ng")


def index_blocks(layer_sizes: Sequence[int]) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Per layer, the canonical indices of ``W_l`` (shape ``(n_(l-1), n_l)``) and of ``b_l``."""
    blocks, start = [], 0
    for n_in, n_out in pairwise(layer_sizes):
        weights = np.arange(start, start + n_in * n_out).reshape(n_in, n_out)
        biases = np.arange(start + n_in * n_out, start + (n_in + 1) * n_out)
        blocks.append((weights, biases))
        start += (n_in + 1) * n_out
    return blocks


def theta_indices(layer_sizes: Sequence[int]) -> list[NDArray[np.intp]]:
    """Per layer, the canonical indices of ``Theta_l = [b_l | W_l^T]``, shape
    ``(n_l, n_(l-1) + 1)``, the bias column first."""
    return [np.column_stack([b_l, W_l.T]) for W_l, b_l in index_blocks(layer_sizes)]


def layout_order(layer_sizes: Sequence[int], layout: str) -> NDArray[np.intp]:
    """Canonical indices in the order ``layout`` stores them."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout: expected one of {', '.join(LAYOUTS)}, got {layout!r}")
    if layout == "canonical":
        return np.arange(sum((a + 1) * b for a, b in pairwise(layer_sizes)))
    if layout == "weights-then-biases":
        blocks = index_blocks(layer_sizes)
        return np.concatenate([W_l.ravel() for W_l, _ in blocks] + [b_l for _, b_l in blocks])
    return np.concatenate([t.ravel(order="F") for t in theta_indices(layer_sizes)])


def to_layout(
    W: NDArray[np.float64], layer_sizes: Sequence[int], layout: str
) -> NDArray[np.float64]:
    """The canonical vector ``W`` rearranged into ``layout``."""
    return W[layout_order(layer_sizes, layout)]


def from_layout(
    W: NDArray[np.float64], layer_sizes: Sequence[int], layout: str
) -> NDArray[np.float64]:
    """A vector in ``layout`` rearranged into the canonical layout."""
    canonical = np.empty_like(W)
    canonical[layout_order(layer_sizes, layout)] = W
    return canonical
