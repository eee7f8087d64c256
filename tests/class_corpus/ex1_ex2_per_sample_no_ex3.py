"""
Exercise 2a - backpropagation sample by sample, following the 4 steps of the notebook.

  1. forward propagate x_n, keep all a_i and z_i = sigma(a_i)
  2. delta_k = y_k - t_k at the output
  3. delta_j = sigma'(a_j) * sum_k w_kj delta_k
  4. dE_n/dw_ij = delta_j * z_i

then average over the samples and add the gradient of the regularization.
"""
import numpy as np
from scipy.optimize import minimize
import scipy.io as sio


def sigma(a):
    return 1 / (1 + np.exp(-a))


def sigma_prime(a):
    return sigma(a) * (1 - sigma(a))


def loss_and_grad(W, X, T, layer_sizes, lam):
    if layer_sizes[-1] > 1:
        raise NotImplementedError("exercise 3 not done yet")

    # weights of each layer
    weights = []
    bias = []
    k = 0
    for l in range(1, len(layer_sizes)):
        weights.append(W[k:k + layer_sizes[l - 1] * layer_sizes[l]].reshape(layer_sizes[l - 1], layer_sizes[l]))
        k = k + layer_sizes[l - 1] * layer_sizes[l]
        bias.append(W[k:k + layer_sizes[l]])
        k = k + layer_sizes[l]

    N = X.shape[0]
    E = 0
    dW = [np.zeros(w.shape) for w in weights]
    db = [np.zeros(b.shape) for b in bias]

    for n in range(N):
        # step 1
        a = []
        z = [X[n, :]]
        for l in range(len(weights)):
            a.append(np.dot(z[l], weights[l]) + bias[l])
            z.append(sigma(a[l]))
        # error of this sample, from a directly (log(y) gave -inf)
        t = T[n]
        E = E + t * np.logaddexp(0, -a[-1][0]) + (1 - t) * np.logaddexp(0, a[-1][0])
        # step 2
        delta = z[-1] - t
        # steps 3 and 4
        for l in range(len(weights) - 1, -1, -1):
            dW[l] = dW[l] + np.outer(z[l], delta)
            db[l] = db[l] + delta
            if l > 0:
                delta = sigma_prime(a[l - 1]) * np.dot(weights[l], delta)

    E = E / N
    for w in weights:
        E = E + lam * np.sum(w ** 2)

    grad = []
    for l in range(len(weights)):
        grad.append((dW[l] / N + 2 * lam * weights[l]).flatten())
        grad.append(db[l] / N)
    return E, np.hstack(grad)
