"""Week 6 -- my backprop (sigmoid hidden units only, I did not do the ReLU bonus).

layers are a list of (W, b) pairs, W of shape (n_in, n_out).
Run this file to train a small net on random data (no plots, the cluster has no display).
"""
import numpy as np
from scipy.optimize import minimize


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def softplus(a):
    # log(1 + e^a) without overflow
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def unflatten(W, layer_sizes):
    layers = []
    start = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        Wl = W[start:start + n_in * n_out].reshape((n_in, n_out))
        start += n_in * n_out
        bl = W[start:start + n_out]
        start += n_out
        layers.append((Wl, bl))
    return layers


def flatten(layers):
    return np.concatenate([np.concatenate([Wl.ravel(), bl]) for Wl, bl in layers])


def loss_and_grad(W, X, T, layer_sizes, lam):
    layers = unflatten(W, layer_sizes)
    N = X.shape[0]

    zs = [X]
    As = []
    for i, (Wl, bl) in enumerate(layers):
        a = zs[-1] @ Wl + bl
        As.append(a)
        if i < len(layers) - 1:
            zs.append(sigmoid(a))
    a_out = As[-1]

    if layer_sizes[-1] == 1:
        t = T.reshape(-1, 1)
        # t*log(1+e^-a) + (1-t)*log(1+e^a) = softplus(a) - t*a
        log_lik = softplus(a_out) - t * a_out
        data_loss = np.sum(log_lik) / N
        delta = (sigmoid(a_out) - t) / N
    else:
        shifted = a_out - a_out.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        data_loss = -np.sum(T * log_softmax) / N
        delta = (np.exp(log_softmax) - T) / N

    log_prior = lam * sum(np.sum(Wl ** 2) for Wl, _ in layers)
    J = data_loss + log_prior

    grads = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        Wl, _ = layers[i]
        grads[i] = (zs[i].T @ delta + 2 * lam * Wl, delta.sum(axis=0))
        if i > 0:
            z = zs[i]
            delta = (delta @ Wl.T) * z * (1 - z)   # sigmoid'(a) = z(1-z)
    return J, flatten(grads)


def init_weights(layer_sizes, seed=0):
    rng = np.random.default_rng(seed)
    parts = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        eps = np.sqrt(2 / (n_in + n_out))
        parts.append(rng.uniform(-eps, eps, size=(n_in + 1) * n_out))
    return np.concatenate(parts)


if __name__ == "__main__":
    rng = np.random.default_rng(42)
    X = rng.normal(size=(100, 2))
    T = (X[:, 0] * X[:, 1] > 0).astype(float)   # xor-ish, not linearly separable
    sizes = [2, 8, 1]
    W0 = init_weights(sizes, seed=1)
    print("initial loss", loss_and_grad(W0, X, T, sizes, 1e-4)[0])

    # check the gradient with finite differences before training
    J0, g0 = loss_and_grad(W0, X, T, sizes, 1e-4)
    h = 1e-6
    num = np.zeros_like(W0)
    for i in range(len(W0)):
        e = np.zeros_like(W0)
        e[i] = h
        num[i] = (loss_and_grad(W0 + e, X, T, sizes, 1e-4)[0]
                  - loss_and_grad(W0 - e, X, T, sizes, 1e-4)[0]) / (2 * h)
    print("max gradient error", np.max(np.abs(num - g0)))

    res = minimize(loss_and_grad, W0, args=(X, T, sizes, 1e-4), jac=True, method="L-BFGS-B")
    print("final loss", res.fun, "iterations", res.nit)
    layers = unflatten(res.x, sizes)
    z = X
    for Wl, bl in layers[:-1]:
        z = sigmoid(z @ Wl + bl)
    pred = (z @ layers[-1][0] + layers[-1][1])[:, 0] > 0
    print("train accuracy", np.mean(pred == T))
