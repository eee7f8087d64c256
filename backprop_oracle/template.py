"""``backprop-oracle template``: a starter file that states the contract, or a course
convention's interface (``--convention ex4|cs231n``)."""

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


_EX4 = '''\
"""nnCostFunction for a one-hidden-layer network with K sigmoid outputs (ex4's interface).

Check it with:  backprop-oracle check {this file} --convention ex4

Interface
---------
nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_)
    -> (J, grad)

nn_params : float64 array, the unrolled [Theta1, Theta2]; Theta1 has shape
            (hidden_layer_size, input_layer_size + 1), Theta2 (num_labels,
            hidden_layer_size + 1), the bias column first in each. Unroll them
            row by row (Theta1.ravel()) or column by column (order="F"), and
            return grad unrolled the same way: the checker finds which.
X         : float64 array (m, input_layer_size), without the column of ones
y         : int array (m,) or (m, 1) of labels 1..K (or 0..K-1: found too); with
            num_labels == 1 a label 1 is a positive sample and 0 a negative one
lambda_   : float >= 0, the regularisation parameter

Model:  a1 = [1, x];  z2 = a1 Theta1^T;  a2 = [1, sigmoid(z2)];  h = sigmoid(a2 Theta2^T)
Cost:   J = (1/m) sum_i sum_k [-Y_ik log(h_ik) - (1 - Y_ik) log(1 - h_ik)]
            + lambda_/(2m) (sum of Theta1^2 and Theta2^2 without their first columns)
        with Y the one-hot rows of y. Compute the logs from z3 = a2 Theta2^T (for
        example with np.logaddexp(0, -z3)) so that J stays finite for large z3.
Grad:   d3 = h - Y;  d2 = (d3 Theta2)[:, 1:] * sigmoid'(z2);
        Theta_l_grad = (1/m) d_(l+1)^T a_l, plus (lambda_/m) Theta_l outside the bias column

Use numpy (and scipy) only: autodiff libraries are not allowed.
"""

import numpy as np


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
    """The cost J and its gradient, unrolled like nn_params, by backpropagation."""
    raise NotImplementedError("write the forward pass, the cost and the backward pass")
'''

_CS231N = '''\
"""A two-layer network in CS231n's interface: ReLU hidden layer, softmax output.

Check it with:  backprop-oracle check {this file} --convention cs231n

Interface
---------
TwoLayerNet(input_size, hidden_size, output_size, std=1e-4)
    self.params: "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,), float64 arrays
loss(X, y=None, reg=0.0) -> (loss, grads)
    X     : float64 array (N, D), one sample per row
    y     : int array (N,) of labels 0..C-1
    reg   : float >= 0
    grads : a dict with the keys and shapes of self.params

Model:  hidden = max(0, X W1 + b1);  scores = hidden W2 + b2;  softmax over the classes
Loss:   the mean over the samples of -log(softmax(scores)[y]) + reg * (sum W1^2 + sum W2^2)
        (or 0.5 * reg * ...: the checker finds which; biases are not penalised).
        Subtract each row's largest score before exp so that it stays finite.
Grad:   dscores = (softmax - onehot(y)) / N;  dW2 = hidden^T dscores + 2 reg W2 (reg W2
        with the 0.5);  db2 = dscores summed over the samples; back through the ReLU
        (zero where hidden <= 0) to dW1 and db1 the same way

Use numpy only: autodiff libraries are not allowed.
"""

import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        rng = np.random.default_rng(0)
        self.params = {
            "W1": std * rng.standard_normal((input_size, hidden_size)),
            "b1": np.zeros(hidden_size),
            "W2": std * rng.standard_normal((hidden_size, output_size)),
            "b2": np.zeros(output_size),
        }

    def loss(self, X, y=None, reg=0.0):
        """The scores when y is None; else the loss and its gradients, by backpropagation."""
        raise NotImplementedError("write the forward pass, the loss and the backward pass")
'''


def template(activation: str = "sigmoid", convention: str = "spec") -> str:
    """The starter file's text for the hidden ``activation``, or a convention's (``ex4``,
    ``cs231n``, whose activations are their own)."""
    if convention == "ex4":
        return _EX4
    if convention == "cs231n":
        return _CS231N
    relu_note = (
        "        relu'(0) is taken as 0 (1 is accepted too).\n" if activation == "relu" else ""
    )
    return _TEMPLATE.format(activation=activation, relu_note=relu_note)
