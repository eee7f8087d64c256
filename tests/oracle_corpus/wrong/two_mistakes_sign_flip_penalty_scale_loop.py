"""Wrong (two mistakes): per-sample backprop, output delta t - y, penalty lam/2 ||W||^2."""
import numpy as np
from scipy.special import expit


def loss_and_grad(W, X, T, layer_sizes, lam):
    # unpack the flat vector into weight matrices W_l (n_in, n_out) and biases b_l
    Ws, bs = [], []
    start = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        Ws.append(W[start:start + n_in * n_out].reshape(n_in, n_out))
        start += n_in * n_out
        bs.append(W[start:start + n_out])
        start += n_out
    n_layers = len(Ws)
    N = X.shape[0]
    binary = layer_sizes[-1] == 1
    if binary:
        T = T.reshape(-1)

    loss = 0.0
    gWs = [np.zeros_like(w) for w in Ws]
    gbs = [np.zeros_like(b) for b in bs]
    for n in range(N):
        # step 1: forward-propagate sample n, keeping every a and z
        z = [X[n]]
        a = []
        for k in range(n_layers):
            a.append(z[-1] @ Ws[k] + bs[k])
            if k < n_layers - 1:
                z.append(expit(a[-1]))
        out = a[-1]

        # step 2: output deltas delta_k = y_k - t_k
        t = T[n]
        if binary:
            loss += t * np.logaddexp(0, -out[0]) + (1 - t) * np.logaddexp(0, out[0])
            delta = t - expit(out)
        else:
            m = out.max()
            log_y = out - m - np.log(np.sum(np.exp(out - m)))
            loss -= t @ log_y
            delta = t - np.exp(log_y)

        # step 3 and 4: dloss/dw_ij = delta_j z_i, then delta_j = h'(a_j) sum_k w_kj delta_k
        for k in range(n_layers - 1, -1, -1):
            gWs[k] += np.outer(z[k], delta)
            gbs[k] += delta
            if k > 0:
                s = expit(a[k - 1])
                delta = s * (1 - s) * (Ws[k] @ delta)

    loss = loss / N + lam / 2 * sum(np.sum(w * w) for w in Ws)
    grad = []
    for k in range(n_layers):
        grad.append((gWs[k] / N + lam * Ws[k]).ravel())
        grad.append(gbs[k] / N)
    return float(loss), np.concatenate(grad)
