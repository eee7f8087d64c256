r"""The canonical flat parameter vector ``W`` and its blocks ``(W_l, b_l)``.

.. math::

    W = \bigl(\operatorname{vec}_C(W_1), b_1, \operatorname{vec}_C(W_2), b_2,
              \dots, \operatorname{vec}_C(W_L), b_L\bigr)

where :math:`\operatorname{vec}_C` flattens a matrix row by row (numpy's
``ravel(order="C")``). Its length is :math:`\sum_{l=1}^{L} (n_{l-1} + 1)\, n_l`. The
gradient returned by ``loss_and_grad`` has the same layout.

JAX arrays are immutable, so the blocks returned by :func:`unpack` can never alias
anything a caller could modify; whether they are views or copies is unobservable.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from numpy.typing import ArrayLike

from . import _checks
from ._x64 import in_float64

__all__ = ["n_params", "pack", "unpack"]


def n_params(layer_sizes: Sequence[int]) -> int:
    r"""Number of parameters of the network, the length of ``W``.

    .. math::

        \sum_{l=1}^{L} (n_{l-1} + 1)\, n_l

    Parameters
    ----------
    layer_sizes : sequence of int, length L + 1
        :math:`[n_0, n_1, \dots, n_L]`, all positive, ``L >= 1``.

    Returns
    -------
    int

    See Also
    --------
    manual_backprop.layout.n_params : the numpy twin.
    """
    sizes = _checks.check_layer_sizes(layer_sizes)
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))


@in_float64
def unpack(W: ArrayLike, layer_sizes: Sequence[int]) -> list[tuple[jax.Array, jax.Array]]:
    r"""Split the flat vector ``W`` into the blocks ``[(W_1, b_1), ..., (W_L, b_L)]``.

    Parameters
    ----------
    W : array_like, shape (n_params(layer_sizes),)
        The canonical flat vector. Only its shape is checked, so ``unpack`` also works
        inside ``jax.jit`` and ``jax.grad``.
    layer_sizes : sequence of int, length L + 1
        :math:`[n_0, n_1, \dots, n_L]`.

    Returns
    -------
    list of (jax.Array, jax.Array), length L
        ``(W_l, b_l)`` with ``W_l`` of shape (n_{l-1}, n_l) and ``b_l`` of shape
        (n_l,), float64.

    Raises
    ------
    TypeError, ValueError
        ``layer_sizes`` invalid, or ``W`` not a real 1-D array of the right length.

    See Also
    --------
    pack : the inverse.
    manual_backprop.layout.unpack : the numpy twin.
    """
    sizes = _checks.check_layer_sizes(layer_sizes)
    W = jnp.asarray(_checks.check_flat_shape(W, sizes, n_params(sizes)), dtype=jnp.float64)
    params = []
    start = 0
    for n_in, n_out in itertools.pairwise(sizes):
        W_l = W[start : start + n_in * n_out].reshape(n_in, n_out)  # row-major, as ravel(order="C")
        start += n_in * n_out
        b_l = W[start : start + n_out]
        start += n_out
        params.append((W_l, b_l))
    return params


@in_float64
def pack(params: Sequence[tuple[ArrayLike, ArrayLike]]) -> jax.Array:
    r"""Concatenate blocks ``[(W_1, b_1), ..., (W_L, b_L)]`` into the flat vector ``W``.

    Parameters
    ----------
    params : sequence of (array_like, array_like), length L
        ``W_l`` of shape (n_{l-1}, n_l) and ``b_l`` of shape (n_l,); consecutive
        layers must chain (the rows of ``W_l`` equal the columns of ``W_{l-1}``).

    Returns
    -------
    W : jax.Array, shape (sum_l (n_{l-1} + 1) n_l,), float64

    Raises
    ------
    TypeError, ValueError
        ``params`` is not a sequence of pairs of real arrays with chaining shapes.

    See Also
    --------
    unpack : the inverse.
    manual_backprop.layout.pack : the numpy twin.
    """
    blocks = []
    for W_l, b_l in _checks.check_params(params):
        blocks.append(jnp.ravel(jnp.asarray(W_l, dtype=jnp.float64)))  # row by row
        blocks.append(jnp.asarray(b_l, dtype=jnp.float64))
    return jnp.concatenate(blocks)
