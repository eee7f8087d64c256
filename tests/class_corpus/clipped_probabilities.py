"""
Backprop, exercises 1-3.
I clip the probabilities before taking the log like sklearn's log_loss does
(eps = 1e-15), that fixed the "divide by zero in log" warnings I had.
"""
import numpy as np
from scipy.special import expit
import warnings

EPS = 1e-15


def params_from_vector(W, layer_sizes):
    out = []
    pos = 0
    for n_in, n_out in zip(layer_sizes, layer_sizes[1:]):
        Wl = W[pos:pos + n_in * n_out].reshape(n_in, n_out)
        pos += n_in * n_out
        out.append((Wl, W[pos:pos + n_out]))
        pos += n_out
    return out


def loss_and_grad(W, X, T, layer_sizes, lam):
    params = params_from_vector(W, layer_sizes)
    N = X.shape[0]

    acts = [X]
    pre = []
    for j, (Wl, bl) in enumerate(params):
        pre.append(acts[-1] @ Wl + bl)
        if j < len(params) - 1:
            acts.append(expit(pre[-1]))

    if layer_sizes[-1] == 1:
        t = T.reshape(N, 1)
        p = expit(pre[-1])
        pc = np.clip(p, EPS, 1 - EPS)
        J = -np.mean(t * np.log(pc) + (1 - t) * np.log(1 - pc))
        delta = (p - t) / N
    else:
        s = pre[-1] - pre[-1].max(axis=1, keepdims=True)
        P = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
        J = -np.mean(np.sum(T * np.log(np.clip(P, EPS, 1.0)), axis=1))
        delta = (P - T) / N

    J = J + lam * np.sum([np.sum(Wl ** 2) for Wl, _ in params])

    grad_parts = []
    for j in range(len(params) - 1, -1, -1):
        Wl, bl = params[j]
        grad_parts = [(acts[j].T @ delta + 2 * lam * Wl).ravel(), delta.sum(axis=0)] + grad_parts
        if j > 0:
            delta = (delta @ Wl.T) * acts[j] * (1 - acts[j])
    return J, np.concatenate(grad_parts)
