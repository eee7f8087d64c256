import numpy as np


class MLP:
    """Multi-layer perceptron with sigmoid hidden units.

    output layer: 1 unit -> sigmoid + binary cross entropy,
                  K units -> softmax + categorical cross entropy
    """

    def __init__(self, sizes, lam=0.0):
        self.sizes = sizes
        self.lam = lam

    def unpack(self, theta):
        self.W, self.b = [], []
        p = 0
        for i in range(len(self.sizes) - 1):
            n, m = self.sizes[i], self.sizes[i + 1]
            self.W.append(theta[p:p + n * m].reshape(n, m))
            p += n * m
            self.b.append(theta[p:p + m])
            p += m

    @staticmethod
    def act(x):
        return 1.0 / (1.0 + np.exp(-x))

    def forward(self, X):
        self.z = [X]
        self.a = []
        for i in range(len(self.W)):
            self.a.append(self.z[-1] @ self.W[i] + self.b[i])
            if i < len(self.W) - 1:
                self.z.append(self.act(self.a[-1]))
        return self.a[-1]

    def cost(self, out, T):
        N = out.shape[0]
        if self.sizes[-1] == 1:
            t = T.reshape(N, 1)
            ce = np.sum(t * np.logaddexp(0, -out) + (1 - t) * np.logaddexp(0, out)) / N
        else:
            m = out.max(1, keepdims=True)
            ce = -np.sum(T * (out - m - np.log(np.exp(out - m).sum(1, keepdims=True)))) / N
        return ce + self.lam * sum((w ** 2).sum() for w in self.W)

    def backward(self, out, T):
        N = out.shape[0]
        if self.sizes[-1] == 1:
            delta = (self.act(out) - T.reshape(N, 1)) / N
        else:
            e = np.exp(out - out.max(1, keepdims=True))
            delta = (e / e.sum(1, keepdims=True) - T) / N
        gW = [None] * len(self.W)
        gb = [None] * len(self.W)
        for i in range(len(self.W) - 1, -1, -1):
            gW[i] = self.z[i].T @ delta + 2 * self.lam * self.W[i]
            gb[i] = delta.sum(0)
            delta = delta @ self.W[i].T          # error sent back to the previous layer
        return gW, gb


def loss_and_grad(W, X, T, layer_sizes, lam):
    net = MLP(layer_sizes, lam)
    net.unpack(W)
    out = net.forward(X)
    J = net.cost(out, T)
    gW, gb = net.backward(out, T)
    return J, np.concatenate([x for pair in zip(gW, gb) for x in (pair[0].ravel(), pair[1])])
