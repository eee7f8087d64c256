"""
Exercise 2a. Backprop one training example at a time (Bishop section 5.3).
"""
import numpy as np
import math


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_prime(x):
    return sigmoid(x) * (1 - sigmoid(x))


def forward_one(x, Ws, bs):
    a_s, z_s = [], [x]
    for l in range(len(Ws)):
        a = z_s[-1] @ Ws[l] + bs[l]
        a_s.append(a)
        if l != len(Ws) - 1:
            z_s.append(sigmoid(a))
    return a_s, z_s


def loss_and_grad(W, X, T, layer_sizes, lam):
    Ws, bs, k = [], [], 0
    for l in range(len(layer_sizes) - 1):
        m, n = layer_sizes[l], layer_sizes[l + 1]
        Ws.append(W[k:k + m * n].reshape(m, n))
        bs.append(W[k + m * n:k + m * n + n])
        k += m * n + n
    N = X.shape[0]
    K = layer_sizes[-1]

    E = 0.0
    gradW = [np.zeros_like(x) for x in Ws]
    gradb = [np.zeros_like(x) for x in bs]
    for n in range(N):
        a_s, z_s = forward_one(X[n], Ws, bs)
        out = a_s[-1]
        if K == 1:
            E += T[n] * np.logaddexp(0, -out[0]) + (1 - T[n]) * np.logaddexp(0, out[0])
            delta = sigmoid(out) - T[n]
        else:
            lse = np.max(out) + np.log(np.sum(np.exp(out - np.max(out))))
            E += -np.sum(T[n] * (out - lse))
            delta = np.exp(out - lse) - T[n]
        # backpropagate
        for l in range(len(Ws) - 1, -1, -1):
            gradW[l] += np.outer(z_s[l], delta)
            gradb[l] += delta
            if l > 0:
                delta = sigmoid_prime(z_s[l]) * (Ws[l] @ delta)   # z_s[l] = sigma(a) of the layer below

    E = E / N + lam * sum(np.sum(w ** 2) for w in Ws)
    grad = np.concatenate([np.concatenate([(gw / N + 2 * lam * w).ravel(), gb / N])
                           for gw, gb, w in zip(gradW, gradb, Ws)])
    return E, grad
