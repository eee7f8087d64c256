# Lab 6 -- I did this first in MATLAB and translated it, reshape works
# column by column there so I kept order='F' everywhere to be consistent.
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))        # 1 ./ (1 + exp(-z)) in matlab


def unroll(W, sz):
    Theta, bias = [], []
    s = 0
    for l in range(len(sz) - 1):
        Theta.append(np.reshape(W[s:s + sz[l] * sz[l + 1]], (sz[l], sz[l + 1]), order="F"))
        s += sz[l] * sz[l + 1]
        bias.append(W[s:s + sz[l + 1]])
        s += sz[l + 1]
    return Theta, bias


def loss_and_grad(W, X, T, layer_sizes, lam):
    Theta, bias = unroll(W, layer_sizes)
    m = X.shape[0]
    L = len(Theta)

    a = [None] * L
    z = [X]
    for l in range(L):
        a[l] = z[l] @ Theta[l] + bias[l]
        if l < L - 1:
            z.append(sigmoid(a[l]))

    if layer_sizes[-1] == 1:
        y = T.reshape(m, 1)
        J = np.sum(y * np.logaddexp(0, -a[-1]) + (1 - y) * np.logaddexp(0, a[-1])) / m
        d = (sigmoid(a[-1]) - y) / m
    else:
        amax = a[-1].max(axis=1, keepdims=True)
        logh = a[-1] - amax - np.log(np.sum(np.exp(a[-1] - amax), axis=1, keepdims=True))
        J = -np.sum(T * logh) / m
        d = (np.exp(logh) - T) / m
    for th in Theta:
        J = J + lam * np.sum(th ** 2)

    grads = [None] * (2 * L)
    for l in range(L - 1, -1, -1):
        grads[2 * l] = (z[l].T @ d + 2 * lam * Theta[l]).ravel(order="F")
        grads[2 * l + 1] = np.sum(d, axis=0)
        if l > 0:
            d = (d @ Theta[l].T) * z[l] * (1 - z[l])
    return J, np.concatenate(grads)
