# Exercise 2a: backprop one sample at a time, like in Bishop 5.3.1
# I made a small class for the network so forward() remembers the a's and z's
# for the backward pass.
import numpy as np
from scipy.special import expit, logsumexp


class NeuralNet:
    def __init__(self, layer_sizes, W):
        self.sizes = list(layer_sizes)
        self.weights = []
        self.biases = []
        k = 0
        for i in range(len(self.sizes) - 1):
            r, c = self.sizes[i], self.sizes[i + 1]
            self.weights.append(W[k:k + r * c].reshape(r, c))
            k += r * c
            self.biases.append(W[k:k + c])
            k += c

    def forward(self, x):
        """x is ONE sample. returns the output pre-activation (the logits)"""
        self.a_list = []
        self.z_list = [x]
        for i in range(len(self.weights)):
            a = self.z_list[-1] @ self.weights[i] + self.biases[i]
            self.a_list.append(a)
            if i < len(self.weights) - 1:
                self.z_list.append(expit(a))
        return self.a_list[-1]

    def backward(self, delta):
        """delta = y - t at the output, goes back with delta_j = s'(a_j) sum_k w_kj delta_k"""
        gW = [None] * len(self.weights)
        gb = [None] * len(self.weights)
        for i in reversed(range(len(self.weights))):
            gW[i] = np.outer(self.z_list[i], delta)   # dE/dw_ij = delta_j z_i
            gb[i] = delta
            if i > 0:
                s = expit(self.a_list[i - 1])
                delta = (self.weights[i] @ delta) * s * (1 - s)
        return gW, gb


def loss_and_grad(W, X, T, layer_sizes, lam):
    net = NeuralNet(layer_sizes, W)
    N = len(X)
    binary = layer_sizes[-1] == 1

    total = 0.0
    gW = [np.zeros_like(w) for w in net.weights]
    gb = [np.zeros_like(b) for b in net.biases]
    for n in range(N):
        out = net.forward(X[n])
        if binary:
            t = T[n]
            total += t * np.logaddexp(0, -out[0]) + (1 - t) * np.logaddexp(0, out[0])
            d = expit(out) - t
        else:
            logp = out - logsumexp(out)
            total -= np.dot(T[n], logp)
            d = np.exp(logp) - T[n]
        gw_n, gb_n = net.backward(d)
        for i in range(len(gW)):
            gW[i] += gw_n[i]
            gb[i] += gb_n[i]

    J = total / N
    for w in net.weights:
        J += lam * np.sum(w * w)

    grad = []
    for i in range(len(gW)):
        grad.append((gW[i] / N + 2 * lam * net.weights[i]).ravel())
        grad.append(gb[i] / N)
    return float(J), np.concatenate(grad)
