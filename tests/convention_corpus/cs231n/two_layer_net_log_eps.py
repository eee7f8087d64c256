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

        h = np.maximum(0, np.dot(X, W1) + b1)
        scores = np.dot(h, W2) + b2
        if y is None:
            return scores

        scores = scores - np.max(scores, axis=1, keepdims=True)
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        # + 1e-8 so the log never gets a 0 (had an inf loss once)
        loss = np.mean(-np.log(probs[range(N), y] + 1e-8))
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        dscores = probs.copy()
        dscores[range(N), y] -= 1
        dscores /= N

        grads = {}
        grads["W2"] = np.dot(h.T, dscores) + 2 * reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dh = np.dot(dscores, W2.T)
        dh[h <= 0] = 0
        grads["W1"] = np.dot(X.T, dh) + 2 * reg * W1
        grads["b1"] = np.sum(dh, axis=0)
        return loss, grads
