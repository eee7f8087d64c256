"""The same float64 loss and gradient, as a user of each peer library would write it.

Each ``make_*`` function takes one benchmark problem and returns
``(loss_and_grad, loss)``, two callables of the flat canonical ``W`` (a numpy
array) that return numpy results, conversions included: that is what
``scipy.optimize.minimize`` would call. Every peer is checked against
``manual_backprop`` before it is timed (``bench.py``).
"""

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
LossAndGrad = Callable[[Array], tuple[float, Array]]
Loss = Callable[[Array], float]

__all__ = ["make_jax", "make_sklearn", "make_torch"]


def _slices(layer_sizes: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """``(start, n_in, n_out, end)`` of each layer's ``[W_l.ravel(), b_l]`` in the flat vector."""
    out, start = [], 0
    for n_in, n_out in pairwise(layer_sizes):
        out.append((start, n_in, n_out, start + (n_in + 1) * n_out))
        start += (n_in + 1) * n_out
    return out


def make_jax(
    X: Array, T: Array, layer_sizes: Sequence[int], lam: float
) -> tuple[LossAndGrad, Loss]:
    """``jax.jit`` of ``value_and_grad``, compiled here, before any timing."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    slices = _slices(layer_sizes)
    X_j, T_j = jnp.asarray(X), jnp.asarray(T)

    def loss(W: Any) -> Any:
        Z, penalty = X_j, 0.0
        for l, (start, n_in, n_out, _) in enumerate(slices, start=1):
            W_l = W[start : start + n_in * n_out].reshape(n_in, n_out)
            b_l = W[start + n_in * n_out : start + (n_in + 1) * n_out]
            penalty = penalty + jnp.sum(W_l**2)
            A = Z @ W_l + b_l
            Z = jax.nn.sigmoid(A) if l < len(slices) else A
        if layer_sizes[-1] == 1:
            a, t = Z[:, 0], T_j
            data = -jnp.mean(t * jax.nn.log_sigmoid(a) + (1 - t) * jax.nn.log_sigmoid(-a))
        else:
            data = -jnp.sum(T_j * jax.nn.log_softmax(Z, axis=1)) / Z.shape[0]
        return data + lam * penalty

    value_and_grad = jax.jit(jax.value_and_grad(loss))
    value = jax.jit(loss)
    W0 = np.zeros(slices[-1][-1])
    value_and_grad(W0)[1].block_until_ready()  # compile now
    value(W0).block_until_ready()

    def loss_and_grad(W: Array) -> tuple[float, Array]:
        J, g = value_and_grad(W)
        return float(J), np.asarray(g)

    return loss_and_grad, lambda W: float(value(W))


def make_torch(
    X: Array, T: Array, layer_sizes: Sequence[int], lam: float
) -> tuple[LossAndGrad, Loss]:
    """PyTorch autograd on the CPU, float64, tensors sharing memory with numpy."""
    import torch

    slices = _slices(layer_sizes)
    X_t, T_t = torch.from_numpy(X), torch.from_numpy(T)

    def loss(W: Any) -> Any:
        Z, penalty = X_t, 0.0
        for l, (start, n_in, n_out, _) in enumerate(slices, start=1):
            W_l = W[start : start + n_in * n_out].view(n_in, n_out)
            b_l = W[start + n_in * n_out : start + (n_in + 1) * n_out]
            penalty = penalty + torch.sum(W_l**2)
            A = torch.addmm(b_l, Z, W_l)
            Z = torch.sigmoid(A) if l < len(slices) else A
        if layer_sizes[-1] == 1:
            data = torch.nn.functional.binary_cross_entropy_with_logits(Z[:, 0], T_t)
        else:
            data = -torch.sum(T_t * torch.log_softmax(Z, dim=1)) / Z.shape[0]
        return data + lam * penalty

    def loss_and_grad(W: Array) -> tuple[float, Array]:
        W_t = torch.from_numpy(W).requires_grad_(True)
        J = loss(W_t)
        J.backward()
        assert W_t.grad is not None
        return J.item(), W_t.grad.numpy()

    def loss_only(W: Array) -> float:
        with torch.no_grad():
            return float(loss(torch.from_numpy(W)))

    return loss_and_grad, loss_only


def make_sklearn(
    X: Array, T: Array, layer_sizes: Sequence[int], lam: float
) -> tuple[LossAndGrad, Loss]:
    """scikit-learn's own backpropagation, ``MLPClassifier._loss_grad_lbfgs``.

    The estimator is fitted for one iteration to set up its internal buffers,
    and the function its L-BFGS solver calls is captured. scikit-learn packs
    every weight matrix first, then every bias (the ``weights-then-biases``
    layout), and its penalty is ``alpha / (2 N) sum ||W_l||^2``, so
    ``alpha = 2 N lam`` gives this project's loss.
    """
    import scipy.optimize
    from sklearn.neural_network import MLPClassifier
    from sklearn.neural_network import _multilayer_perceptron as mlp_module

    from backprop_oracle.layouts import layout_order

    captured: dict[str, Any] = {}
    real_minimize = scipy.optimize.minimize

    def capture(fun: Any, x0: Any, *args: Any, **kwargs: Any) -> Any:
        captured["fun"], captured["args"] = fun, kwargs["args"]
        return real_minimize(fun, x0, *args, **kwargs)

    labels = T if layer_sizes[-1] == 1 else np.argmax(T, axis=1)
    model = MLPClassifier(
        hidden_layer_sizes=tuple(layer_sizes[1:-1]),
        activation="logistic",
        solver="lbfgs",
        alpha=2.0 * X.shape[0] * lam,
        max_iter=1,
    )
    mlp_module.scipy.optimize.minimize = capture
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "did not converge" after its one iteration
            model.fit(X, labels)
    finally:
        mlp_module.scipy.optimize.minimize = real_minimize
    fun, args = captured["fun"], captured["args"]
    order = layout_order(layer_sizes, "weights-then-biases")
    canonical = np.empty_like(order)
    canonical[order] = np.arange(order.size)

    def loss_and_grad(W: Array) -> tuple[float, Array]:
        J, g = fun(W[order], *args)
        return float(J), g[canonical]

    return loss_and_grad, lambda W: loss_and_grad(W)[0]
