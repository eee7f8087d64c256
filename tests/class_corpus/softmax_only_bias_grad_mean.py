"""Exercise 3 -- softmax output layer, cross-entropy loss, L2 penalty on the weights."""
import numpy as np
from scipy.special import logsumexp, expit


def loss_and_grad(W, X, T, layer_sizes, lam):
    K = layer_sizes[-1]
    if K < 2:
        raise ValueError("softmax needs at least 2 classes, use exercise 1 for binary")

    # build the layers
    layers = []
    off = 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        Wl = W[off:off + fan_in * fan_out].reshape(fan_in, fan_out)
        off += fan_in * fan_out
        bl = W[off:off + fan_out]
        off += fan_out
        layers.append({"W": Wl, "b": bl})

    N = X.shape[0]
    h = X
    for layer in layers:
        layer_in = h
        a = layer_in @ layer["W"] + layer["b"]
        h = expit(a) if layer is not layers[-1] else a
    # (recompute below, I need all of them for the backward pass)
    inputs = [X]
    pre = []
    for i, layer in enumerate(layers):
        pre.append(inputs[-1] @ layer["W"] + layer["b"])
        if i < len(layers) - 1:
            inputs.append(expit(pre[-1]))

    log_probs = pre[-1] - logsumexp(pre[-1], axis=1, keepdims=True)
    data_term = -np.sum(T * log_probs) / N
    reg_term = lam * np.sum([np.sum(layer["W"] ** 2) for layer in layers])
    J = data_term + reg_term

    grads = []
    delta = (np.exp(log_probs) - T) / N
    for i in reversed(range(len(layers))):
        dW = inputs[i].T @ delta + 2 * lam * layers[i]["W"]
        db = np.mean(delta, axis=0)
        grads = [dW.ravel(), db] + grads
        if i > 0:
            s = inputs[i]
            delta = (delta @ layers[i]["W"].T) * s * (1 - s)
    return J, np.concatenate(grads)
