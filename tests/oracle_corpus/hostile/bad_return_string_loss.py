"""Hostile: returns the loss as a formatted string."""
import numpy as np


def _honest(W, X, T, layer_sizes, lam):
    """A correct loss and gradient (canonical layout, sigmoid hidden units)."""
    Ws, bs, i = [], [], 0
    for m, n in zip(layer_sizes[:-1], layer_sizes[1:]):
        Ws.append(W[i:i + m * n].reshape(m, n))
        bs.append(W[i + m * n:i + m * n + n])
        i += m * n + n
    zs = [X]
    for Wl, bl in zip(Ws[:-1], bs[:-1]):
        zs.append(np.exp(-np.logaddexp(0, -(zs[-1] @ Wl + bl))))
    a = zs[-1] @ Ws[-1] + bs[-1]
    N = len(X)
    if layer_sizes[-1] == 1:
        t = T.reshape(-1, 1)
        loss = np.sum(t * np.logaddexp(0, -a) + (1 - t) * np.logaddexp(0, a)) / N
        delta = (np.exp(-np.logaddexp(0, -a)) - t) / N
    else:
        lse = np.logaddexp.reduce(a, axis=1, keepdims=True)
        loss = np.sum(T * (lse - a)) / N
        delta = (np.exp(a - lse) - T) / N
    loss += lam * sum(np.sum(Wl ** 2) for Wl in Ws)
    grads = []
    for j in range(len(Ws) - 1, -1, -1):
        grads = [(zs[j].T @ delta + 2 * lam * Ws[j]).ravel(), delta.sum(axis=0)] + grads
        if j > 0:
            delta = (delta @ Ws[j].T) * zs[j] * (1 - zs[j])
    return float(loss), np.concatenate(grads)


def loss_and_grad(W, X, T, layer_sizes, lam):
    loss, grad = _honest(W, X, T, layer_sizes, lam)
    return f"{loss:.17g}", grad
