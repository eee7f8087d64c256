r"""JAX reference twin of ``manual_backprop``: the same network, differentiated by ``jax.grad``.

This package computes the loss of a fully connected network and lets
``jax.value_and_grad`` produce the gradient. It contains no backward code: no
activation derivatives, no output delta, no backpropagated deltas. The project uses it
to verify the hand-written backpropagation of ``manual_backprop``; the two packages
share names, argument order and layout, and never import each other, so that neither
can inherit the other's bug.

Everything is computed in float64 inside the scoped ``jax.enable_x64(True)``; JAX's
process-wide default is left as it was.

Notation (the seed exercise's, as in ``manual_backprop``)
---------------------------------------------------------

===============  =================================================================  ==============
Symbol           Meaning                                                            Shape
===============  =================================================================  ==============
``layer_sizes``  :math:`[n_0, n_1, \dots, n_L]`, with ``L >= 1`` layers of weights
``N``            number of samples
``X``, ``Z_0``   inputs, one row per sample                                         (N, n_0)
``W_l``          weights of layer l                                                 (n_{l-1}, n_l)
``b_l``          bias of layer l (never penalised)                                  (n_l,)
``A_l``, ``a``   pre-activations :math:`A_l = Z_{l-1} W_l + b_l`                    (N, n_l)
``Z_l``, ``z``   activations :math:`Z_l = h(A_l)` of a hidden layer                 (N, n_l)
``h``            hidden activation: ``"sigmoid"``, ``"relu"`` or ``"tanh"``
``A_L``          output logits (no activation applied)                              (N, n_L)
``p``, ``P``     probabilities :math:`\sigma(A_L)`, or softmax rows                 (N,) or (N, K)
``t``, ``T``     targets in [0, 1], or one-hot / probability rows                   (N,) or (N, K)
``lam``          :math:`\lambda \ge 0`, coefficient of the L2 penalty               ()
``W``            flat vector :math:`(W_1, b_1, \dots, W_L, b_L)`, C order           (n_params,)
``J``            objective: mean cross-entropy + penalty                            ()
``K``            number of classes, ``n_L`` when ``n_L >= 2``
===============  =================================================================  ==============

The objective, for :math:`n_L = 1` (sigmoid output) and :math:`n_L = K \ge 2`
(softmax output):

.. math::

    J(W) = -\frac{1}{N} \sum_i \bigl[t_i \log p_i + (1 - t_i) \log(1 - p_i)\bigr]
           + \lambda \sum_l \lVert W_l \rVert_F^2

    J(W) = -\frac{1}{N} \sum_i \sum_k T_{ik} \log P_{ik}
           + \lambda \sum_l \lVert W_l \rVert_F^2

With the keyword ``output="sigmoids"`` (Coursera ML ex4) every output unit is a sigmoid
of its own, :math:`P_{ik} = \sigma(A_{ik})`, the targets any (N, K) matrix of entries in
[0, 1], and the data term the sum of the K units' binary cross-entropies:

.. math::

    J(W) = -\frac{1}{N} \sum_i \sum_k \bigl[T_{ik} \log P_{ik}
           + (1 - T_{ik}) \log(1 - P_{ik})\bigr] + \lambda \sum_l \lVert W_l \rVert_F^2
"""

from __future__ import annotations

from .activations import ACTIVATIONS, relu, sigmoid, tanh
from .layout import n_params, pack, unpack
from .losses import (
    binary_cross_entropy,
    l2_penalty,
    sigmoids_cross_entropy,
    softmax_cross_entropy,
)
from .network import forward, loss, loss_and_grad, predict_proba

__all__ = [
    "ACTIVATIONS",
    "binary_cross_entropy",
    "forward",
    "l2_penalty",
    "loss",
    "loss_and_grad",
    "n_params",
    "pack",
    "predict_proba",
    "relu",
    "sigmoid",
    "sigmoids_cross_entropy",
    "softmax_cross_entropy",
    "tanh",
    "unpack",
]
