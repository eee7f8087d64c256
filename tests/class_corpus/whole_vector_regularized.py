# Lab 6. The regularization is just lambda * ||W||^2 on the parameter vector,
# so its gradient is 2 * lambda * W -- easy to add at the end.
import numpy as np


def sigmoid(x):
    return 1. / (1. + np.exp(-x))


def loss_and_grad(W, X, T, layer_sizes, lam):
    N = X.shape[0]
    nL = len(layer_sizes) - 1

    # slice the vector into the layers
    w, b = {}, {}
    i = 0
    for l in range(1, nL + 1):
        r, c = layer_sizes[l - 1], layer_sizes[l]
        w[l] = W[i:i + r * c].reshape(r, c)
        i += r * c
        b[l] = W[i:i + c]
        i += c

    a, z = {}, {0: X}
    for l in range(1, nL + 1):
        a[l] = z[l - 1] @ w[l] + b[l]
        if l < nL:
            z[l] = sigmoid(a[l])

    if layer_sizes[-1] == 1:
        t = T.reshape(N, 1)
        data = np.mean(t * np.logaddexp(0, -a[nL]) + (1 - t) * np.logaddexp(0, a[nL]))
        delta = (sigmoid(a[nL]) - t) / N
    else:
        mx = a[nL].max(axis=1, keepdims=True)
        lp = a[nL] - mx - np.log(np.exp(a[nL] - mx).sum(axis=1, keepdims=True))
        data = -(T * lp).sum() / N
        delta = (np.exp(lp) - T) / N

    J = data + lam * np.dot(W, W)

    g = []
    for l in range(nL, 0, -1):
        g = [(z[l - 1].T @ delta).ravel(), delta.sum(axis=0)] + g
        if l > 1:
            delta = (delta @ w[l].T) * z[l - 1] * (1 - z[l - 1])
    grad = np.concatenate(g) + 2 * lam * W
    return J, grad
