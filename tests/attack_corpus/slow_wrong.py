"""A wrong file that takes half a second a call: shrinking, finite differences and diagnosis must still end.

The gradient has its sign flipped, so the search fails at once; then an
earlier oracle shrank the counterexample, took finite differences and tried
every known mistake with no overall deadline, one call at a time, for more
than twenty minutes.

Held when: the file fails and the command ends within the per-file deadline
plus a margin.
"""

import time

import numpy as np
from scipy.special import expit, log_softmax


def loss_and_grad(W, X, T, layer_sizes, lam):
    time.sleep(0.5)
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    params, start = [], 0
    for n_in, n_out in shapes:
        params.append((W[start : start + n_in * n_out].reshape(n_in, n_out),
                       W[start + n_in * n_out : start + (n_in + 1) * n_out]))  # fmt: skip
        start += (n_in + 1) * n_out
    Z = [X]
    for w, b in params[:-1]:
        Z.append(expit(Z[-1] @ w + b))
    A = Z[-1] @ params[-1][0] + params[-1][1]
    n = len(X)
    if layer_sizes[-1] == 1:
        a = A[:, 0]
        loss = np.sum(T * np.logaddexp(0, -a) + (1 - T) * np.logaddexp(0, a)) / n
        delta = (expit(a) - T)[:, None] / n
    else:
        loss = -np.sum(T * log_softmax(A, axis=1)) / n
        delta = (np.exp(log_softmax(A, axis=1)) - T) / n
    loss += lam * sum((w**2).sum() for w, _ in params)
    grads = [None] * len(params)
    for l in reversed(range(len(params))):
        w = params[l][0]
        grads[l] = np.concatenate([(Z[l].T @ delta + 2 * lam * w).ravel(), delta.sum(0)])
        delta = (delta @ w.T) * Z[l] * (1 - Z[l])
    return float(loss), -np.concatenate(grads)
