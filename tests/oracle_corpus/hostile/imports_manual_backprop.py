"""Hostile: hands back the project's own reference implementation."""
import manual_backprop


def loss_and_grad(W, X, T, layer_sizes, lam):
    return manual_backprop.loss_and_grad(W, X, T, layer_sizes, lam)
