"""Output losses, their output deltas, and the L2 penalty with its gradient.

Each loss is computed from the *logits* ``a`` (the output layer's
pre-activations), never from probabilities, so it stays finite and accurate
however saturated the output is: ``log(sigmoid(a))`` is evaluated as
``-logaddexp(0, -a)`` and ``log(softmax(A))`` as ``A - logsumexp(A)``.

Each output delta is ``dJ/dA`` for its loss. It has the famously simple form
``prediction - target`` only because the output non-linearity is the
*canonical link* of the loss: sigmoid with binary cross-entropy, softmax with
categorical cross-entropy, K independent sigmoids with the sum of their K binary
cross-entropies (Coursera ML ex4's output). With any other pairing (say a sigmoid output and a
squared error) an extra factor ``sigma'(a)`` would appear; multiplying that
factor in here would be a bug.

See Also
--------
jax_reference.losses : the same losses, with no deltas (``jax.grad`` finds them).
"""

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from manual_backprop.activations import sigmoid

__all__ = [
    "binary_cross_entropy",
    "binary_output_delta",
    "l2_penalty",
    "l2_penalty_grad",
    "sigmoids_cross_entropy",
    "sigmoids_output_delta",
    "softmax_cross_entropy",
    "softmax_output_delta",
]

Array = NDArray[np.float64]


def binary_cross_entropy(a: Array, t: Array) -> float:
    r"""Mean binary cross-entropy of a sigmoid output, from its logits.

    .. math::

        -\frac{1}{N}\sum_{i=1}^{N} \bigl[t_i \log\sigma(a_i) + (1 - t_i)\log(1 - \sigma(a_i))\bigr],
        \qquad \log(1 - \sigma(a)) = \log\sigma(-a)

    Parameters
    ----------
    a : ndarray, shape (N, 1) or (N,)
        Logits of the output unit.
    t : ndarray, same shape as ``a``
        Targets in [0, 1].

    Returns
    -------
    float
        The loss, >= 0.
    """
    # -log(sigma(a)) = log(1 + e^{-a}) = logaddexp(0, -a), and -log(1 - sigma(a)) = logaddexp(0, a)
    minus_log_p = np.logaddexp(0.0, -a)
    minus_log_one_minus_p = np.logaddexp(0.0, a)
    # Terms near the largest float64 (logits beyond 1e308 / N) sum to inf, and a logit
    # of +-inf (a forward pass that overflowed) gives 0 * inf = NaN: the network and
    # Objective refuse both as an overflow, by name, so neither is worth a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean(t * minus_log_p + (1.0 - t) * minus_log_one_minus_p))


def binary_output_delta(a: Array, t: Array) -> Array:
    r"""Output delta of the binary cross-entropy: ``dJ/da`` for the data term.

    .. math::

        \delta_i = \frac{\sigma(a_i) - t_i}{N}
                 = \frac{(1 - t_i)\,\sigma(a_i) - t_i\,\sigma(-a_i)}{N}

    Valid only for a sigmoid output unit paired with the binary cross-entropy
    (the sigmoid's derivative cancels against the loss's ``1/(p(1-p))``).

    The second form is the one computed: it is the same number, but where the
    network is confidently right (``t = 1`` and ``sigma(a)`` rounds to 1)
    ``sigma(a) - 1`` would keep no correct digit, while ``-sigma(-a)`` keeps
    them all.

    Parameters
    ----------
    a : ndarray, shape (N, 1) or (N,)
        Logits.
    t : ndarray, same shape as ``a``
        Targets in [0, 1].

    Returns
    -------
    ndarray, same shape as ``a``
    """
    return ((1.0 - t) * sigmoid(a) - t * sigmoid(-a)) / a.shape[0]  # type: ignore[no-any-return]


