"""Correct: numerically careful version built on scipy.special (expit, log_expit, logsumexp)."""
import numpy as np
from scipy.special import expit, log_expit, logsumexp


def loss_and_grad(W, X, T, layer_sizes, lam):
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    params, offset = [], 0
    for fan_in, fan_out in shapes:
        Wl = W[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out)
        offset += fan_in * fan_out
        bl = W[offset:offset + fan_out]
        offset += fan_out
        params.append((Wl, bl))

    pre, post = [], [X]
    for Wl, bl in params:
        pre.append(post[-1] @ Wl + bl)
        post.append(expit(pre[-1]))
    logits = pre[-1]
    n_samples = X.shape[0]

    if layer_sizes[-1] == 1:
        t = np.reshape(T, (-1, 1))
        log_lik = t * log_expit(logits) + (1 - t) * log_expit(-logits)
        err = expit(logits) - t
    else:
        t = T
        log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
        log_lik = t * log_probs
        err = np.exp(log_probs) - t
    log_prior = lam * sum(np.sum(Wl ** 2) for Wl, _ in params)
    loss = -np.sum(log_lik) / n_samples + log_prior

    grads = []
    delta = err / n_samples
    for j in range(len(params) - 1, -1, -1):
        Wl, _ = params[j]
        grads.append(delta.sum(axis=0))
        grads.append((post[j].T @ delta + 2 * lam * Wl).ravel())
        if j:
            h = post[j]
            delta = (delta @ Wl.T) * h * (1 - h)
    return float(loss), np.concatenate(grads[::-1])
