"""``backprop-oracle template``: a starter file that states the contract."""

__all__ = ["template"]

_TEMPLATE = '''\
"""My backpropagation for the {activation} network of the Week 6 exercise.

Check it with:  backprop-oracle check {{this file}} --activation {activation}

Contract
--------
loss_and_grad(W, X, T, layer_sizes, lam) -> (loss, grad)

layer_sizes : [n_0, n_1, ..., n_L]; n_0 inputs, L - 1 hidden layers of {activation}
              units, n_L outputs (1: sigmoid output, >= 2: softmax output)
W           : float64 array, shape (sum_l (n_(l-1) + 1) * n_l,), never modified;
              W = concat(W_1.ravel(), b_1, W_2.ravel(), b_2, ...), with W_l of
              shape (n_(l-1), n_l) flattened row by row and b_l of shape (n_l,)
X           : float64 array, shape (N, n_0), one sample per row
T           : binary (n_L == 1): shape (N,), floats 0.0 or 1.0;
              multiclass: shape (N, n_L), one-hot rows
lam         : float >= 0
loss        : a float
grad        : float64 array of W's shape and layout

Model:  Z_0 = X;  A_l = Z_(l-1) @ W_l + b_l;  Z_l = h(A_l) for hidden layers,
        h = {activation};  p = sigmoid(A_L) or P = softmax(A_L) row by row
Loss:   J = -(1/N) sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)] + lam sum_l ||W_l||^2
        (multiclass: -(1/N) sum_i sum_k T_ik log P_ik + the same penalty);
        biases are not penalised. Compute it from the logits A_L so that it
        stays finite and accurate for logits of any size.
Grad:   delta_L = (P - T) / N;  delta_l = h'(A_l) * (delta_(l+1) @ W_(l+1).T);
        dJ/dW_l = Z_(l-1).T @ delta_l + 2 lam W_l;  dJ/db_l = delta_l summed over samples
{relu_note}
Use numpy (and scipy) only: autodiff libraries are not allowed.
"""

import numpy as np


def loss_and_grad(W, X, T, layer_sizes, lam):
    """The loss J(W) and its gradient, by backpropagation."""
    raise NotImplementedError("write the forward pass, the loss and the backward pass")
'''


def template(activation: str = "sigmoid") -> str:
    """The starter file's text for the hidden ``activation``."""
    relu_note = (
        "        relu'(0) is taken as 0 (1 is accepted too).\n" if activation == "relu" else ""
    )
    return _TEMPLATE.format(activation=activation, relu_note=relu_note)
