"""Correct: a small Network class (cached forward pass, backward pass) used by loss_and_grad."""
import numpy as np


class Network:
    """Fully connected net with sigmoid hidden layers; params is the flat vector (canonical)."""

    def __init__(self, layer_sizes, params):
        self.sizes = list(layer_sizes)
        self.W, self.b = [], []
        i = 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            self.W.append(params[i:i + n_in * n_out].reshape(n_in, n_out))
            i += n_in * n_out
            self.b.append(params[i:i + n_out])
            i += n_out

    @staticmethod
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    def forward(self, X):
        """Return the output logits; remember inputs and activations of every layer."""
        self.inputs = [X]
        self.activations = []
        h = X
        for j, (W, b) in enumerate(zip(self.W, self.b)):
            a = h @ W + b
            if j == len(self.W) - 1:
                return a
            h = self.sigmoid(a)
            self.activations.append(h)
            self.inputs.append(h)

    def backward(self, delta_out):
        """Gradients of the data term, given dJ/d(logits)."""
        dW, db = [], []
        delta = delta_out
        for j in reversed(range(len(self.W))):
            dW.insert(0, self.inputs[j].T @ delta)
            db.insert(0, delta.sum(axis=0))
            if j > 0:
                z = self.activations[j - 1]
                delta = (delta @ self.W[j].T) * z * (1 - z)
        return dW, db


def loss_and_grad(W, X, T, layer_sizes, lam):
    net = Network(layer_sizes, W)
    logits = net.forward(X)
    N = len(X)
    if layer_sizes[-1] == 1:
        y = T.reshape(N, 1)
        # -log(sigmoid(a)) = logaddexp(0, -a) and -log(1 - sigmoid(a)) = logaddexp(0, a)
        ce = y * np.logaddexp(0, -logits) + (1 - y) * np.logaddexp(0, logits)
        probs = net.sigmoid(logits)
    else:
        y = T
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        ce = y * (log_norm - shifted)
        probs = np.exp(shifted - log_norm)
    loss = ce.sum() / N + lam * sum((w * w).sum() for w in net.W)

    dW, db = net.backward((probs - y) / N)
    pieces = []
    for gw, gb, w in zip(dW, db, net.W):
        pieces += [(gw + 2 * lam * w).ravel(), gb]
    return float(loss), np.concatenate(pieces)
