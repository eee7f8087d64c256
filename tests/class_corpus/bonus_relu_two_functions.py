# Week 6 lab -- Exercise 1 and Bonus 1.
# loss_and_grad is the sigmoid network (one hidden layer is all I did),
# loss_and_grad_relu the same network with ReLU hidden units, as the bonus asks.
import numpy as np
from scipy.special import expit  # sigmoid, accurate in both tails


def unpack(W, sizes):
    d, h, k = sizes  # one hidden layer only
    i = 0
    W1 = W[i:i + d * h].reshape(d, h); i += d * h
    b1 = W[i:i + h]; i += h
    W2 = W[i:i + h * k].reshape(h, k); i += h * k
    b2 = W[i:i + k]
    return W1, b1, W2, b2


def _network(W, X, T, layer_sizes, lam, act, act_prime):
    if len(layer_sizes) != 3 or layer_sizes[-1] != 1:
        raise NotImplementedError("only Exercise 1: one hidden layer, one output")
    W1, b1, W2, b2 = unpack(W, layer_sizes)
    N = X.shape[0]
    a1 = X @ W1 + b1
    z1 = act(a1)
    a2 = (z1 @ W2 + b2)[:, 0]
    # cross-entropy from the logit: log(1 + e^-a) for t = 1, log(1 + e^a) for t = 0
    loss = np.mean(T * np.logaddexp(0, -a2) + (1 - T) * np.logaddexp(0, a2))
    loss += lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    p = expit(a2)
    d2 = ((p - T) / N)[:, None]
    gW2 = z1.T @ d2 + 2 * lam * W2
    gb2 = d2.sum(axis=0)
    d1 = (d2 @ W2.T) * act_prime(a1)
    gW1 = X.T @ d1 + 2 * lam * W1
    gb1 = d1.sum(axis=0)
    return loss, np.concatenate([gW1.ravel(), gb1, gW2.ravel(), gb2])


def sigmoid(a):
    return expit(a)


def loss_and_grad(W, X, T, layer_sizes, lam):
    return _network(W, X, T, layer_sizes, lam, sigmoid, lambda a: sigmoid(a) * (1 - sigmoid(a)))


def loss_and_grad_relu(W, X, T, layer_sizes, lam):
    # relu'(0): I take 0 there
    return _network(W, X, T, layer_sizes, lam, lambda a: np.maximum(a, 0), lambda a: (a > 0) * 1.0)