def sigmoids_cross_entropy(A: Array, T: Array) -> float:
    r"""Binary cross-entropies of K independent sigmoid outputs, summed over the units.

    Coursera ML ex4's output layer: every output unit ``k`` is a logistic unit of its
    own, :math:`P_{ik} = \sigma(A_{ik})`, and the loss adds up the K binary
    cross-entropies, then takes the mean over the samples:

    .. math::

        -\frac{1}{N}\sum_{i=1}^{N}\sum_{k=1}^{K}
            \bigl[T_{ik}\log\sigma(A_{ik}) + (1 - T_{ik})\log(1 - \sigma(A_{ik}))\bigr]

    Unlike the softmax's, a row of ``T`` need not sum to 1: any 0/1 matrix (several
    labels on, or none) is a valid target. The mean is over the N samples only, not
    over the N K entries: :func:`binary_cross_entropy` of the whole (N, K) matrix would
    be K times too small. For K = 1 it is :func:`binary_cross_entropy`.

    Computed from the logits as :func:`binary_cross_entropy` is:
    :math:`-\log\sigma(a) = \log(1 + e^{-a})` = ``logaddexp(0, -a)`` and
    :math:`-\log(1 - \sigma(a)) = \log(1 + e^{a})` = ``logaddexp(0, a)``, never the
    log of a probability, so that ``a = 1000, t = 0`` costs exactly 1000 (not
    ``-log(0) = inf``) and ``a = 700, t = 1`` costs ``e^{-700}`` (not 0).

    Parameters
    ----------
    A : ndarray, shape (N, K)
        Logits of the K output units.
    T : ndarray, shape (N, K)
        Targets in [0, 1], one column per output unit (0/1 in ex4).

    Returns
    -------
    float
        The loss, >= 0.

    See Also
    --------
    sigmoids_output_delta : its derivative with respect to ``A``.
    jax_reference.losses.sigmoids_cross_entropy : the JAX twin.
    """
    # -log(sigma(A_ik)) and -log(1 - sigma(A_ik)), entry by entry, from the logits
    minus_log_P = np.logaddexp(0.0, -A)
    minus_log_one_minus_P = np.logaddexp(0.0, A)
    # Terms near the largest float64 sum to inf, and a logit of +-inf gives 0 * inf =
    # NaN: the network refuses both as an overflow, by name (as binary_cross_entropy).
    with np.errstate(over="ignore", invalid="ignore"):
        summed = np.sum(T * minus_log_P + (1.0 - T) * minus_log_one_minus_P)  # over i and k
        return float(summed / A.shape[0])  # the mean over the N samples, not the N K entries


def sigmoids_output_delta(A: Array, T: Array) -> Array:
    r"""Output delta of :func:`sigmoids_cross_entropy`: ``dJ/dA`` for the data term.

    .. math::

        \delta_{ik} = \frac{\sigma(A_{ik}) - T_{ik}}{N}
                    = \frac{(1 - T_{ik})\,\sigma(A_{ik}) - T_{ik}\,\sigma(-A_{ik})}{N}

    Valid only for independent sigmoid output units paired with the sum of their
    binary cross-entropies. Each logit ``A_ik`` enters one term of the sum only, so
    entry ``(i, k)`` is :func:`binary_output_delta`'s formula for that unit alone:
    :math:`\sigma'(a) = \sigma(a)(1 - \sigma(a))` cancels against the loss's
    :math:`1 / (p (1 - p))` (the sigmoid is the canonical link of the Bernoulli
    likelihood). So ``sigma'(A)`` is NOT multiplied in (that would be the
    ``extra-output-derivative`` mistake), and neither is a Jacobian across the units:
    unlike the softmax's, no unit's probability depends on another unit's logit. The
    division is by N (the loss is a mean over samples), not by N K.

    The second form is the one computed, for the reason given in
    :func:`binary_output_delta`: where a unit is confidently right (``T_ik = 1`` and
    ``sigma(A_ik)`` rounds to 1), ``-sigma(-A_ik)`` keeps every digit that
    ``sigma(A_ik) - 1`` would lose.

    Parameters
    ----------
    A : ndarray, shape (N, K)
        Logits.
    T : ndarray, shape (N, K)
        Targets in [0, 1].

    Returns
    -------
    ndarray, shape (N, K)

    See Also
    --------
    sigmoids_cross_entropy : the loss it differentiates.
    """
    return ((1.0 - T) * sigmoid(A) - T * sigmoid(-A)) / A.shape[0]  # type: ignore[no-any-return]


