# ruff: noqa: NPY002
import numpy as np

# ---- layers (copied over from my layers.py so this file runs on its own) ----


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, _ = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def softmax_loss(x, y):
    n = x.shape[0]
    top = np.max(x, axis=1, keepdims=True)
    log_norm = top + np.log(np.sum(np.exp(x - top), axis=1, keepdims=True))
    log_p = x - log_norm
    loss = -np.sum(log_p[np.arange(n), y]) / n
    grad = np.exp(log_p)
    grad[np.arange(n), y] -= 1
    return loss, grad / n


class FullyConnectedNet:
    """
    Any number of hidden ReLU layers, then a linear layer and the softmax loss.

    Weights W1..WL and biases b1..bL in self.params (L = len(hidden_dims) + 1).
    Dropout and batch/layer norm are not done yet: the arguments are only stored.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        L = self.num_layers

        caches = {}
        out = X
        for i in range(1, L):
            out, caches[i] = affine_relu_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
        scores, caches[L] = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])

        if y is None:
            return scores

        loss, grads = 0.0, {}
        loss, dscores = softmax_loss(scores, y)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)

        dout, dW, db = affine_backward(dscores, caches[L])
        grads[f"W{L}"] = dW + self.reg * self.params[f"W{L}"]
        grads[f"b{L}"] = db
        for i in range(L - 1, 0, -1):
            dout, dW, db = affine_relu_backward(dout, caches[i])
            grads[f"W{i}"] = dW + self.reg * self.params[f"W{i}"]
            grads[f"b{i}"] = db

        return loss, grads
