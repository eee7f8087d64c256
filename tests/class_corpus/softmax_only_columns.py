"""Exercise 3 only: softmax network for the three-class data.

Andrew Ng convention inside: samples are COLUMNS, so I work with W_l^T
(shape n_out x n_in).  The flat vector is still W1.ravel(), b1, W2.ravel(), b2, ...
"""
import numpy as np
import scipy.io as sio  # for loading the .mat files in the notebook


def g(z):
    return 1.0 / (1.0 + np.exp(-z))


def loss_and_grad(W, X, T, layer_sizes, lam):
    assert T.ndim == 2, "targets must be one-hot, shape (N, K)"
    N, K = T.shape
    assert layer_sizes[-1] == K

    thetas, biases = [], []
    p = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        thetas.append(W[p:p + n_in * n_out].reshape(n_in, n_out).T)   # (n_out, n_in)
        p += n_in * n_out
        biases.append(W[p:p + n_out].reshape(n_out, 1))
        p += n_out

    # forward, one column per sample
    A = []
    Z = [X.T]
    for l in range(len(thetas)):
        A.append(thetas[l] @ Z[-1] + biases[l])
        if l < len(thetas) - 1:
            Z.append(g(A[-1]))
    out = A[-1]                                   # (K, N)

    out = out - out.max(axis=0)                   # stability
    log_probs = out - np.log(np.sum(np.exp(out), axis=0))
    Y = T.T
    J = -np.sum(Y * log_probs) / N
    J += lam * sum(np.sum(th ** 2) for th in thetas)

    grads = []
    d = (np.exp(log_probs) - Y) / N               # (K, N)
    for l in range(len(thetas) - 1, -1, -1):
        grad_theta = d @ Z[l].T + 2 * lam * thetas[l]   # (n_out, n_in)
        grad_b = d.sum(axis=1)
        grads = [grad_theta.T.ravel(), grad_b] + grads
        if l > 0:
            d = (thetas[l].T @ d) * Z[l] * (1 - Z[l])
    return J, np.concatenate(grads)
