"""nnCostFunction, example by example (loops first, vectorise later).

y is an (m, 1) array of labels 1..num_labels.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    s = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:s].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[s:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]

    cost = 0.0
    Delta1 = np.zeros_like(Theta1)
    Delta2 = np.zeros_like(Theta2)

    for i in range(m):
        # forward pass for example i
        a1 = np.concatenate(([1.0], X[i]))
        z2 = Theta1 @ a1
        a2 = np.concatenate(([1.0], sigmoid(z2)))
        z3 = Theta2 @ a2
        a3 = sigmoid(z3)

        yi = np.array([1.0 if y[i, 0] == k else 0.0 for k in range(1, num_labels + 1)])
        cost += np.sum(yi * np.logaddexp(0, -z3) + (1 - yi) * np.logaddexp(0, z3))

        # backward pass
        delta3 = a3 - yi
        delta2 = (Theta2.T @ delta3)[1:] * sigmoidGradient(a2[1:])
        Delta2 += np.outer(delta3, a2)
        Delta1 += np.outer(delta2, a1)

    J = cost / m + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    Theta1_grad = Delta1 / m
    Theta2_grad = Delta2 / m
    Theta1_grad[:, 1:] += (lambda_ / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] += (lambda_ / m) * Theta2[:, 1:]

    grad = np.concatenate((Theta1_grad.ravel(), Theta2_grad.ravel()))
    return J, grad
