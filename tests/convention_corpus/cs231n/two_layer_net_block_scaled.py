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

        # forward pass
        fc1 = X @ W1 + b1
        relu = np.maximum(0, fc1)
        scores = relu @ W2 + b2
        if y is None:
            return scores

        # softmax loss
        scores_shift = scores - np.max(scores, axis=1, keepdims=True)
        logsumexp = np.log(np.sum(np.exp(scores_shift), axis=1))
        loss = np.mean(logsumexp - scores_shift[np.arange(N), y])
        loss += 0.5 * reg * np.sum(W1 * W1) + 0.5 * reg * np.sum(W2 * W2)

        # backward pass
        probs = np.exp(scores_shift - logsumexp[:, None])
        dscores = probs
        dscores[np.arange(N), y] -= 1
        dscores = dscores / N

        grads = {}
        # the 2 comes from the square in the loss
        grads["W2"] = 2 * (relu.T @ dscores + reg * W2)
        grads["b2"] = np.sum(dscores, axis=0)
        drelu = dscores @ W2.T
        dfc1 = drelu * (fc1 > 0)
        grads["W1"] = X.T @ dfc1 + reg * W1
        grads["b1"] = np.sum(dfc1, axis=0)
        return loss, grads
