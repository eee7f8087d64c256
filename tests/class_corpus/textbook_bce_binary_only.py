# Lab 6, exercises 1 and 2: binary classification with any number of hidden layers.
# Loss straight from the formula in 1.c.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def loss_and_grad(W, X, T, layer_sizes, lam):
    if layer_sizes[-1] != 1:
        raise ValueError("binary classification only (one output unit)")

    layers = []
    i = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        w = W[i:i + n_in * n_out].reshape(n_in, n_out)
        i += n_in * n_out
        b = W[i:i + n_out]
        i += n_out
        layers.append([w, b])

    N = X.shape[0]
    t = T.reshape(-1, 1)

    a_list = []
    z_list = [X]
    for w, b in layers:
        a = z_list[-1] @ w + b
        a_list.append(a)
        z_list.append(sigmoid(a))
    p = z_list[-1]

    # binary cross entropy  -1/N sum t log p + (1-t) log(1-p)   + lambda sum W^2
    loss = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    loss += lam * sum(np.sum(w ** 2) for w, b in layers)

    grads = []
    delta = (p - t) / N
    for k in range(len(layers) - 1, -1, -1):
        w, b = layers[k]
        grads.insert(0, np.sum(delta, axis=0))
        grads.insert(0, (z_list[k].T @ delta + 2 * lam * w).ravel())
        if k > 0:
            z = z_list[k]
            delta = (delta @ w.T) * z * (1 - z)
    return loss, np.concatenate(grads)
