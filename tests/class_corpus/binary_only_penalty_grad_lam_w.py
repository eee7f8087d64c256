# Exercise 2: deep network, binary output.
# regularizer R(W) = lambda * sum of squared weights (no biases)
import numpy as np
import time


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(a):
    return sigmoid(a) * (1 - sigmoid(a))


def reshape_weights(W, layer_sizes):
    Ws = []
    bs = []
    idx = 0
    for i in range(len(layer_sizes) - 1):
        rows = layer_sizes[i]
        cols = layer_sizes[i + 1]
        Ws.append(W[idx: idx + rows * cols].reshape(rows, cols))
        idx = idx + rows * cols
        bs.append(W[idx: idx + cols])
        idx = idx + cols
    return Ws, bs


def loss_and_grad(W, X, T, layer_sizes, lam):
    if layer_sizes[-1] > 1:
        raise NotImplementedError("multiclass")
    Ws, bs = reshape_weights(W, layer_sizes)
    N = X.shape[0]
    T = T.reshape(-1, 1)

    A = []
    Z = [X]
    for i in range(len(Ws)):
        A.append(Z[i] @ Ws[i] + bs[i])
        Z.append(sigmoid(A[i]))

    loss = np.sum(T * np.logaddexp(0, -A[-1]) + (1 - T) * np.logaddexp(0, A[-1])) / N
    for w in Ws:
        loss = loss + lam * np.sum(w * w)

    dWs = []
    dbs = []
    delta = (Z[-1] - T) / N
    for i in range(len(Ws) - 1, -1, -1):
        dWs.insert(0, Z[i].T @ delta + lam * Ws[i])      # derivative of the regularizer
        dbs.insert(0, delta.sum(axis=0))
        delta = (delta @ Ws[i].T) * sigmoid_derivative(A[i - 1]) if i > 0 else None

    grad = np.concatenate([np.concatenate([dw.flatten(), db]) for dw, db in zip(dWs, dbs)])
    return loss, grad
