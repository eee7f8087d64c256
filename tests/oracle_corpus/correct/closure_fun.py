"""Correct: the seed's closure style, fun(W) on module-level data, layer_sizes and lam."""
import numpy as np
from scipy.optimize import minimize

rng = np.random.default_rng(6)
X = np.vstack([rng.normal([-1, -1], 0.7, (20, 2)), rng.normal([1, 1], 0.7, (20, 2))])
T = np.concatenate([np.zeros(20), np.ones(20)])
layer_sizes = [2, 4, 1]
lam = 1e-4


def sigmoid(x):
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def fun(W):
    W1 = W[:8].reshape(2, 4)
    b1 = W[8:12]
    W2 = W[12:16].reshape(4, 1)
    b2 = W[16:17]

    # forward
    a1 = X @ W1 + b1
    z1 = sigmoid(a1)
    a2 = (z1 @ W2 + b2).ravel()
    p = sigmoid(a2)
    N = len(T)
    loss = np.mean(T * np.logaddexp(0, -a2) + (1 - T) * np.logaddexp(0, a2))
    loss += lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))

    # backward
    d2 = ((p - T) / N).reshape(-1, 1)
    d1 = (d2 @ W2.T) * z1 * (1 - z1)
    grad = np.concatenate([
        (X.T @ d1 + 2 * lam * W1).ravel(),
        d1.sum(axis=0),
        (z1.T @ d2 + 2 * lam * W2).ravel(),
        d2.sum(axis=0),
    ])
    return loss, grad


if __name__ == "__main__":
    eps = [np.sqrt(2 / (m + n)) for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]
    W0 = np.concatenate([rng.uniform(-e, e, (m + 1) * n)
                         for e, m, n in zip(eps, layer_sizes[:-1], layer_sizes[1:])])
    res = minimize(fun, W0, jac=True, method="L-BFGS-B")
    print(res.fun, res.nit)
