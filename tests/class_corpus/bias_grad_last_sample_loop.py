# exercise 2a: loop over the samples, one backward pass per sample
import numpy as np


def s(x):
    return 1.0 / (1.0 + np.exp(-x))


def loss_and_grad(W, X, T, layer_sizes, lam):
    nl = len(layer_sizes) - 1
    Ws, bs = [], []
    pos = 0
    for l in range(nl):
        ni, no = layer_sizes[l], layer_sizes[l + 1]
        Ws.append(W[pos:pos + ni * no].reshape(ni, no))
        pos += ni * no
        bs.append(W[pos:pos + no])
        pos += no

    N = X.shape[0]
    loss = 0.0
    dWs = [np.zeros((layer_sizes[l], layer_sizes[l + 1])) for l in range(nl)]
    dbs = [np.zeros(layer_sizes[l + 1]) for l in range(nl)]

    for i in range(N):
        x = X[i]
        acts = [x]
        pres = []
        for l in range(nl):
            pres.append(acts[-1] @ Ws[l] + bs[l])
            if l < nl - 1:
                acts.append(s(pres[-1]))
        o = pres[-1]
        if layer_sizes[-1] == 1:
            loss += np.logaddexp(0, -o[0]) if T[i] == 1 else np.logaddexp(0, o[0])
            d = s(o) - T[i]
        else:
            c = o.max()
            lsm = o - c - np.log(np.sum(np.exp(o - c)))
            loss -= lsm @ T[i]
            d = np.exp(lsm) - T[i]
        for l in range(nl - 1, -1, -1):
            dWs[l] += np.outer(acts[l], d)
            dbs[l] = d                      # bias input is 1, so the gradient is just delta
            if l > 0:
                d = (Ws[l] @ d) * acts[l] * (1 - acts[l])

    loss = loss / N
    grad = []
    for l in range(nl):
        loss += lam * np.sum(Ws[l] ** 2)
        grad.append((dWs[l] / N + 2 * lam * Ws[l]).ravel())
        grad.append(dbs[l] / N)
    return loss, np.concatenate(grad)
