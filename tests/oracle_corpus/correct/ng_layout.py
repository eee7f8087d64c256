"""Correct in the ng layout: Theta_l = [b_l | W_l^T] unrolled column-major, as in Ng's course."""
import numpy as np
from scipy.special import expit as sigmoid


def sigmoid_gradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def loss_and_grad(W, X, T, layer_sizes, lam):
    # Theta_l has shape (s_{l+1}, s_l + 1); the parameter vector is [Theta1(:); Theta2(:); ...]
    thetas = []
    pos = 0
    for s_in, s_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        size = s_out * (s_in + 1)
        thetas.append(W[pos:pos + size].reshape((s_out, s_in + 1), order="F"))
        pos += size
    m = X.shape[0]

    # feedforward (Ng's notation: z = pre-activation, a = activation with a bias unit)
    a = [np.hstack([np.ones((m, 1)), X])]
    z = []
    for i, theta in enumerate(thetas):
        z.append(a[-1] @ theta.T)
        if i < len(thetas) - 1:
            a.append(np.hstack([np.ones((m, 1)), sigmoid(z[-1])]))
    out = z[-1]

    if layer_sizes[-1] == 1:
        y = T.reshape(m, 1)
        J = np.sum(y * np.logaddexp(0, -out) + (1 - y) * np.logaddexp(0, out)) / m
        d = sigmoid(out) - y
    else:
        y = T
        c = out.max(axis=1, keepdims=True)
        log_h = out - c - np.log(np.exp(out - c).sum(axis=1, keepdims=True))
        J = -np.sum(y * log_h) / m
        d = np.exp(log_h) - y
    J += lam * sum(np.sum(theta[:, 1:] ** 2) for theta in thetas)

    # backpropagation
    grads = [None] * len(thetas)
    for i in range(len(thetas) - 1, -1, -1):
        grads[i] = d.T @ a[i] / m
        grads[i][:, 1:] += 2 * lam * thetas[i][:, 1:]
        if i > 0:
            d = (d @ thetas[i][:, 1:]) * sigmoid_gradient(z[i - 1])
    return float(J), np.concatenate([g.ravel(order="F") for g in grads])
