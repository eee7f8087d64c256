"""Correct: vectorised backprop with ReLU hidden units (derivative 0 at a = 0)."""
import numpy as np


def relu(a):
    return np.maximum(a, 0.0)


def relu_grad(a):
    return (a > 0).astype(float)


def log_softmax(a):
    shifted = a - a.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_and_grad(W, X, T, layer_sizes, lam):
    params = {}
    k = 0
    for l_idx in range(1, len(layer_sizes)):
        n_prev, n_cur = layer_sizes[l_idx - 1], layer_sizes[l_idx]
        params["W%d" % l_idx] = W[k:k + n_prev * n_cur].reshape(n_prev, n_cur)
        k += n_prev * n_cur
        params["b%d" % l_idx] = W[k:k + n_cur]
        k += n_cur
    L = len(layer_sizes) - 1
    N = X.shape[0]

    cache = {"Z0": X}
    for l_idx in range(1, L + 1):
        A = cache["Z%d" % (l_idx - 1)] @ params["W%d" % l_idx] + params["b%d" % l_idx]
        cache["A%d" % l_idx] = A
        cache["Z%d" % l_idx] = relu(A)
    out = cache["A%d" % L]

    if layer_sizes[-1] == 1:
        t = T.reshape(N, 1)
        loss = np.mean(t * np.logaddexp(0.0, -out) + (1 - t) * np.logaddexp(0.0, out))
        dA = (np.exp(-np.logaddexp(0.0, -out)) - t) / N
    else:
        logp = log_softmax(out)
        loss = -np.sum(T * logp) / N
        dA = (np.exp(logp) - T) / N
    loss += lam * sum(np.sum(params["W%d" % i] ** 2) for i in range(1, L + 1))

    grads = {}
    for l_idx in range(L, 0, -1):
        grads["W%d" % l_idx] = cache["Z%d" % (l_idx - 1)].T @ dA + 2 * lam * params["W%d" % l_idx]
        grads["b%d" % l_idx] = dA.sum(axis=0)
        if l_idx > 1:
            dA = (dA @ params["W%d" % l_idx].T) * relu_grad(cache["A%d" % (l_idx - 1)])

    flat = []
    for l_idx in range(1, L + 1):
        flat += [grads["W%d" % l_idx].ravel(), grads["b%d" % l_idx]]
    return float(loss), np.concatenate(flat)