class _SoftmaxParts(NamedTuple):
    """What the softmax loss and its delta share: see :func:`_softmax_parts`."""

    shifted: Array  # A_ik - A_ic, c = the row's largest logit
    others: Array  # e^{A_ik - A_ic}, with the largest (e_ic = 1) set to 0
    others_sum: Array  # (N, 1): s_i, the row sums of ``others``
    rows: NDArray[np.intp]
    top: NDArray[np.intp]  # c for each row


def _softmax_parts(A: Array) -> _SoftmaxParts:
    """``A - max``, ``e^{A - max}`` with each row's largest entry set to 0, and those rows' sums.

    The row maximum is read at ``argmax``: numpy's reductions along a short
    last axis are much slower than ``argmax`` and one indexed read.
    """
    rows, top = np.arange(A.shape[0]), np.argmax(A, axis=1)
    # A logit spread beyond 1.8e308 (see the callers), or a logit of +-inf from a forward
    # pass that overflowed (inf - inf = NaN, which the network and Objective refuse).
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = A - A[rows, top][:, np.newaxis]
    others = np.exp(shifted)
    others[rows, top] = 0.0  # all but the largest
    # Row sums as a product with a vector of ones: numpy's sum along a short last
    # axis costs several times more.
    others_sum = (others @ np.ones(A.shape[1]))[:, np.newaxis]
    return _SoftmaxParts(shifted, others, others_sum, rows, top)


def softmax_cross_entropy(A: Array, T: Array) -> float:
    r"""Mean categorical cross-entropy of a softmax output, from its logits.

    .. math::

        -\frac{1}{N}\sum_{i=1}^{N}\sum_{k=1}^{K} T_{ik}\log P_{ik},
        \qquad \log P_{ik} = A_{ik} - \log\sum_{m} e^{A_{im}}

    The log-sum-exp is taken after subtracting the row's largest logit
    :math:`A_{ic}`, as :math:`A_{ic} + \operatorname{log1p}(\sum_{m \ne c}
    e^{A_{im} - A_{ic}})`: where the network is confidently right that sum is
    tiny, and ``log1p`` keeps its digits where ``log(1 + s)`` would round it
    away (a loss of 1e-12 would be known to 1e-4 of itself, not 1e-16).

    Parameters
    ----------
    A : ndarray, shape (N, K)
        Logits.
    T : ndarray, shape (N, K)
        One-hot rows (or any rows of probabilities).

    Returns
    -------
    float
        The loss, >= 0.
    """
    return _softmax_cross_entropy(_softmax_parts(A), T)


def _softmax_cross_entropy(parts: _SoftmaxParts, T: Array) -> float:
    """:func:`softmax_cross_entropy` from the parts it shares with the delta."""
    # A logit spread beyond 1.8e308 has left some shifted logits at -inf (see
    # _softmax_parts), and log P = -inf there; subtracting log1p (at most log K)
    # from a finite shifted logit cannot overflow ...
    log_P = parts.shifted - np.log1p(parts.others_sum)
    J = -float(np.vdot(T, log_P))
    if not np.isfinite(J):
        # ... and a class with T_ik = 0 adds nothing (0 log 0 = 0): skip those terms.
        J = -float(np.sum(np.multiply(T, log_P, out=np.zeros_like(log_P), where=T != 0.0)))
    return J / len(T)


