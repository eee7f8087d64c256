"""Correct: samples as columns inside (a_l = W_l^T z_{l-1} + b_l), transposed back at the end."""
import numpy as np


def _sig(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def loss_and_grad(W, X, T, layer_sizes, lam):
    # W_l stored (n_{l-1}, n_l); here we use its transpose V_l = W_l^T of shape (n_l, n_{l-1})
    V, c = [], []
    p = 0
    for r, s in zip(layer_sizes[:-1], layer_sizes[1:]):
        V.append(W[p:p + r * s].reshape(r, s).T)
        c.append(W[p + r * s:p + r * s + s].reshape(s, 1))
        p += r * s + s

    N = X.shape[0]
    Z = [X.T]  # (n_0, N)
    A = []
    for i in range(len(V)):
        A.append(V[i] @ Z[-1] + c[i])
        Z.append(_sig(A[-1]))
    A_out = A[-1]  # (n_L, N)

    if A_out.shape[0] == 1:
        y = np.asarray(T, dtype=float).reshape(1, N)
        J = np.sum(y * np.logaddexp(0, -A_out) + (1 - y) * np.logaddexp(0, A_out)) / N
        D = (_sig(A_out) - y) / N
    else:
        Y = T.T
        m = A_out.max(axis=0)
        lse = m + np.log(np.exp(A_out - m).sum(axis=0))
        J = np.sum(lse * Y.sum(axis=0) - (Y * A_out).sum(axis=0)) / N
        D = (np.exp(A_out - lse) - Y) / N
    J += lam * sum(float(np.sum(v * v)) for v in V)

    gV, gc = [None] * len(V), [None] * len(V)
    for i in reversed(range(len(V))):
        gV[i] = D @ Z[i].T + 2 * lam * V[i]  # (n_l, n_{l-1})
        gc[i] = D.sum(axis=1)
        if i > 0:
            D = (V[i].T @ D) * Z[i] * (1 - Z[i])

    grad = np.empty_like(W)
    p = 0
    for gv, gb in zip(gV, gc):
        grad[p:p + gv.size] = gv.T.ravel()
        p += gv.size
        grad[p:p + gb.size] = gb
        p += gb.size
    return float(J), grad
