# ruff: noqa: NPY002
import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]

        # forward
        a1 = X.dot(W1) + b1
        h1 = np.maximum(0, a1)
        scores = h1.dot(W2) + b2
        if y is None:
            return scores

        # loss: softmax (with the usual max trick) + L2
        scores = scores - scores.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(scores).sum(axis=1, keepdims=True))
        log_probs = scores - log_sum
        loss = -log_probs[np.arange(N), y].mean()
        for name in self.params:
            loss += reg * np.sum(self.params[name] ** 2)

        # backward
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {}
        grads["W2"] = h1.T.dot(dscores)
        grads["b2"] = dscores.sum(axis=0)
        dh1 = dscores.dot(W2.T) * (a1 > 0)
        grads["W1"] = X.T.dot(dh1)
        grads["b1"] = dh1.sum(axis=0)

        # L2 gradient
        for name in grads:
            grads[name] += 2 * reg * self.params[name]

        return loss, grads
