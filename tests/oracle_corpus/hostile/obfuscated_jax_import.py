"""Hostile: imports jax through __import__ with a built-up name."""
import numpy as np

_ad = __import__("ja" + "x")
_ad.config.update("jax_enable_x64", True)
_np = _ad.numpy


def _loss(W, X, T, layer_sizes, lam):
    i, h, penalty = 0, X, 0.0
    for j, (m, n) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        Wl = W[i:i + m * n].reshape(m, n)
        a = h @ Wl + W[i + m * n:i + m * n + n]
        i += m * n + n
        penalty = penalty + _np.sum(Wl ** 2)
        h = 1 / (1 + _np.exp(-a)) if j < len(layer_sizes) - 2 else a
    if layer_sizes[-1] == 1:
        t = T.reshape(-1, 1)
        ce = t * _np.logaddexp(0, -h) + (1 - t) * _np.logaddexp(0, h)
    else:
        m = _np.max(h, axis=1, keepdims=True)
        ce = T * (m + _np.log(_np.sum(_np.exp(h - m), axis=1, keepdims=True)) - h)
    return _np.sum(ce) / X.shape[0] + lam * penalty


def loss_and_grad(W, X, T, layer_sizes, lam):
    value, grad = _ad.value_and_grad(_loss)(_np.asarray(W), X, T, tuple(layer_sizes), lam)
    return float(value), np.asarray(grad, dtype=np.float64)
