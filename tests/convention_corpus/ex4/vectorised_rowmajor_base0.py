# Neural network cost for the digits exercise, numpy version.
# nn_params is Theta1 and Theta2 flattened with .ravel() one after the other.
# My labels are 0..num_labels-1 (converted them when loading the data).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z)
    return g * (1.0 - g)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    # get the weight matrices back
    Theta1 = np.reshape(
        nn_params[: hidden_layer_size * (input_layer_size + 1)],
        (hidden_layer_size, input_layer_size + 1),
    )
    Theta2 = np.reshape(
        nn_params[hidden_layer_size * (input_layer_size + 1) :],
        (num_labels, hidden_layer_size + 1),
    )
    m = X.shape[0]

    # one row per example, a 1 in the column of its label
    y_matrix = (y[:, None] == np.arange(num_labels)).astype(float)

    # forward propagation
    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    # -log(sigmoid(z)) = log(1 + e^-z) and -log(1 - sigmoid(z)) = log(1 + e^z),
    # logaddexp does those without overflowing when z is big
    J = np.sum(y_matrix * np.logaddexp(0, -z3) + (1 - y_matrix) * np.logaddexp(0, z3)) / m
    # regularization, skipping the bias columns
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # backpropagation for all examples at once
    delta3 = a3 - y_matrix
    delta2 = (delta3 @ Theta2[:, 1:]) * sigmoidGradient(z2)

    Theta1_grad = delta2.T @ a1 / m
    Theta2_grad = delta3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
