"""Hostile: a syntax error (missing colon); importing it fails."""
import numpy as np


def loss_and_grad(W, X, T, layer_sizes, lam)
    return 0.0, np.zeros_like(W)
