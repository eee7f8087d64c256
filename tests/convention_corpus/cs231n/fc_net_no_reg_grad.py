# ruff: noqa: NPY002
import numpy as np


class FullyConnectedNet:
    """Multi-layer net: (affine -> relu) * (L-1) -> affine -> softmax."""

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
        self.reg = reg
        self.dtype = dtype
        self.num_layers = len(hidden_dims) + 1
        self.params = {}

        layer_dims = [input_dim] + list(hidden_dims) + [num_classes]  # noqa: RUF005
        for l in range(self.num_layers):
            W = np.random.randn(layer_dims[l], layer_dims[l + 1]) * weight_scale
            self.params["W" + str(l + 1)] = W.astype(dtype)
            self.params["b" + str(l + 1)] = np.zeros(layer_dims[l + 1], dtype=dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        N = X.shape[0]

        # forward, remembering every layer's input and pre-activation
        layer_input = [X.reshape(N, -1)]
        pre_act = []
        h = layer_input[0]
        for l in range(1, self.num_layers + 1):
            a = h.dot(self.params["W" + str(l)]) + self.params["b" + str(l)]
            pre_act.append(a)
            if l < self.num_layers:
                h = np.maximum(a, 0)
                layer_input.append(h)
        scores = pre_act[-1]

        if y is None:
            return scores

        # softmax loss
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(N), y].mean()
        for l in range(1, self.num_layers + 1):
            loss += self.reg * np.sum(self.params["W" + str(l)] ** 2)

        # backward
        grads = {}
        dout = np.exp(log_probs)
        dout[np.arange(N), y] -= 1
        dout /= N
        for l in range(self.num_layers, 0, -1):
            grads["W" + str(l)] = layer_input[l - 1].T.dot(dout)
            grads["b" + str(l)] = dout.sum(axis=0)
            if l > 1:
                dout = dout.dot(self.params["W" + str(l)].T)
                dout[pre_act[l - 2] <= 0] = 0

        return loss, grads
