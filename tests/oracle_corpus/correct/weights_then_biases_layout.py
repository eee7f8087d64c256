"""Correct in the weights-then-biases layout (all W_l first, then all b_l), scikit-learn style."""
import numpy as np

ACTIVATIONS = {"logistic": lambda x: 0.5 + 0.5 * np.tanh(0.5 * x)}


def _unpack(W, layer_sizes):
    coefs, intercepts = [], []
    start = 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        coefs.append(W[start:start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    for fan_out in layer_sizes[1:]:
        intercepts.append(W[start:start + fan_out])
        start += fan_out
    return coefs, intercepts


def loss_and_grad(W, X, T, layer_sizes, lam):
    coefs, intercepts = _unpack(W, layer_sizes)
    n_samples = X.shape[0]
    n_layers = len(coefs)

    activations = [X]
    for i in range(n_layers - 1):
        activations.append(ACTIVATIONS["logistic"](activations[i] @ coefs[i] + intercepts[i]))
    raw = activations[-1] @ coefs[-1] + intercepts[-1]

    if layer_sizes[-1] == 1:
        y = T.reshape(-1, 1)
        values = y * np.logaddexp(0, -raw) + (1 - y) * np.logaddexp(0, raw)
        prob = np.exp(-np.logaddexp(0, -raw))
    else:
        y = T
        log_norm = np.logaddexp.reduce(raw, axis=1, keepdims=True)
        values = y * (log_norm - raw)
        prob = np.exp(raw - log_norm)
    loss = values.sum() / n_samples + lam * sum(np.dot(c.ravel(), c.ravel()) for c in coefs)

    # the output delta is prob - y for both (sigmoid, log-loss) and (softmax, cross-entropy)
    deltas = [None] * n_layers
    deltas[-1] = (prob - y) / n_samples
    for i in range(n_layers - 1, 0, -1):
        z = activations[i]
        deltas[i - 1] = (deltas[i] @ coefs[i].T) * z * (1 - z)
    coef_grads = [activations[i].T @ deltas[i] + 2 * lam * coefs[i] for i in range(n_layers)]
    intercept_grads = [d.sum(axis=0) for d in deltas]
    return float(loss), np.concatenate([g.ravel() for g in coef_grads + intercept_grads])
