"""Known mistakes: the reference computation with each mistake switched on.

A :class:`Variant` is the exercise's loss and backpropagation with switches,
one per way students commonly go wrong. The diagnosis (:mod:`.diagnosis`)
calls a failing submission on a few problems and looks for the variant whose
numbers it reproduces; the variant's switches name the mistake.

The switches, in the exercise's notation::

    A_l    = Z_{l-1} W_l + u_l b_l     u_l = 1, or h(1) for l > 1 if bias_unit_activated
    J      = data_scale * CE(A_L, T) + loss_penalty * lam * sum_l ||W_l||^2  (+ ||b_l||^2)
             (CE with log(p + log_eps), log(1 - p + log_eps) if log_eps > 0)
    delta_L = data_scale * (P - T) / N  (times P (1 - P) if output_derivative; negated for sign;
              the derivative of the log_eps loss if log_eps_gradient)
    delta_l = h'(A_l) * (delta_{l+1} W_{l+1}^T)    h'(A_l), h'(Z_l), A_l(1 - A_l), or 1
    dJ/dW_l = Z_{l-1}^T delta_l + grad_penalty * lam * W_l
    dJ/db_l = u_l sum_i delta_l[i]   (or the mean, or the last sample's)

and the flat vector read and written in a layout of :mod:`.layouts`, or in
``"column-major"``: canonical, but each ``W_l`` flattened column by column;
or, with ``gradient_is_parameters``, the vector received returned as the gradient.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, log_softmax

from backprop_oracle.layouts import LAYOUTS, index_blocks, layout_order
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES
from manual_backprop.losses import (
    binary_cross_entropy,
    binary_output_delta,
    sigmoids_cross_entropy,
    sigmoids_output_delta,
    softmax_cross_entropy,
    softmax_output_delta,
)

__all__ = ["MISTAKES", "Variant", "read_vector", "write_vector"]

Array = NDArray[np.float64]

#: Every mistake the diagnosis can name: (name, step of the exercise, explanation).
#: The explanations use the exercise's notation. Three have no switch of
#: :class:`Variant`: the diagnosis recognises ``wrong-activation``,
#: ``block-scaled`` and ``unstable-loss`` by their signatures; ``log-epsilon``
#: has switches, but the diagnosis compares its loss more finely than the
#: others' (:mod:`.diagnosis`).
MISTAKES: dict[str, tuple[str, str]] = {
    "bias-regularized": (
        "1.c loss / 1.d gradient",
        "the penalty also covers the biases: J has lam * sum_l ||b_l||^2 and dJ/db_l has "
        "2 lam b_l, but the exercise penalises the weights W_l only",
    ),
    "penalty-scale": (
        "1.c loss / 1.d gradient",
        "the penalty's factor is off: the exercise's penalty is lam * sum_l ||W_l||^2 (no 1/2, "
        "no 1/N), whose gradient is 2 lam W_l",
    ),
    "penalty-missing-in-loss": (
        "1.c loss",
        "J lacks the penalty lam * sum_l ||W_l||^2, while the gradient has its 2 lam W_l",
    ),
    "penalty-missing-in-gradient": (
        "1.d gradient",
        "dJ/dW_l lacks the penalty's 2 lam W_l, while J has lam * sum_l ||W_l||^2",
    ),
    "missing-mean": (
        "1.c loss / 1.d gradient",
        "the data term is summed over the samples instead of averaged: J and its gradient "
        "need the 1/N of the mean (the penalty has none)",
    ),
    "sign-flip": (
        "1.d gradient",
        "the gradient has the wrong sign: the output delta is p - t, not t - p",
    ),
    "flatten-order": (
        "1.e parameter layout",
        "W_l is read from (or written to) the flat vector column by column; the layout is "
        "row-major: W_l.ravel() and W[...].reshape(n_{l-1}, n_l)",
    ),
    "transposed-weight-gradient": (
        "1.d gradient",
        "each dJ/dW_l comes out transposed (computed as delta_l^T Z_{l-1}, or flattened column "
        "by column): it is Z_{l-1}^T delta_l, shape (n_{l-1}, n_l), flattened row by row",
    ),
    "layout-weights-then-biases": (
        "1.e parameter layout",
        "W is read as all weights first, then all biases (scikit-learn's order); the layout is "
        "W_1, b_1, W_2, b_2, ...",
    ),
    "layout-ng": (
        "1.e parameter layout",
        "W is read as Theta_l = [b_l | W_l^T] flattened column-major (MATLAB's order); the layout "
        "is W_1.ravel(), b_1, W_2.ravel(), b_2, ...",
    ),
    "layout-canonical": (
        "1.e parameter layout",
        "W is read as W_1.ravel(), b_1, W_2.ravel(), b_2, ... (the canonical layout), not in the "
        "layout the check was asked for (--layout)",
    ),
    "wrong-activation": (
        "1.b activation / Bonus 1",
        "the hidden units use another activation h than the one the check was asked for "
        "(--activation): the numbers are right for that other activation, not for this one",
    ),
    "derivative-of-activated": (
        "2a backprop",
        "the hidden deltas multiply by h' of the activation z_j (or apply the formula "
        "z (1 - z) to a_j); they need h'(a_j), the derivative at the pre-activation: "
        "delta_j = h'(a_j) sum_k w_kj delta_k",
    ),
    "missing-activation-derivative": (
        "2a backprop",
        "the hidden deltas lack the factor h'(a_j): delta_j = h'(a_j) sum_k w_kj delta_k",
    ),
    "extra-output-derivative": (
        "1.d gradient",
        "the output delta is multiplied by sigma'(a) = p (1 - p): with the cross-entropy the "
        "output delta is simply p - t (divided by N), the sigmoid's derivative cancels",
    ),
    "bias-gradient-not-summed": (
        "1.d gradient / 2a backprop",
        "dJ/db_l is not the sum over samples of delta_l (it is their mean, or one sample's)",
    ),
    "bias-unit-not-one": (
        "2a backprop",
        "the bias unit of every layer after the first is h(1) (sigmoid(1) ~ 0.731), not 1: "
        "the column of ones was prepended before the activation was applied, so "
        "A_l = Z_{l-1} W_l + h(1) b_l and dJ/db_l = h(1) sum_i delta_l[i]; the bias input "
        "is the constant 1 in every layer",
    ),
    "gradient-is-parameters": (
        "1.d gradient",
        "the returned gradient is the parameter vector W itself (a placeholder where "
        "backpropagation should be): return dJ/dW, laid out like W",
    ),
    "block-scaled": (
        "1.d gradient / 2a backprop",
        "some blocks of the gradient are a constant multiple of the right ones (a stray "
        "factor in a dJ/dW_l or dJ/db_l): dJ/dW_l is exactly Z_{l-1}^T delta_l + 2 lam W_l "
        "and dJ/db_l exactly sum_i delta_l[i], with no other factor",
    ),
    "log-epsilon": (
        "1.c loss",
        "the loss takes log(p + eps) and log(1 - p + eps) (log(P + eps) for the softmax) to "
        "avoid log(0), which moves J by about eps / p on every sample; compute it from the "
        "logits instead (log(1 + exp(-a)) with np.logaddexp, log-softmax with the max "
        "subtracted), which never takes log(0)",
    ),
    "unstable-loss": (
        "1.c loss",
        "the loss is computed from p = sigmoid(a) (or exp(a) without subtracting the largest "
        "logit), which becomes inaccurate or infinite where the logits are large; compute it "
        "from the logits: log(1 + exp(-a)) with np.logaddexp, log-softmax with the max "
        "subtracted",
    ),
}

#: Penalty factors, as text (N is the number of samples).
_FACTORS: dict[str, Callable[[int], float]] = {
    "0": lambda n: 0.0,
    "1/2": lambda n: 0.5,
    "1": lambda n: 1.0,
    "2": lambda n: 2.0,
    "4": lambda n: 4.0,
    "1/N": lambda n: 1.0 / n,
    "1/(2N)": lambda n: 0.5 / n,
    "2/N": lambda n: 2.0 / n,
    "N": lambda n: float(n),  # the penalty added inside the per-sample loop
    "2N": lambda n: 2.0 * n,
}
_VECTOR_LAYOUTS = (*LAYOUTS, "column-major")


@dataclass(frozen=True)
class Variant:
    """The exercise's computation with some known mistakes switched on."""

    bias_penalty: bool = False
    loss_penalty: str = "1"
    grad_penalty: str = "2"
    loss_mean: bool = True
    grad_mean: bool = True
    sign: str = "none"  # "gradient" (all of it negated) or "output-delta" (t - p)
    hidden_derivative: str = "a"  # "z": h'(Z); "formula-on-a": A(1 - A); "none"
    output_derivative: bool = False
    bias_gradient: str = "sum"  # "mean" or "last"
    read_layout: str = "canonical"
    write_layout: str = "canonical"
    bias_unit_activated: bool = False  # layers after the first see h(1) as their bias input
    gradient_is_parameters: bool = False  # the vector received is returned as the gradient
    log_eps: float = 0.0  # the loss takes log(p + log_eps), log(1 - p + log_eps)
    log_eps_gradient: bool = False  # the output delta is that loss's derivative, not p - t

    def mistakes(self, checked: str = "canonical") -> list[str]:
        """The names of the mistakes this variant makes, in :data:`MISTAKES` order.

        ``checked`` is the layout the submission is supposed to use.
        """
        names = set()
        if self.bias_penalty:
            names.add("bias-regularized")
        if self.loss_penalty == "0":
            names.add("penalty-missing-in-loss")
        if self.grad_penalty == "0":
            names.add("penalty-missing-in-gradient")
        if self.loss_penalty not in ("0", "1") or self.grad_penalty not in ("0", "2"):
            names.add("penalty-scale")
        if not (self.loss_mean and self.grad_mean):
            names.add("missing-mean")
        if self.sign != "none":
            names.add("sign-flip")
        if self.hidden_derivative in ("z", "formula-on-a"):
            names.add("derivative-of-activated")
        if self.hidden_derivative == "none":
            names.add("missing-activation-derivative")
        if self.output_derivative:
            names.add("extra-output-derivative")
        if self.bias_gradient != "sum":
            names.add("bias-gradient-not-summed")
        if self.bias_unit_activated:
            names.add("bias-unit-not-one")
        if self.gradient_is_parameters:
            names.add("gradient-is-parameters")
        if self.log_eps > 0:
            names.add("log-epsilon")
        pair = (self.read_layout, self.write_layout)
        if pair == (checked, "column-major") and checked == "canonical":
            names.add("transposed-weight-gradient")
        elif "column-major" in pair:
            names.add("flatten-order")
        else:
            names.update(f"layout-{layout}" for layout in set(pair) - {checked})
        return [name for name in MISTAKES if name in names]

    def describe(self, checked: str = "canonical") -> dict[str, Any]:
        """The switches that differ from the exercise's computation in layout ``checked``."""
        correct = Variant(read_layout=checked, write_layout=checked)
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(correct, f.name)
        }

    def loss_and_grad(
        self,
        sent: Array,
        X: Array,
        T: Array,
        layer_sizes: Sequence[int],
        lam: float,
        activation: str,
        output: str = "auto",
    ) -> tuple[float, Array]:
        """``(J, grad)`` as this variant returns them for the flat vector ``sent``.

        ``sent`` is the vector as the submission receives it, and the gradient
        is returned in the variant's ``write_layout``, as the submission would
        write it. ``output`` is the reference's (``sigmoids``: K independent
        sigmoid outputs, ex4's, in place of the softmax).
        """
        params = read_vector(sent, layer_sizes, self.read_layout)
        n = X.shape[0]
        h, h_prime = ACTIVATIONS[activation], DERIVATIVES[activation]
        # The bias input of each layer: 1, or h(1) after the first if it was activated.
        unit = [1.0] + [float(h(np.ones(1))[0]) if self.bias_unit_activated else 1.0] * (
            len(params) - 1
        )
        A, Z = [], [X]
        for l, (W_l, b_l) in enumerate(params, start=1):
            A.append(Z[-1] @ W_l + unit[l - 1] * b_l)
            if l < len(params):
                Z.append(h(A[-1]))
        T_matrix = T.reshape(n, -1)
        binary = layer_sizes[-1] == 1
        if output == "sigmoids" and not binary:
            data = sigmoids_cross_entropy(A[-1], T_matrix)
            delta = sigmoids_output_delta(A[-1], T_matrix)
            P = expit(A[-1])
        elif binary:
            data = binary_cross_entropy(A[-1], T_matrix)
            delta = binary_output_delta(A[-1], T_matrix)
            P = expit(A[-1])
        else:
            data = softmax_cross_entropy(A[-1], T_matrix)
            delta = softmax_output_delta(A[-1], T_matrix)
            P = np.exp(log_softmax(A[-1], axis=1))
        if self.log_eps > 0:
            data, eps_delta = _log_epsilon(A[-1], T_matrix, self.log_eps, output)
            if self.log_eps_gradient:
                delta = eps_delta
        if self.output_derivative:
            delta = delta * P * (1.0 - P)
        if self.sign == "output-delta":
            delta = -delta
        if not self.grad_mean:
            delta = delta * n
        penalised = [W_l for W_l, _ in params]
        if self.bias_penalty:
            penalised += [b_l for _, b_l in params]
        loss_factor = _FACTORS[self.loss_penalty](n)
        J = (data if self.loss_mean else data * n) + loss_factor * lam * sum(
            float(np.sum(p**2)) for p in penalised
        )
        grad_factor = _FACTORS[self.grad_penalty](n)
        grads: list[tuple[Array, Array]] = []
        for l in range(len(params), 0, -1):
            W_l, b_l = params[l - 1]
            G_W = Z[l - 1].T @ delta + grad_factor * lam * W_l
            if self.bias_gradient == "sum":
                G_b = delta.sum(axis=0)
            elif self.bias_gradient == "mean":
                G_b = delta.mean(axis=0)
            else:  # "last": overwritten by each sample in turn
                G_b = delta[-1].copy()
            G_b = unit[l - 1] * G_b
            if self.bias_penalty:
                G_b = G_b + grad_factor * lam * b_l
            grads.append((G_W, G_b))
            if l > 1:
                back = delta @ W_l.T
                if self.hidden_derivative == "a":
                    back = back * h_prime(A[l - 2])
                elif self.hidden_derivative == "z":
                    back = back * h_prime(Z[l - 1])
                elif self.hidden_derivative == "formula-on-a":
                    back = back * _derivative_formula(A[l - 2], activation)
                delta = back
        grad = write_vector(grads[::-1], layer_sizes, self.write_layout)
        if self.sign == "gradient":
            grad = -grad
        if self.gradient_is_parameters:
            grad = np.array(sent, dtype=np.float64)
        return J, grad


