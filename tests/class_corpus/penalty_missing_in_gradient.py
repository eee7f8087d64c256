"""My backprop for exercises 1-3 (vectorised over the samples)."""
import numpy as np
from scipy.optimize import minimize, check_grad


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def loss_and_grad(W, X, T, layer_sizes, lam):
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    Ws, bs = [], []
    k = 0
    for (p, q) in shapes:
        Ws.append(W[k:k + p * q].reshape(p, q)); k += p * q
        bs.append(W[k:k + q]); k += q

    Z, A = [X], []
    for l, (w, b) in enumerate(zip(Ws, bs)):
        A.append(Z[-1].dot(w) + b)
        if l + 1 < len(Ws):
            Z.append(sigmoid(A[-1]))
    N = X.shape[0]

    if layer_sizes[-1] == 1:
        aL = A[-1][:, 0]
        J = np.mean(np.logaddexp(0, -aL) * T + np.logaddexp(0, aL) * (1 - T))
        D = (sigmoid(aL) - T)[:, None] / N
    else:
        aL = A[-1] - A[-1].max(axis=1)[:, None]
        lsm = aL - np.log(np.exp(aL).sum(axis=1))[:, None]
        J = -(T * lsm).sum() / N
        D = (np.exp(lsm) - T) / N
    J = J + lam * sum((w ** 2).sum() for w in Ws)

    gws, gbs = [], []
    for l in range(len(Ws) - 1, -1, -1):
        gws.insert(0, Z[l].T.dot(D))
        gbs.insert(0, D.sum(axis=0))
        if l > 0:
            D = D.dot(Ws[l].T) * Z[l] * (1 - Z[l])
    return J, np.concatenate([np.concatenate([gw.ravel(), gb]) for gw, gb in zip(gws, gbs)])
