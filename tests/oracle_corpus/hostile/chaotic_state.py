"""Hostile: hidden state makes every answer depend on the call count, and every third call raises."""
import numpy as np

calls = [0]


def loss_and_grad(W, X, T, layer_sizes, lam):
    calls[0] += 1
    if calls[0] % 3 == 0:
        raise RuntimeError("every third call fails")
    return float(calls[0] % 5), np.zeros_like(W) + calls[0] % 2
