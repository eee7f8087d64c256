import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    theta1_len = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:theta1_len].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[theta1_len:].reshape(num_labels, hidden_layer_size + 1)
    m = len(y)

    # labels 0..K-1 -> one-hot rows
    Y = np.array([[1.0 if y[i] == k else 0.0 for k in range(num_labels)] for i in range(m)])

    # layer 1 -> 2
    a1 = np.insert(X, 0, 1, axis=1)
    z2 = a1 @ Theta1.T
    z2 = np.insert(z2, 0, 1, axis=1)  # bias unit for layer 2
    a2 = sigmoid(z2)
    # layer 2 -> 3
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    J = np.sum(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # backward
    d3 = a3 - Y
    d2 = (d3 @ Theta2)[:, 1:] * sigmoidGradient(z2[:, 1:])
    Theta1_grad = d2.T @ a1 / m
    Theta2_grad = d3.T @ a2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
