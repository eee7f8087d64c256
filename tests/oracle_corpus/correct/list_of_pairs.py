"""Correct: functional style over a list of (W, b) pairs, with flatten / unflatten helpers."""
import numpy as np


def unflatten(flat, layer_sizes):
    """Flat canonical vector -> [(W_1, b_1), ..., (W_L, b_L)], W_l of shape (n_{l-1}, n_l)."""
    pairs, start = [], 0
    for m, n in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = flat[start:start + m * n].reshape(m, n)
        b = flat[start + m * n:start + (m + 1) * n]
        pairs.append((W, b))
        start += (m + 1) * n
    return pairs


def flatten(pairs):
    return np.concatenate([np.append(W.ravel(), b) for W, b in pairs])


def sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def forward(pairs, X):
    """Return the list of layer inputs (X, z_1, ..., z_{L-1}), the hidden a's and the logits."""
    inputs, pre = [X], []
    for W, b in pairs[:-1]:
        pre.append(inputs[-1] @ W + b)
        inputs.append(sigmoid(pre[-1]))
    W, b = pairs[-1]
    return inputs, pre, inputs[-1] @ W + b


def log_likelihood(logits, T):
    if logits.shape[1] == 1:
        t = T[:, None]
        return -np.sum(t * np.logaddexp(0.0, -logits) + (1 - t) * np.logaddexp(0.0, logits))
    mx = np.max(logits, axis=1, keepdims=True)
    log_z = mx + np.log(np.sum(np.exp(logits - mx), axis=1, keepdims=True))
    return np.sum(T * (logits - log_z))


def output_error(logits, T):
    """dJ/d(logits) times N: p - t for sigmoid + binary CE and for softmax + CE."""
    if logits.shape[1] == 1:
        return sigmoid(logits) - T[:, None]
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - T


def backward(pairs, inputs, pre, delta, lam):
    grads = []
    for j in range(len(pairs) - 1, -1, -1):
        W, _ = pairs[j]
        grads.append((inputs[j].T @ delta + 2 * lam * W, delta.sum(axis=0)))
        if j > 0:
            s = sigmoid(pre[j - 1])
            delta = (delta @ W.T) * s * (1 - s)
    return grads[::-1]


def loss_and_grad(W, X, T, layer_sizes, lam):
    pairs = unflatten(W, layer_sizes)
    inputs, pre, logits = forward(pairs, X)
    N = X.shape[0]
    log_lik = log_likelihood(logits, T)
    log_prior = -lam * sum(np.sum(Wl ** 2) for Wl, _ in pairs)
    loss = -log_lik / N - log_prior
    grads = backward(pairs, inputs, pre, output_error(logits, T) / N, lam)
    return float(loss), flatten(grads)
