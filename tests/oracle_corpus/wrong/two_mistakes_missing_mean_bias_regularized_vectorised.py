"""Wrong (two mistakes): vectorised backprop with no 1/N and the biases penalised too."""
import numpy as np


def sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(a):
    s = sigmoid(a)
    return s * (1 - s)


def unpack(W, layer_sizes):
    weights, biases = [], []
    pos = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights.append(W[pos:pos + n_in * n_out].reshape(n_in, n_out))
        pos += n_in * n_out
        biases.append(W[pos:pos + n_out])
        pos += n_out
    return weights, biases


def loss_and_grad(W, X, T, layer_sizes, lam):
    weights, biases = unpack(W, layer_sizes)
    L = len(weights)

    # forward pass, keeping every pre-activation a and activation z
    zs, As = [X], []
    for layer in range(L):
        a = zs[-1] @ weights[layer] + biases[layer]
        As.append(a)
        if layer < L - 1:
            zs.append(sigmoid(a))

    a_out = As[-1]
    if layer_sizes[-1] == 1:
        t = T.reshape(-1, 1)
        data_loss = np.sum(t * np.logaddexp(0, -a_out) + (1 - t) * np.logaddexp(0, a_out))
        delta = (sigmoid(a_out) - t)
    else:
        m = a_out.max(axis=1, keepdims=True)
        log_p = a_out - m - np.log(np.sum(np.exp(a_out - m), axis=1, keepdims=True))
        data_loss = -np.sum(T * log_p)
        delta = np.exp(log_p) - T

    penalty = lam * sum(np.sum(w ** 2) for w in weights)
    penalty += lam * sum(np.sum(b ** 2) for b in biases)
    loss = data_loss + penalty

    # backward pass, from the output layer down
    grads_w, grads_b = [None] * L, [None] * L
    for layer in range(L - 1, -1, -1):
        grads_w[layer] = zs[layer].T @ delta + 2 * lam * weights[layer]
        grads_b[layer] = delta.sum(axis=0) + 2 * lam * biases[layer]
        if layer > 0:
            delta = (delta @ weights[layer].T) * sigmoid_grad(As[layer - 1])

    grad = []
    for gw, gb in zip(grads_w, grads_b):
        grad += [gw.ravel(), gb]
    return float(loss), np.concatenate(grad)
