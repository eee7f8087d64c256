import numpy as np
from scipy.special import expit  # sigmoid


def sigmoid_gradient(z):
    return expit(z) * (1 - expit(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    split = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:split].reshape(hidden_layer_size, input_layer_size + 1)
    Theta2 = nn_params[split:].reshape(num_labels, hidden_layer_size + 1)
    m = X.shape[0]

    # labels start at 1, so label k is row k-1 of the identity
    Y = np.eye(num_labels)[y - 1]

    A1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    Z2 = A1 @ Theta1.T
    A2 = np.concatenate([np.ones((m, 1)), expit(Z2)], axis=1)
    Z3 = A2 @ Theta2.T
    H = expit(Z3)

    # log(h) and log(1 - h) from z directly (log(h) = -log(1 + e^-z))
    log_h = -np.logaddexp(0, -Z3)
    log_one_minus_h = -np.logaddexp(0, Z3)
    J = -np.sum(Y * log_h + (1 - Y) * log_one_minus_h) / m
    J = J + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))

    # gradients
    D3 = H - Y
    D2 = D3 @ Theta2[:, 1:] * sigmoid_gradient(Z2)
    Theta1_grad = (D2.T @ A1) / m
    Theta2_grad = (D3.T @ A2) / m

    # no regularization for the bias column: zero it in a copy of Theta
    T1 = Theta1.copy()
    T1[:, 0] = 0
    T2 = Theta2.copy()
    T2[:, 0] = 0
    Theta1_grad = Theta1_grad + lambda_ / m * T1
    Theta2_grad = Theta2_grad + lambda_ / m * T2

    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
    return J, grad
