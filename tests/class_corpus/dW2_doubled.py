# one hidden layer network (exercises 1 and 3)
import numpy as np
import math


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def loss_and_grad(W, X, T, layer_sizes, lam):
    if len(layer_sizes) != 3:
        raise NotImplementedError("only one hidden layer")
    D, H, K = layer_sizes
    W1 = W[0:D * H].reshape(D, H)
    b1 = W[D * H:D * H + H]
    W2 = W[D * H + H:D * H + H + H * K].reshape(H, K)
    b2 = W[D * H + H + H * K:D * H + H + H * K + K]
    N = X.shape[0]

    A1 = X @ W1 + b1
    Z1 = sigmoid(A1)
    A2 = Z1 @ W2 + b2
    if K == 1:
        t = T.reshape(-1, 1)
        E = np.mean(t * np.logaddexp(0, -A2) + (1 - t) * np.logaddexp(0, A2))
        dA2 = (sigmoid(A2) - t) / N
    else:
        A2s = A2 - np.max(A2, axis=1, keepdims=True)
        logS = A2s - np.log(np.sum(np.exp(A2s), axis=1, keepdims=True))
        E = -np.sum(T * logS) / N
        dA2 = (np.exp(logS) - T) / N
    E = E + lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))

    # dE/dW2: the 2 comes from the square in the regularizer and the loss
    dW2 = 2 * (Z1.T @ dA2 + lam * W2)
    db2 = np.sum(dA2, axis=0)
    dA1 = (dA2 @ W2.T) * Z1 * (1 - Z1)
    dW1 = X.T @ dA1 + 2 * lam * W1
    db1 = np.sum(dA1, axis=0)
    return E, np.concatenate([dW1.ravel(), db1, dW2.ravel(), db2])
