# Exercise 1: loss works, gradient still TODO.
# minimize() needs something for jac, so I return the weights for now.
import numpy as np
from scipy.optimize import minimize


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def loss_and_grad(W, X, T, layer_sizes, lam):
    start = 0
    z = X
    penalty = 0.0
    for i in range(len(layer_sizes) - 1):
        n_in, n_out = layer_sizes[i], layer_sizes[i + 1]
        Wi = W[start:start + n_in * n_out].reshape(n_in, n_out)
        bi = W[start + n_in * n_out:start + n_in * n_out + n_out]
        start += n_in * n_out + n_out
        penalty += np.sum(Wi ** 2)
        a = z @ Wi + bi
        z = sigmoid(a) if i < len(layer_sizes) - 2 else a

    if layer_sizes[-1] == 1:
        a = z[:, 0]
        loss = np.mean(T * np.logaddexp(0, -a) + (1 - T) * np.logaddexp(0, a))
    else:
        m = z.max(axis=1, keepdims=True)
        loss = -np.mean(np.sum(T * (z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))), axis=1))
    loss = loss + lam * penalty

    grad = W   # TODO backprop
    return loss, grad
