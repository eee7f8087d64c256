# backprop for the week 6 lab.  TODO: regularization (lambda) -- for now only lambda = 0
import numpy as np
from scipy.special import expit


def forward(params, X):
    As, Zs = [], [X]
    for i, (w, b) in enumerate(params):
        As.append(Zs[-1] @ w + b)
        if i + 1 < len(params):
            Zs.append(expit(As[-1]))
    return As, Zs


def loss_and_grad(W, X, T, layer_sizes, lam):
    assert lam == 0, "regularization not implemented yet"
    params = []
    c = 0
    for a, b in zip(layer_sizes, layer_sizes[1:]):
        params.append((W[c:c + a * b].reshape(a, b), W[c + a * b:c + a * b + b]))
        c += a * b + b
    N = len(X)

    As, Zs = forward(params, X)
    logits = As[-1]
    if logits.shape[1] == 1:
        l = logits[:, 0]
        loss = np.mean(np.logaddexp(0, l) - T * l)
        err = (expit(l) - T)[:, None] / N
    else:
        c = logits.max(1, keepdims=True)
        logsm = logits - c - np.log(np.exp(logits - c).sum(1, keepdims=True))
        loss = -np.mean(np.sum(T * logsm, axis=1))
        err = (np.exp(logsm) - T) / N

    out = []
    for i in range(len(params) - 1, -1, -1):
        out.insert(0, err.sum(0))
        out.insert(0, (Zs[i].T @ err).ravel())
        if i > 0:
            err = err @ params[i][0].T * Zs[i] * (1 - Zs[i])
    return loss, np.concatenate(out)
