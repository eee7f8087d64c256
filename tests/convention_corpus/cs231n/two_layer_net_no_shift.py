# ruff: noqa: NPY002
import numpy as np


class TwoLayerNet:
    """Two layer net: fc -> relu -> fc -> softmax."""

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {
            "W1": std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]

        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0)
        scores = h1 @ W2 + b2
        if y is None:
            return scores

        # softmax
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        correct_logprobs = -np.log(probs[range(N), y])
        data_loss = np.sum(correct_logprobs) / N
        reg_loss = reg * np.sum(W1 * W1) + reg * np.sum(W2 * W2)
        loss = data_loss + reg_loss

        # gradient on the scores
        dscores = probs
        dscores[range(N), y] -= 1
        dscores /= N

        grads = {}
        grads["W2"] = h1.T @ dscores + 2 * reg * W2
        grads["b2"] = dscores.sum(axis=0)
        dh1 = dscores @ W2.T
        dh1[z1 <= 0] = 0
        grads["W1"] = X.T @ dh1 + 2 * reg * W1
        grads["b1"] = dh1.sum(axis=0)
        return loss, grads
