# Octave -> Python. Theta's are unrolled column-major, y comes as an (m, 1) column, 1..K
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
    end1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = np.reshape(nn_params[:end1], (hidden_layer_size, input_layer_size + 1), "F")
    Theta2 = np.reshape(nn_params[end1:], (num_labels, hidden_layer_size + 1), "F")
    m = X.shape[0]

    y_vec = np.zeros((m, num_labels))
    for i in range(m):
        for k in range(num_labels):
            if y[i, 0] == k + 1:
                y_vec[i, k] = 1

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    h = sigmoid(z3)

    # small epsilon so log never sees a 0 (was getting nan/inf in the cost)
    eps = 1e-8
    J = -np.sum(y_vec * np.log(h + eps) + (1 - y_vec) * np.log(1 - h + eps)) / m
    J = J + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    sigma3 = h - y_vec
    sigma2 = (sigma3 @ Theta2)[:, 1:] * sigmoidGradient(z2)
    Theta1_grad = sigma2.T @ a1 / m
    Theta2_grad = sigma3.T @ a2 / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + lambda_ / m * Theta2[:, 1:]

    grad = np.concatenate([Theta1_grad.flatten("F"), Theta2_grad.flatten("F")])
    return J, grad
