"""The flat parameter vector: its length, unpacking into layers, packing, initialisation.

``scipy.optimize.minimize`` works on one flat vector, the network on matrices.
The canonical layout puts each layer's weight matrix (row-major) and then its
bias, layer after layer::

    W = [ W_1.ravel() | b_1 | W_2.ravel() | b_2 | ... | W_L.ravel() | b_L ]

with ``W_l`` of shape ``(n_{l-1}, n_l)`` and ``b_l`` of shape ``(n_l,)``. The
gradient uses the same layout.

See Also
--------
jax_reference.layout : the same layout, written independently.
"""

from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from manual_backprop._checks import check_layer_sizes

__all__ = ["init_weights", "n_params", "pack", "unpack"]

Array = NDArray[np.float64]


def n_params(layer_sizes: Sequence[int]) -> int:
    r"""Number of parameters of the network, weights and biases.

    .. math:: \sum_{l=1}^{L} (n_{l-1} + 1)\, n_l

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.

    Returns
    -------
    int
    """
    return _n_params(check_layer_sizes(layer_sizes))


def _n_params(layer_sizes: Sequence[int]) -> int:
    """:func:`n_params` of already validated sizes (validating them takes longer than this)."""
    return sum((n_in + 1) * n_out for n_in, n_out in pairwise(layer_sizes))


def _unpack(W: Array, layer_sizes: Sequence[int]) -> list[tuple[Array, Array]]:
    """Split an already validated flat vector into ``(W_l, b_l)`` views."""
    params = []
    start = 0
    for n_in, n_out in pairwise(layer_sizes):
        W_l = W[start : start + n_in * n_out].reshape(n_in, n_out)
        start += n_in * n_out
        b_l = W[start : start + n_out]
        start += n_out
        params.append((W_l, b_l))
    return params


def unpack(W: Array, layer_sizes: Sequence[int]) -> list[tuple[Array, Array]]:
    """Split the flat vector into one ``(W_l, b_l)`` pair per layer.

    The blocks are *views* into ``W``: no data is copied, and writing into a
    block writes into ``W``. This is how :func:`manual_backprop.loss_and_grad`
    fills its flat gradient one layer at a time.

    Parameters
    ----------
    W : ndarray, shape (n_params,)
        Flat float64 vector in the canonical layout.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.

    Returns
    -------
    list of (ndarray, ndarray)
        ``[(W_1, b_1), ..., (W_L, b_L)]``, ``W_l`` of shape ``(n_{l-1}, n_l)``
        and ``b_l`` of shape ``(n_l,)``.

    Raises
    ------
    TypeError
        If ``W`` is not a float64 numpy array: a view into a converted copy
        would silently not be a view of the caller's array.
    ValueError
        If ``W`` is not a vector of the right length.
    """
    sizes = check_layer_sizes(layer_sizes)
    if not isinstance(W, np.ndarray) or W.dtype != np.float64:
        raise TypeError("W: unpack returns views, so W must already be a float64 numpy array")
    expected = n_params(sizes)
    if W.shape != (expected,):
        raise ValueError(
            f"W: expected a flat vector of {expected} parameters for these layer_sizes, "
            f"got shape {W.shape}"
        )
    return _unpack(W, sizes)


def pack(params: Iterable[tuple[Array, Array]]) -> Array:
    """Concatenate ``(W_l, b_l)`` pairs into a new flat vector; the inverse of :func:`unpack`.

    Parameters
    ----------
    params : iterable of (ndarray, ndarray)
        ``W_l`` of shape ``(n_{l-1}, n_l)`` and ``b_l`` of shape ``(n_l,)``.

    Returns
    -------
    ndarray, shape (n_params,)
        A new float64 array.
    """
    pieces: list[Array] = []
    n_prev: int | None = None
    for l, (W_l, b_l) in enumerate(params, start=1):
        W_l = np.asarray(W_l, dtype=np.float64)
        b_l = np.asarray(b_l, dtype=np.float64)
        if W_l.ndim != 2 or b_l.shape != (W_l.shape[1],):
            raise ValueError(
                f"params: layer {l} needs W_{l} of shape (n_in, n_out) and b_{l} of shape "
                f"(n_out,), got {W_l.shape} and {b_l.shape}"
            )
        if n_prev is not None and W_l.shape[0] != n_prev:
            raise ValueError(
                f"params: W_{l} has {W_l.shape[0]} rows but layer {l - 1} has {n_prev} units"
            )
        n_prev = W_l.shape[1]
        pieces += [W_l.ravel(order="C"), b_l]
    if not pieces:
        raise ValueError("params: expected at least one (W, b) pair")
    return np.concatenate(pieces)


def init_weights(layer_sizes: Sequence[int], seed: int | np.random.Generator) -> Array:
    r"""Random initial parameters by the exercise's rule (Exercise 1.e).

    Every parameter of layer ``l``, weights and bias alike, is drawn from
    :math:`U[-\varepsilon_l, \varepsilon_l]` with

    .. math:: \varepsilon_l = \sqrt{\frac{2}{n_{l-1} + n_l}}

    Layers are drawn in order, each as one block in the canonical layout, so
    the same seed always gives the same vector.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    seed : int or numpy.random.Generator
        Seed of the ``numpy.random.Generator`` that draws the values (or the
        generator itself).

    Returns
    -------
    ndarray, shape (n_params,)
    """
    sizes = check_layer_sizes(layer_sizes)
    rng = np.random.default_rng(seed)
    blocks = []
    for n_in, n_out in pairwise(sizes):
        eps = np.sqrt(2.0 / (n_in + n_out))
        blocks.append(rng.uniform(-eps, eps, size=(n_in + 1) * n_out))
    return np.concatenate(blocks)
