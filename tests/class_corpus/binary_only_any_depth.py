# Exercises 1 and 2 (binary output, as many hidden layers as you want).
# The multiclass version is in my other notebook, this one only does 0/1 targets.
import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))     # = 1/(1+e^-x) but never overflows


def dsigmoid(x):
    return sigmoid(x) * sigmoid(-x)


def loss_and_grad(W, X, T, layer_sizes, lam):
    if layer_sizes[-1] != 1:
        raise ValueError("this network only has one (sigmoid) output, got %d" % layer_sizes[-1])

    # unroll the weights
    Ws, bs = [], []
    pos = 0
    for l in range(len(layer_sizes) - 1):
        n1, n2 = layer_sizes[l], layer_sizes[l + 1]
        Ws.append(np.reshape(W[pos:pos + n1 * n2], (n1, n2)))
        pos = pos + n1 * n2
        bs.append(W[pos:pos + n2])
        pos = pos + n2

    N = len(T)
    t = np.asarray(T, dtype=float).reshape(N, 1)

    a_s = []
    z_s = [X]
    for l in range(len(Ws)):
        a_s.append(z_s[l] @ Ws[l] + bs[l])
        z_s.append(sigmoid(a_s[l]))
    y = z_s[-1]
    a_L = a_s[-1]

    cross_entropy = np.mean(t * np.logaddexp(0, -a_L) + (1 - t) * np.logaddexp(0, a_L))
    penalty = lam * sum([np.sum(w ** 2) for w in Ws])
    E = cross_entropy + penalty

    dWs = [0] * len(Ws)
    dbs = [0] * len(Ws)
    delta = (y - t) / N
    for l in reversed(range(len(Ws))):
        dWs[l] = z_s[l].T @ delta + 2 * lam * Ws[l]
        dbs[l] = delta.sum(0)
        if l > 0:
            delta = dsigmoid(a_s[l - 1]) * (delta @ Ws[l].T)

    g = np.array([])
    for l in range(len(Ws)):
        g = np.append(g, dWs[l].flatten())
        g = np.append(g, dbs[l])
    return E, g
