"""Hostile: computes the gradient with jax.grad instead of backprop."""
import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)


def _loss(W, X, T, layer_sizes, lam):
    i, h, penalty = 0, X, 0.0
    for j, (m, n) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        Wl = W[i:i + m * n].reshape(m, n)
        a = h @ Wl + W[i + m * n:i + m * n + n]
        i += m * n + n
        penalty = penalty + jnp.sum(Wl ** 2)
        h = jax.nn.sigmoid(a) if j < len(layer_sizes) - 2 else a
    if layer_sizes[-1] == 1:
        t = T.reshape(-1, 1)
        ce = t * jnp.logaddexp(0, -h) + (1 - t) * jnp.logaddexp(0, h)
    else:
        ce = -T * jax.nn.log_softmax(h, axis=1)
    return jnp.sum(ce) / X.shape[0] + lam * penalty


def loss_and_grad(W, X, T, layer_sizes, lam):
    value, grad = jax.value_and_grad(_loss)(jnp.asarray(W), X, T, tuple(layer_sizes), lam)
    return float(value), np.asarray(grad, dtype=np.float64)
