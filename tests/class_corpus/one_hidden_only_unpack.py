# HW6 exercise 1 + exercise 3 (one hidden layer, binary or softmax output)
# did not have time for the deep network of exercise 2
import numpy as np
import scipy.io as sio
from numpy import linalg as LA


def sig(x):
    return 1 / (1 + np.exp(-x))


def unpack(W, layer_sizes):
    d, h, k = layer_sizes          # input size, hidden units, outputs
    i = 0
    W1 = W[i:i + d * h].reshape(d, h)
    i += d * h
    b1 = W[i:i + h]
    i += h
    W2 = W[i:i + h * k].reshape(h, k)
    i += h * k
    b2 = W[i:i + k]
    return W1, b1, W2, b2


def loss_and_grad(W, X, T, layer_sizes, lam):
    W1, b1, W2, b2 = unpack(W, layer_sizes)
    N = X.shape[0]
    K = layer_sizes[2]

    A1 = X.dot(W1) + b1
    Z1 = sig(A1)
    A2 = Z1.dot(W2) + b2

    if K == 1:
        a = A2.ravel()
        loss = np.sum(T * np.logaddexp(0, -a) + (1 - T) * np.logaddexp(0, a)) / N
        D2 = (sig(A2) - T.reshape(N, 1)) / N
    else:
        m = A2.max(axis=1).reshape(N, 1)
        lse = m + np.log(np.exp(A2 - m).sum(axis=1).reshape(N, 1))
        loss = -np.sum(T * (A2 - lse)) / N
        D2 = (np.exp(A2 - lse) - T) / N

    loss = loss + lam * (LA.norm(W1) ** 2 + LA.norm(W2) ** 2)

    dW2 = Z1.T.dot(D2) + 2 * lam * W2
    db2 = D2.sum(axis=0)
    D1 = D2.dot(W2.T) * Z1 * (1 - Z1)
    dW1 = X.T.dot(D1) + 2 * lam * W1
    db1 = D1.sum(axis=0)

    return loss, np.concatenate([dW1.ravel(), db1, dW2.ravel(), db2])