def _log_epsilon(a: Array, T: Array, eps: float, output: str = "auto") -> tuple[float, Array]:
    """The cross-entropy with ``eps`` inside its logs, and its derivative in the logits.

    Binary (and each of ex4's sigmoid outputs, summed over them):
    ``-(1/N) sum(t log(p + eps) + (1 - t) log(1 - p + eps))`` with ``1 - p``
    taken as ``sigmoid(-a)``; softmax: ``-mean(sum_k T_k log(P_k + eps))``.
    The softmax's derivative, with ``w_k = T_k P_k / (P_k + eps)``, is
    ``(P_j sum_k w_k - w_j) / N`` (``(p - t) / N`` when ``eps`` is 0).
    """
    n = a.shape[0]
    if a.shape[1] == 1 or output == "sigmoids":
        p, q = expit(a), expit(-a)
        data = -float(np.sum(T * np.log(p + eps) + (1.0 - T) * np.log(q + eps))) / n
        # d/da of -[t log(p + eps) + (1 - t) log(q + eps)], with dp/da = p q = -dq/da
        delta = -(T * p * q / (p + eps) - (1.0 - T) * p * q / (q + eps)) / n
        return data, delta
    P = np.exp(log_softmax(a, axis=1))
    data = -float(np.sum(T * np.log(P + eps))) / n
    w = T * P / (P + eps)
    return data, (P * w.sum(axis=1, keepdims=True) - w) / n


