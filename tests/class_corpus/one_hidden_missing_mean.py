# Exercise 1 (and 3): network with ONE hidden layer.
# W = [W1 (d x h), b1 (h), W2 (h x k), b2 (k)]
import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def loss_and_grad(W, X, T, layer_sizes, lam):
    assert len(layer_sizes) == 3, "one hidden layer only"
    d, h, k = layer_sizes
    W1 = W[:d * h].reshape(d, h)
    b1 = W[d * h:d * h + h]
    W2 = W[d * h + h:d * h + h + h * k].reshape(h, k)
    b2 = W[d * h + h + h * k:]

    # forward
    a1 = X @ W1 + b1
    z1 = sigmoid(a1)
    a2 = z1 @ W2 + b2

    # cross entropy, summed over the training points
    if k == 1:
        t = T[:, np.newaxis]
        E = np.sum(t * np.logaddexp(0, -a2) + (1 - t) * np.logaddexp(0, a2))
        delta2 = sigmoid(a2) - t
    else:
        a2max = np.max(a2, axis=1, keepdims=True)
        logy = a2 - a2max - np.log(np.sum(np.exp(a2 - a2max), axis=1, keepdims=True))
        E = -np.sum(T * logy)
        delta2 = np.exp(logy) - T
    E = E + lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))

    # backward
    delta1 = (delta2 @ W2.T) * z1 * (1 - z1)
    dW2 = z1.T @ delta2 + 2 * lam * W2
    db2 = np.sum(delta2, axis=0)
    dW1 = X.T @ delta1 + 2 * lam * W1
    db1 = np.sum(delta1, axis=0)
    return E, np.concatenate((dW1.flatten(), db1, dW2.flatten(), db2))
