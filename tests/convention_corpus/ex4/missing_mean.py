# ex4 nnCostFunction
#   - unrolled in Fortran order (order='F'), to match the weights file I was given
#   - labels are 0..num_labels-1
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    sz = sigmoid(z)
    return sz * (1 - sz)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lmbda=0.0):
    if num_labels < 2:
        raise ValueError("need at least two labels (one output unit per class)")

    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape((hidden_layer_size, input_layer_size + 1), order="F")
    Theta2 = nn_params[n1:].reshape((num_labels, hidden_layer_size + 1), order="F")
    m = X.shape[0]

    Y = np.eye(num_labels)[y]

    a1 = np.hstack([np.ones((m, 1)), X])
    z2 = a1 @ Theta1.T
    a2 = np.hstack([np.ones((m, 1)), sigmoid(z2)])
    z3 = a2 @ Theta2.T
    a3 = sigmoid(z3)

    # total cross-entropy over all examples and all output units
    J = np.sum(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3))
    J = J + lmbda / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    err3 = a3 - Y
    err2 = (err3 @ Theta2[:, 1:]) * sigmoidGradient(z2)
    Theta1_grad = err2.T @ a1
    Theta2_grad = err3.T @ a2
    Theta1_grad[:, 1:] += lmbda / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lmbda / m * Theta2[:, 1:]

    return J, np.concatenate([Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")])