def _derivative_formula(a: Array, activation: str) -> Array:
    """The derivative written in terms of the unit's output, wrongly applied to ``a``."""
    if activation == "sigmoid":
        return a * (1.0 - a)
    if activation == "tanh":
        return 1.0 - a**2
    return np.asarray(a > 0, dtype=np.float64)


def _column_major_order(layer_sizes: Sequence[int]) -> NDArray[np.intp]:
    """Canonical indices in the order of a canonical vector whose W_l are column-major."""
    blocks = index_blocks(layer_sizes)
    return np.concatenate([part for W_l, b_l in blocks for part in (W_l.ravel(order="F"), b_l)])


def _order(layer_sizes: Sequence[int], layout: str) -> NDArray[np.intp]:
    if layout not in _VECTOR_LAYOUTS:
        raise ValueError(f"layout: expected one of {', '.join(_VECTOR_LAYOUTS)}, got {layout!r}")
    if layout == "column-major":
        return _column_major_order(layer_sizes)
    return layout_order(layer_sizes, layout)


def read_vector(sent: Array, layer_sizes: Sequence[int], layout: str) -> list[tuple[Array, Array]]:
    """``[(W_1, b_1), ...]`` as a submission reading ``sent`` in ``layout`` sees them."""
    canonical = np.empty_like(sent)
    canonical[_order(layer_sizes, layout)] = sent
    params, start = [], 0
    for n_in, n_out in pairwise(layer_sizes):
        W_l = canonical[start : start + n_in * n_out].reshape(n_in, n_out)
        b_l = canonical[start + n_in * n_out : start + (n_in + 1) * n_out]
        params.append((W_l, b_l))
        start += (n_in + 1) * n_out
    return params


def write_vector(
    params: Sequence[tuple[Array, Array]], layer_sizes: Sequence[int], layout: str
) -> Array:
    """The flat vector a submission writing ``params`` in ``layout`` returns."""
    canonical = np.concatenate([np.concatenate([W_l.ravel(), b_l]) for W_l, b_l in params])
    return canonical[_order(layer_sizes, layout)]
