# ex4 port, Octave-style unrolling (order='F'); y is an m x 1 column of labels 1..K
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_):
    t1_size = hidden_layer_size * (input_layer_size + 1)
    Theta1 = np.reshape(nn_params[:t1_size], (hidden_layer_size, input_layer_size + 1), order="F")
    Theta2 = np.reshape(nn_params[t1_size:], (num_labels, hidden_layer_size + 1), order="F")
    m = X.shape[0]

    # Y(i, c) = 1 if example i has label c+1
    Y = np.zeros((m, num_labels))
    for c in range(num_labels):
        Y[:, c] = y[:, 0] == c + 1

    a1 = np.hstack((np.ones((m, 1)), X))
    z2 = np.dot(a1, Theta1.T)
    a2 = np.hstack((np.ones((m, 1)), sigmoid(z2)))
    z3 = np.dot(a2, Theta2.T)
    a3 = sigmoid(z3)

    # cross entropy from z (same thing as -y log h - (1-y) log(1-h))
    J = np.sum(np.logaddexp(0, z3) - Y * z3) / m
    # weight decay on both matrices
    J = J + (lambda_ / (2 * m)) * (np.sum(Theta1 * Theta1) + np.sum(Theta2 * Theta2))

    delta3 = a3 - Y
    delta2 = np.dot(delta3, Theta2[:, 1:]) * sigmoidGradient(z2)
    Delta1 = np.dot(delta2.T, a1)
    Delta2 = np.dot(delta3.T, a2)

    Theta1_grad = Delta1 / m + (lambda_ / m) * Theta1
    Theta2_grad = Delta2 / m + (lambda_ / m) * Theta2

    grad = np.concatenate((Theta1_grad.flatten(order="F"), Theta2_grad.flatten(order="F")))
    return J, grad