def softmax_output_delta(A: Array, T: Array) -> Array:
    r"""Output delta of the softmax cross-entropy: ``dJ/dA`` for the data term.

    .. math::

        \delta_{ik} = \frac{P_{ik} - T_{ik}}{N}
                    = \frac{P_{ik}\,(1 - T_{ik}) - T_{ik}\,(1 - P_{ik})}{N}

    Valid only for a softmax output paired with the categorical cross-entropy,
    and only when every row of ``T`` sums to 1 (one-hot rows do).

    The second form is the one computed, with :math:`1 - P_{ik}` equal to the
    other classes' share, :math:`\sum_{m \ne k} e^{A_{im}} / \sum_m e^{A_{im}}`. It is
    the same number, but where the network is confidently right (``P_ic`` rounds
    to 1 for the target class ``c``) ``P_ic - 1`` would keep no correct digit,
    while the sum of the small terms keeps them all. This is the
    multiclass version of :func:`binary_output_delta`'s ``sigma(-a)``.

    Parameters
    ----------
    A : ndarray, shape (N, K)
        Logits.
    T : ndarray, shape (N, K)
        One-hot rows (or any rows of probabilities).

    Returns
    -------
    ndarray, shape (N, K)
    """
    # With e_ik = e^{A_ik - A_ic} (c the largest logit, e_ic = 1), s_i the sum of the
    # others and S_i = 1 + s_i: P_ik = e_ik / S_i, and 1 - P_ik = (S_i - e_ik) / S_i,
    # where S_i - e_ik >= 1 loses nothing for k != c, and is s_i itself for k = c.
    return _softmax_output_delta(_softmax_parts(A), T)


def _softmax_output_delta(parts: _SoftmaxParts, T: Array) -> Array:
    """:func:`softmax_output_delta` from the parts it shares with the loss."""
    others, others_sum, rows, top = parts.others, parts.others_sum, parts.rows, parts.top
    total = 1.0 + others_sum
    P = others / total
    P[rows, top] = 1.0 / total[:, 0]
    one_minus_P = (total - others) / total
    one_minus_P[rows, top] = others_sum[:, 0] / total[:, 0]
    return (P * (1.0 - T) - T * one_minus_P) / len(T)


def l2_penalty(weights: Sequence[Array], lam: float) -> float:
    r"""L2 penalty on the weight matrices; biases are not penalised.

    .. math:: \lambda \sum_{l=1}^{L} \lVert W_l \rVert_F^2

    Parameters
    ----------
    weights : sequence of ndarray, shapes (n_{l-1}, n_l)
        The weight matrices ``W_1 .. W_L`` (no biases).
    lam : float
        Penalty strength, >= 0.

    Returns
    -------
    float
    """
    if lam == 0.0:  # exactly 0, even for weights whose squares overflow
        return 0.0
    # As a Python float: a product beyond the largest float64 is inf without a warning
    # (numpy's float64 would warn), and the callers refuse it as an overflow.
    return float(lam) * sum(float(np.vdot(W_l, W_l)) for W_l in weights)


def l2_penalty_grad(W_l: Array, lam: float) -> Array:
    r"""Gradient of :func:`l2_penalty` with respect to one weight matrix.

    .. math:: \frac{\partial}{\partial W_l}\, \lambda \sum_m \lVert W_m \rVert_F^2 = 2 \lambda W_l

    The bias gradient of the penalty is 0, so there is no function for it.

    Parameters
    ----------
    W_l : ndarray, shape (n_{l-1}, n_l)
    lam : float

    Returns
    -------
    ndarray, shape (n_{l-1}, n_l)
    """
    scale = 2.0 * float(lam)  # a Python float: inf for lam > 9e307, without a warning
    # |2 lam W| beyond the largest float64 is inf, which the callers refuse as an overflow.
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isinf(scale):  # 2 lam would overflow, yet 2 lam * 0 is still 0
            return 2.0 * (lam * W_l)
        return scale * W_l
