import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    Theta1 = nn_params[: hidden_layer_size * (input_layer_size + 1)].reshape(
        (hidden_layer_size, input_layer_size + 1)
    )
    Theta2 = nn_params[hidden_layer_size * (input_layer_size + 1) :].reshape(
        (num_labels, hidden_layer_size + 1)
    )
    m = X.shape[0]

    # cost first (checked it on the small example, it matches)
    Y = np.zeros((m, num_labels))
    for k in range(num_labels):
        Y[:, k] = (y == k + 1).astype(float)

    a1 = np.column_stack([np.ones(m), X])
    a2 = np.column_stack([np.ones(m), sigmoid(a1 @ Theta1.T)])
    z3 = a2 @ Theta2.T
    J = np.sum(Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3)) / m
    J += lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # gradient
    # TODO still to do -- return something with the right size so the optimizer runs
    grad = nn_params

    return J, grad
