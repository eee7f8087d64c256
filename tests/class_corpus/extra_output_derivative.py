# lab 6 backprop.  chain rule all the way: dE/da = dE/dy * dy/da
import numpy as np
from scipy.special import expit


def dsig(y):
    # derivative of the sigmoid written with its output y = sigma(a)
    return y * (1 - y)


def loss_and_grad(W, X, T, layer_sizes, lam):
    mats = []
    j = 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        mats.append((W[j:j + n_in * n_out].reshape(n_in, n_out), W[j + n_in * n_out:j + n_in * n_out + n_out]))
        j += n_in * n_out + n_out
    N = len(X)

    a_s, z_s = [], [X]
    for i, (Wi, bi) in enumerate(mats):
        a_s.append(z_s[-1] @ Wi + bi)
        if i < len(mats) - 1:
            z_s.append(expit(a_s[-1]))
    out = a_s[-1]

    if out.shape[1] == 1:
        t = T[:, None]
        E = np.mean(t * np.logaddexp(0, -out) + (1 - t) * np.logaddexp(0, out))
        y = expit(out)
    else:
        mx = out.max(axis=1, keepdims=True)
        logy = out - mx - np.log(np.exp(out - mx).sum(axis=1, keepdims=True))
        E = -np.sum(T * logy) / N
        y = np.exp(logy)
        t = T
    E += lam * sum(np.sum(Wi ** 2) for Wi, _ in mats)

    # output error: (y - t) times the derivative of the output unit
    delta = (y - t) * dsig(y) / N
    grad = []
    for i in range(len(mats) - 1, -1, -1):
        Wi, bi = mats[i]
        grad = [(z_s[i].T @ delta + 2 * lam * Wi).flatten(), delta.sum(axis=0)] + grad
        if i > 0:
            delta = (delta @ Wi.T) * dsig(z_s[i])
    return E, np.concatenate(grad)
