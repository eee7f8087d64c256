"""Not an attack: an honest, correct submission, the control of the batches.

The red-team tests put it beside a hostile file (``--jobs 1`` and ``2``) to show
that the hostile one cannot stop the batch or take the other's verdict, and they
copy it as a classmate's file (with a fresh token) for the attacks that try to
take someone else's work. Vectorised backprop for sigmoid hidden units, a
sigmoid (one output) or softmax output, cross-entropy computed from the logits.
"""

import numpy as np
from scipy.special import expit


def _layers(W, layer_sizes):
    layers, start = [], 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights = W[start : start + n_in * n_out].reshape(n_in, n_out)
        start += n_in * n_out
        bias = W[start : start + n_out]
        start += n_out
        layers.append((weights, bias))
    return layers


def loss_and_grad(W, X, T, layer_sizes, lam):
    W = np.asarray(W, dtype=float)
    X = np.asarray(X, dtype=float)
    T = np.asarray(T, dtype=float)
    layers = _layers(W, layer_sizes)
    n = X.shape[0]
    activations = [X]
    for weights, bias in layers[:-1]:
        activations.append(expit(activations[-1] @ weights + bias))
    logits = activations[-1] @ layers[-1][0] + layers[-1][1]
    if layer_sizes[-1] == 1:
        a = logits[:, 0]
        # -[t log p + (1 - t) log(1 - p)] with p = sigmoid(a), from the logit
        data = np.sum(T * np.logaddexp(0.0, -a) + (1.0 - T) * np.logaddexp(0.0, a)) / n
        delta = ((expit(a) - T) / n)[:, None]
    else:
        top = logits.max(axis=1, keepdims=True)
        log_norm = top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        data = -np.sum(T * (logits - log_norm)) / n
        delta = (np.exp(logits - log_norm) - T) / n
    loss = data + lam * sum(np.sum(w * w) for w, _ in layers)
    pieces = []
    for l in range(len(layers) - 1, -1, -1):
        weights = layers[l][0]
        pieces.append(delta.sum(axis=0))
        pieces.append((activations[l].T @ delta + 2.0 * lam * weights).ravel())
        if l > 0:
            z = activations[l]
            delta = (delta @ weights.T) * z * (1.0 - z)
    return float(loss), np.concatenate(pieces[::-1])
