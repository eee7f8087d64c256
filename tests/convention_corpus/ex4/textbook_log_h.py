import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_gradient(z):
    s = sigmoid(z)
    return s * (1 - s)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lmbda):
    """Cost and gradient of the 3 layer network (labels 1..num_labels)."""
    cut = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[0:cut].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[cut:].reshape(num_labels, hidden_layer_size + 1)
    m = len(X)

    # 0/1 matrix of the labels: column k-1 is 1 where y == k
    Y = np.zeros((m, num_labels))
    for k in range(1, num_labels + 1):
        Y[:, k - 1] = y == k

    # feedforward
    a1 = np.c_[np.ones(m), X]
    z2 = a1 @ Theta1.T
    a2 = np.c_[np.ones(m), sigmoid(z2)]
    h = sigmoid(a2 @ Theta2.T)

    # cost straight from the formula
    J = (1 / m) * np.sum(-Y * np.log(h) - (1 - Y) * np.log(1 - h))
    J += (lmbda / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))

    # backprop
    d3 = h - Y
    d2 = d3 @ Theta2[:, 1:] * sigmoid_gradient(z2)
    D1 = d2.T @ a1
    D2 = d3.T @ a2

    Theta1_grad = D1 / m
    Theta2_grad = D2 / m
    Theta1_grad[:, 1:] += (lmbda / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lmbda / m) * Theta2[:, 1:]

    return J, np.concatenate([Theta1_grad.flatten(), Theta2_grad.flatten()])
