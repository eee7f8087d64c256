r"""Backpropagation written by hand, with numpy and scipy only.

The reference answer to "Week 6. Neural Nets and backpropagation": a network
of sigmoid (or ReLU, or tanh) hidden layers with a sigmoid or softmax output,
its L2-regularised cross-entropy, and the gradient of that loss computed by
backpropagation, both for the whole batch at once and, as Exercise 2a asks,
one sample at a time. Its twin :mod:`jax_reference` computes the same loss
and lets ``jax.grad`` find the gradient; comparing the two is how this
package is checked.

Notation (the exercise's, used for every variable name)
--------------------------------------------------------

================  ==============  ===============================================
name              shape           meaning
================  ==============  ===============================================
``layer_sizes``   ``L + 1``       ``[n_0, n_1, ..., n_L]``: inputs, hidden layers, outputs
``W``             ``(n_params,)`` every parameter in one flat vector (see :mod:`.layout`)
``W_l``           ``(n_{l-1}, n_l)``  weights into layer ``l``; ``W_l[j, k]`` is the
                                  exercise's ``w_kj``, from unit ``j`` to unit ``k``
``b_l``           ``(n_l,)``      biases of layer ``l``
``X``             ``(N, n_0)``    inputs, one sample per row (``Z_0 = X``)
``A_l``, ``a``    ``(N, n_l)``    pre-activations: ``A_l = Z_{l-1} @ W_l + b_l``
``Z_l``, ``z``    ``(N, n_l)``    activations: ``Z_l = h(A_l)``
``h``, ``h'``                     the hidden activation and its derivative
``P``, ``p``      ``(N, K)``      output probabilities: softmax, or sigmoid when ``n_L = 1``
``T``, ``t``      ``(N, K)``      targets: one-hot rows, or 0/1 when ``n_L = 1``
``delta_l``       ``(N, n_l)``    ``dJ/dA_l``, the error signal of layer ``l``
``lam``           scalar          strength of the L2 penalty ``lam * sum_l ||W_l||_F^2``
``J``             scalar          the loss
================  ==============  ===============================================

Modules: :mod:`.activations` (``h`` beside ``h'``), :mod:`.losses` (losses
beside their output deltas, the penalty beside its gradient), :mod:`.layout`
(the flat vector), :mod:`.network` (forward pass and backpropagation, the
reference), :mod:`.engine` (the same numbers fast: :class:`Objective`),
:mod:`.training` (``scipy.optimize.minimize``), :mod:`.data` (the data sets).
"""

from manual_backprop.activations import (
    ACTIVATIONS,
    DERIVATIVES,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from manual_backprop.data import (
    DATA_DIR,
    load_binary_dataset,
    load_mat,
    load_multiclass_dataset,
)
from manual_backprop.engine import Objective
from manual_backprop.layout import init_weights, n_params, pack, unpack
from manual_backprop.losses import (
    binary_cross_entropy,
    binary_output_delta,
    l2_penalty,
    l2_penalty_grad,
    softmax_cross_entropy,
    softmax_output_delta,
)
from manual_backprop.network import (
    forward,
    loss,
    loss_and_grad,
    loss_and_grad_per_sample,
    predict,
    predict_proba,
)
from manual_backprop.training import GRADIENT_METHODS, TrainResult, train

__all__ = [
    "ACTIVATIONS",
    "DATA_DIR",
    "DERIVATIVES",
    "GRADIENT_METHODS",
    "Objective",
    "TrainResult",
    "binary_cross_entropy",
    "binary_output_delta",
    "forward",
    "init_weights",
    "l2_penalty",
    "l2_penalty_grad",
    "load_binary_dataset",
    "load_mat",
    "load_multiclass_dataset",
    "loss",
    "loss_and_grad",
    "loss_and_grad_per_sample",
    "n_params",
    "pack",
    "predict",
    "predict_proba",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax_cross_entropy",
    "softmax_output_delta",
    "tanh",
    "tanh_grad",
    "train",
    "unpack",
]
