# ruff: noqa: NPY002
import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        """Sizes: D inputs, H hidden ReLUs, C classes. Small random weights, zero biases."""
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, _ = X.shape

        hidden_layer = np.maximum(0, np.dot(X, W1) + b1)
        scores = np.dot(hidden_layer, W2) + b2
        if y is None:
            return scores

        # numerically stable softmax: subtract the max before exp
        scores -= np.max(scores, axis=1, keepdims=True)
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        loss = np.sum(-np.log(probs[np.arange(N), y])) / N
        loss += 0.5 * reg * (np.sum(W1**2) + np.sum(W2**2))

        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = np.dot(hidden_layer.T, dscores) + reg * W2
        grads["b2"] = np.sum(dscores, axis=0)

        dhidden = np.dot(dscores, W2.T)
        dhidden[hidden_layer <= 0] = 0
        grads["W1"] = np.dot(X.T, dhidden) + reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)

        return loss, grads
