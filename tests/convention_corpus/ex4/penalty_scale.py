import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    s = sigmoid(z)
    return s * (1 - s)


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):
    # unroll (row-major, the way I rolled them with np.concatenate + ravel)
    Theta1 = nn_params[: hidden_layer_size * (input_layer_size + 1)].reshape(
        hidden_layer_size, input_layer_size + 1
    )
    Theta2 = nn_params[hidden_layer_size * (input_layer_size + 1) :].reshape(
        num_labels, hidden_layer_size + 1
    )
    m = X.shape[0]

    J = 0.0
    Delta1 = np.zeros(Theta1.shape)
    Delta2 = np.zeros(Theta2.shape)

    # one example at a time (labels are 0..num_labels-1)
    for i in range(m):
        a1 = np.append(1, X[i])
        z2 = Theta1 @ a1
        a2 = np.append(1, sigmoid(z2))
        z3 = Theta2 @ a2
        a3 = sigmoid(z3)

        yi = (np.arange(num_labels) == y[i]).astype(float)
        # -yi*log(a3) - (1-yi)*log(1-a3), computed from z3
        J += np.sum(yi * np.logaddexp(0, -z3) + (1 - yi) * np.logaddexp(0, z3))

        d3 = a3 - yi
        d2 = (Theta2[:, 1:].T @ d3) * sigmoidGradient(z2)
        Delta2 += np.outer(d3, a2)
        Delta1 += np.outer(d2, a1)

    reg = np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2)
    J = J / m + lambda_ / m * reg

    Theta1_grad = Delta1 / m
    Theta2_grad = Delta2 / m
    Theta1_grad[:, 1:] += lambda_ / m * Theta1[:, 1:]
    Theta2_grad[:, 1:] += lambda_ / m * Theta2[:, 1:]

    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])
