r"""The objective's terms: cross-entropy data terms and the L2 penalty.

The data terms: one sigmoid output's binary cross-entropy, a softmax output's
categorical one, and (Coursera ML ex4) K independent sigmoid outputs' binary
cross-entropies summed over the units.

Both data terms are computed from the logits (the output pre-activations) with
log-sigmoid and log-softmax, never as ``log(p)`` of a rounded probability: they stay
finite, warning-free and accurate for logits of any size float64 holds (1e3, 1e300).
There is no output delta here: ``jax.grad`` of these functions *is* the delta
:math:`(p - t) / N` that ``manual_backprop.losses`` writes by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from numpy.typing import ArrayLike

from ._x64 import in_float64

__all__ = ["binary_cross_entropy", "l2_penalty", "sigmoids_cross_entropy", "softmax_cross_entropy"]


@in_float64
def binary_cross_entropy(a: ArrayLike, t: ArrayLike) -> jax.Array:
    r"""Mean binary cross-entropy of a sigmoid output, from its logits.

    .. math::

        J_{\text{data}} = -\frac{1}{N} \sum_{i=1}^{N}
            \left[ t_i \log \sigma(a_i) + (1 - t_i) \log\bigl(1 - \sigma(a_i)\bigr) \right]

    with :math:`\log \sigma(a) = -\log(1 + e^{-a})` and
    :math:`\log(1 - \sigma(a)) = \log \sigma(-a)`, both by ``jax.nn.log_sigmoid``.
    For example :math:`a = 1000, t = 0` gives exactly 1000, not ``-log(0) = inf``.

    Parameters
    ----------
    a : array_like, shape (N,)
        Output logits :math:`a_i`, the pre-activation of the single output unit.
    t : array_like, shape (N,)
        Targets in :math:`[0, 1]` (the caller validates them).

    Returns
    -------
    jax.Array, shape (), float64
        The mean over the N samples.

    See Also
    --------
    manual_backprop.losses.binary_cross_entropy : the numpy twin.
    """
    a = jnp.asarray(a, dtype=jnp.float64)
    t = jnp.asarray(t, dtype=jnp.float64)
    if a.ndim != 1:
        raise ValueError(f"a: expected shape (N,); got shape {a.shape}")
    if t.shape != a.shape:
        raise ValueError(f"t: expected the shape of a, {a.shape}; got shape {t.shape}")
    log_p = jax.nn.log_sigmoid(a)  # log p_i
    log_one_minus_p = jax.nn.log_sigmoid(-a)  # log(1 - p_i)
    log_likelihood = t * log_p + (1.0 - t) * log_one_minus_p
    return -jnp.mean(log_likelihood)


@in_float64
def sigmoids_cross_entropy(A: ArrayLike, T: ArrayLike) -> jax.Array:
    r"""Binary cross-entropies of K independent sigmoid outputs, summed over the units.

    .. math::

        J_{\text{data}} = -\frac{1}{N} \sum_{i=1}^{N} \sum_{k=1}^{K}
            \left[ T_{ik} \log \sigma(A_{ik})
                   + (1 - T_{ik}) \log\bigl(1 - \sigma(A_{ik})\bigr) \right]

    Coursera ML ex4's output: every unit is a logistic unit of its own, a row of ``T``
    may hold any number of 1s, and the mean is over the N samples (not the N K
    entries). For K = 1 it is :func:`binary_cross_entropy`. Both logs come from
    ``jax.nn.log_sigmoid``, as there, never from a rounded probability.

    Parameters
    ----------
    A : array_like, shape (N, K)
        Output logits, one row per sample, one column per output unit.
    T : array_like, shape (N, K)
        Targets in :math:`[0, 1]` (the caller validates them).

    Returns
    -------
    jax.Array, shape (), float64
        The sum over the K units of the mean over the N samples.

    See Also
    --------
    manual_backprop.losses.sigmoids_cross_entropy : the numpy twin.
    """
    A = jnp.asarray(A, dtype=jnp.float64)
    T = jnp.asarray(T, dtype=jnp.float64)
    if A.ndim != 2:
        raise ValueError(f"A: expected shape (N, K); got shape {A.shape}")
    if T.shape != A.shape:
        raise ValueError(f"T: expected the shape of A, {A.shape}; got shape {T.shape}")
    log_P = jax.nn.log_sigmoid(A)  # log P_ik
    log_one_minus_P = jax.nn.log_sigmoid(-A)  # log(1 - P_ik)
    log_likelihood = T * log_P + (1.0 - T) * log_one_minus_P
    return -jnp.sum(log_likelihood) / A.shape[0]


@in_float64
def softmax_cross_entropy(A: ArrayLike, T: ArrayLike) -> jax.Array:
    r"""Mean cross-entropy of a softmax output, from its logits.

    .. math::

        J_{\text{data}} = -\frac{1}{N} \sum_{i=1}^{N} \sum_{k=1}^{K} T_{ik} \log P_{ik},
        \qquad
        \log P_{ik} = A_{ik} - \log \sum_{j=1}^{K} e^{A_{ij}}

    The log-softmax is computed by ``jax.nn.log_softmax`` (log-sum-exp after
    subtracting the row maximum). A term with :math:`T_{ik} = 0` counts as 0 even when
    :math:`\log P_{ik}` is ``-inf`` (the convention :math:`0 \log 0 = 0`, reached only
    when two logits of one row differ by more than float64's range).

    Parameters
    ----------
    A : array_like, shape (N, K)
        Output logits, one row per sample.
    T : array_like, shape (N, K)
        Target rows: one-hot, or probabilities summing to 1 (the caller validates them).

    Returns
    -------
    jax.Array, shape (), float64
        The mean over the N samples.

    See Also
    --------
    manual_backprop.losses.softmax_cross_entropy : the numpy twin.
    """
    A = jnp.asarray(A, dtype=jnp.float64)
    T = jnp.asarray(T, dtype=jnp.float64)
    if A.ndim != 2:
        raise ValueError(f"A: expected shape (N, K); got shape {A.shape}")
    if T.shape != A.shape:
        raise ValueError(f"T: expected the shape of A, {A.shape}; got shape {T.shape}")
    log_P = jax.nn.log_softmax(A, axis=1)
    log_likelihood = jnp.where(T > 0, T * log_P, 0.0)  # 0 log 0 = 0
    return -jnp.sum(log_likelihood) / A.shape[0]


@in_float64
def l2_penalty(weights: Sequence[ArrayLike], lam: ArrayLike) -> jax.Array:
    r"""L2 penalty on the weight matrices (biases are never penalised).

    .. math::

        J_{\text{penalty}} = \lambda \sum_{l=1}^{L} \lVert W_l \rVert_F^2
                           = \lambda \sum_{l} \sum_{j,k} (W_l)_{jk}^2

    No factor 1/2 and no 1/N, exactly as in the seed exercise. With
    :math:`\lambda = 0` the penalty is exactly 0, even for weights so large that
    :math:`\lVert W_l \rVert_F^2` overflows float64 (where ``0 * inf`` would be NaN).

    Parameters
    ----------
    weights : sequence of array_like, shapes (n_{l-1}, n_l)
        The matrices :math:`W_1, \dots, W_L`, without the biases.
    lam : float
        The coefficient :math:`\lambda \ge 0` (the caller validates it).

    Returns
    -------
    jax.Array, shape (), float64

    See Also
    --------
    manual_backprop.losses.l2_penalty : the numpy twin.
    """
    lam = jnp.asarray(lam, dtype=jnp.float64)
    sum_of_squares = sum(
        (jnp.sum(jnp.asarray(W_l, dtype=jnp.float64) ** 2) for W_l in weights),
        start=jnp.zeros((), dtype=jnp.float64),
    )
    return jnp.where(lam > 0, lam * sum_of_squares, 0.0)
