# Exercise 1 -- one hidden layer, one sigmoid output
# 1.b sigmoid and its derivative, 1.c loss, 1.d gradient
import numpy as np
from scipy.optimize import minimize

import scipy.io as sio


def sigmoid(x):
    return np.exp(-np.logaddexp(0., -x))


def sigmoid_grad(x):
    return sigmoid(x) * (1. - sigmoid(x))


# 1.c  binary cross entropy (from the logit, so log(0) can't happen)
def bce(a, t):
    return np.mean(t * np.logaddexp(0., -a) + (1. - t) * np.logaddexp(0., a))


def loss_and_grad(W, X, T, layer_sizes, lam):
    n_in, n_hidden, n_out = layer_sizes
    assert n_out == 1
    W1, b1, W2, b2 = np.split(W, np.cumsum([n_in * n_hidden, n_hidden, n_hidden * n_out]))
    W1 = W1.reshape(n_in, n_hidden)
    W2 = W2.reshape(n_hidden, n_out)

    a1 = X @ W1 + b1
    z1 = sigmoid(a1)
    a2 = (z1 @ W2 + b2).ravel()
    loss = bce(a2, T)

    # 1.d gradient (backprop by hand)
    N = len(T)
    d2 = (sigmoid(a2) - T)[:, None] / N
    gW2 = z1.T @ d2 + 2 * lam * W2
    gb2 = d2.sum(axis=0)
    d1 = d2 @ W2.T * sigmoid_grad(a1)
    gW1 = X.T @ d1 + 2 * lam * W1
    gb1 = d1.sum(axis=0)
    return loss, np.concatenate([gW1.ravel(), gb1, gW2.ravel(), gb2])
