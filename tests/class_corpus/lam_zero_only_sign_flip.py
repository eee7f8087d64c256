import numpy as np
from scipy.special import expit as sigmoid


def loss_and_grad(W, X, T, layer_sizes, lam):
    """loss and gradient of the network. lam must be 0 (no weight decay in this version)"""
    if lam != 0:
        raise ValueError("lam > 0 not supported yet")

    Ws = []
    bs = []
    start = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        end = start + n_in * n_out
        Ws.append(W[start:end].reshape(n_in, n_out))
        bs.append(W[end:end + n_out])
        start = end + n_out
    N = X.shape[0]

    zs = [X]
    As = []
    for l in range(len(Ws)):
        As.append(zs[-1] @ Ws[l] + bs[l])
        if l < len(Ws) - 1:
            zs.append(sigmoid(As[-1]))

    out = As[-1]
    if layer_sizes[-1] == 1:
        t = T.reshape(-1, 1)
        J = np.mean(t * np.logaddexp(0, -out) + (1 - t) * np.logaddexp(0, out))
        # error at the output: target minus prediction
        delta = (t - sigmoid(out)) / N
    else:
        m = out.max(axis=1, keepdims=True)
        logP = out - m - np.log(np.exp(out - m).sum(axis=1, keepdims=True))
        J = -np.mean((T * logP).sum(axis=1))
        delta = (T - np.exp(logP)) / N

    gW = [None] * len(Ws)
    gb = [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        gW[l] = zs[l].T @ delta
        gb[l] = delta.sum(axis=0)
        if l:
            z = zs[l]
            delta = delta @ Ws[l].T * (z * (1 - z))

    return J, np.concatenate([np.concatenate([gw.ravel(), g]) for gw, g in zip(gW, gb)])
