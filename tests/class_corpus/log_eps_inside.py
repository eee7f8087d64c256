"""Lab 6: vectorised backprop, binary and multiclass.

Note: I add a small epsilon inside the logs so that log(0) never happens.
"""
import numpy as np

epsilon = 1e-8


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def loss_and_grad(W, X, T, layer_sizes, lam):
    weights = []
    biases = []
    n = 0
    for i in range(1, len(layer_sizes)):
        size = layer_sizes[i - 1] * layer_sizes[i]
        weights.append(W[n:n + size].reshape(layer_sizes[i - 1], layer_sizes[i]))
        n += size
        biases.append(W[n:n + layer_sizes[i]])
        n += layer_sizes[i]

    N = X.shape[0]
    Z = [X]
    for i in range(len(weights) - 1):
        Z.append(sigmoid(Z[-1] @ weights[i] + biases[i]))
    out = Z[-1] @ weights[-1] + biases[-1]

    if layer_sizes[-1] == 1:
        p = sigmoid(out)
        t = T.reshape(N, 1)
        loss = -np.mean(t * np.log(p + epsilon) + (1 - t) * np.log(1 - p + epsilon))
        delta = (p - t) / N
    else:
        e = np.exp(out - out.max(axis=1, keepdims=True))
        P = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.sum(T * np.log(P + epsilon), axis=1))
        delta = (P - T) / N
    loss += lam * sum(np.sum(w * w) for w in weights)

    grad = []
    for i in range(len(weights) - 1, -1, -1):
        grad.insert(0, delta.sum(axis=0))
        grad.insert(0, (Z[i].T @ delta + 2 * lam * weights[i]).ravel())
        if i > 0:
            delta = (delta @ weights[i].T) * Z[i] * (1 - Z[i])
    return loss, np.concatenate(grad)
