# Neural network for exercises 1, 2 and 3 of lab 6.
# Binary: sigmoid output + cross entropy. Multiclass: softmax output + cross entropy.
import numpy as np
import scipy


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=1, keepdims=True)


def unroll(W, sizes):
    mats, vecs = [], []
    s = 0
    for i in range(len(sizes) - 1):
        mats.append(W[s:s + sizes[i] * sizes[i + 1]].reshape(sizes[i], sizes[i + 1]))
        s += sizes[i] * sizes[i + 1]
        vecs.append(W[s:s + sizes[i + 1]])
        s += sizes[i + 1]
    return mats, vecs


def loss_and_grad(W, X, T, layer_sizes, lam):
    mats, vecs = unroll(W, layer_sizes)
    N = X.shape[0]
    L = len(mats)

    a = [None] * L
    z = [X] + [None] * (L - 1)
    for l in range(L):
        a[l] = z[l] @ mats[l] + vecs[l]
        if l < L - 1:
            z[l + 1] = sigmoid(a[l])

    if layer_sizes[-1] == 1:
        y = a[-1][:, 0]
        loss = np.mean(T * np.logaddexp(0, -y) + (1 - T) * np.logaddexp(0, y))
        d = (sigmoid(a[-1]) - T[:, None]) / N
    else:
        P = softmax(a[-1])
        loss = -np.mean(np.sum(T * np.log(P), axis=1))
        d = (P - T) / N

    for m in mats:
        loss += lam * np.sum(m ** 2)

    gm = [None] * L
    gv = [None] * L
    for l in reversed(range(L)):
        gm[l] = z[l].T @ d + 2 * lam * mats[l]
        gv[l] = d.sum(axis=0)
        if l > 0:
            d = (d @ mats[l].T) * sigmoid(a[l - 1]) * (1 - sigmoid(a[l - 1]))

    return loss, np.concatenate([np.append(gm[l].ravel(), gv[l]) for l in range(L)])
