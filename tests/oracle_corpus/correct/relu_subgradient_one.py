"""Correct: per-sample ReLU backprop that takes the valid subgradient 1 at a = 0."""
import math

import numpy as np


def loss_and_grad(W, X, T, layer_sizes, lam):
    layers = []
    i = 0
    for n_in, n_out in zip(layer_sizes, layer_sizes[1:]):
        w = W[i:i + n_in * n_out].reshape(n_in, n_out)
        b = W[i + n_in * n_out:i + (n_in + 1) * n_out]
        layers.append((w, b))
        i += (n_in + 1) * n_out
    N = len(X)
    n_classes = layer_sizes[-1]

    total = 0.0
    grad_w = [np.zeros(w.shape) for w, _ in layers]
    grad_b = [np.zeros(b.shape) for _, b in layers]
    for x, t in zip(X, T):
        zs, As = [x], []
        for j, (w, b) in enumerate(layers):
            As.append(zs[-1] @ w + b)
            zs.append(np.maximum(As[-1], 0) if j < len(layers) - 1 else As[-1])
        a = As[-1]
        if n_classes == 1:
            a0 = float(a[0])
            # -log sigmoid(a0) if t == 1, -log(1 - sigmoid(a0)) if t == 0, without overflow
            total += t * np.logaddexp(0, -a0) + (1 - t) * np.logaddexp(0, a0)
            y = 1 / (1 + math.exp(-a0)) if a0 >= 0 else math.exp(a0) / (1 + math.exp(a0))
            delta = np.array([y - t])
        else:
            top = np.max(a)
            log_sum = top + math.log(np.sum(np.exp(a - top)))
            total += log_sum - float(t @ a)
            delta = np.exp(a - log_sum) - t
        for j in range(len(layers) - 1, -1, -1):
            grad_w[j] += np.outer(zs[j], delta)
            grad_b[j] += delta
            if j > 0:
                delta = (layers[j][0] @ delta) * (As[j - 1] >= 0)

    loss = total / N + lam * sum(float(np.sum(w ** 2)) for w, _ in layers)
    out = []
    for (w, _), gw, gb in zip(layers, grad_w, grad_b):
        out.append((gw / N + 2 * lam * w).ravel())
        out.append(gb / N)
    return float(loss), np.concatenate(out)
