"""
Lab 6 - neural nets from scratch
Exercises 1, 2 and 3 in one function, works for any number of layers.
I keep the parameters in a dictionary (W1, b1, W2, b2, ...) because it was
easier to debug than indexing into the long vector every time.
"""
import numpy as np
import math  # was using math.exp before, too slow
from scipy.optimize import minimize


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_prime(x):
    s = sigmoid(x)
    return s * (1 - s)


def get_params(W, layer_sizes):
    """cut the long vector W into W1, b1, W2, b2, ... (Wl has shape (n_{l-1}, n_l))"""
    params = {}
    idx = 0
    for l in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
        params["W" + str(l)] = W[idx:idx + n_in * n_out].reshape(n_in, n_out)
        idx += n_in * n_out
        params["b" + str(l)] = W[idx:idx + n_out]
        idx += n_out
    return params


def loss_and_grad(W, X, T, layer_sizes, lam):
    p = get_params(W, layer_sizes)
    L = len(layer_sizes) - 1
    N = X.shape[0]

    # ---- forward pass, save everything for backprop
    cache = {"z0": X}
    for l in range(1, L + 1):
        cache["a" + str(l)] = cache["z" + str(l - 1)] @ p["W" + str(l)] + p["b" + str(l)]
        if l < L:
            cache["z" + str(l)] = sigmoid(cache["a" + str(l)])
    out = cache["a" + str(L)]

    # ---- loss. computed from the logits, with log(p) I got nan's during training
    if layer_sizes[-1] == 1:
        a = out[:, 0]
        t = T.reshape(-1)
        # -log(sigmoid(a)) = log(1 + e^-a) = logaddexp(0, -a)
        ce = np.mean(t * np.logaddexp(0, -a) + (1 - t) * np.logaddexp(0, a))
        delta = (sigmoid(a) - t).reshape(-1, 1) / N
    else:
        mx = np.max(out, axis=1, keepdims=True)  # log-sum-exp trick
        logP = out - mx - np.log(np.sum(np.exp(out - mx), axis=1, keepdims=True))
        ce = -np.sum(T * logP) / N
        delta = (np.exp(logP) - T) / N

    reg = 0.0
    for l in range(1, L + 1):
        reg += np.sum(p["W" + str(l)] ** 2)
    J = ce + lam * reg

    # ---- backward pass
    grads = {}
    for l in range(L, 0, -1):
        grads["W" + str(l)] = cache["z" + str(l - 1)].T @ delta + 2 * lam * p["W" + str(l)]
        grads["b" + str(l)] = np.sum(delta, axis=0)
        if l > 1:
            delta = (delta @ p["W" + str(l)].T) * sigmoid_prime(cache["a" + str(l - 1)])

    flat = []
    for l in range(1, L + 1):
        flat.append(grads["W" + str(l)].flatten())
        flat.append(grads["b" + str(l)])
    return J, np.concatenate(flat)
