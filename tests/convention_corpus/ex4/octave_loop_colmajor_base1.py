# nnCostFunction translated line by line from my Octave version.
# Kept Fortran order everywhere so the unrolled vectors are the same as in Octave,
# and y stays an m x 1 column with labels 1..num_labels.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoidGradient(z):
    return sigmoid(z) * (1 - sigmoid(z))


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, Lambda):
    # unpack the two weight matrices, filling column by column as Octave does
    n1 = hidden_layer_size * (input_layer_size + 1)
    Theta1 = nn_params[:n1].reshape((hidden_layer_size, input_layer_size + 1), order="F")
    Theta2 = nn_params[n1:].reshape((num_labels, hidden_layer_size + 1), order="F")

    m = X.shape[0]
    J = 0
    Theta1_grad = np.zeros(Theta1.shape)
    Theta2_grad = np.zeros(Theta2.shape)

    # ---- forward pass + cost ----
    X = np.column_stack((np.ones(m), X))
    z2 = X.dot(Theta1.T)
    a2 = np.column_stack((np.ones(m), sigmoid(z2)))
    z3 = a2.dot(Theta2.T)

    for k in range(1, num_labels + 1):
        yk = (y[:, 0] == k).astype(float)
        zk = z3[:, k - 1]
        # -yk*log(h) - (1-yk)*log(1-h) rewritten in terms of z so there is no log(0):
        # max(z, 0) - z*yk + log(1 + exp(-|z|))
        J = J + np.sum(np.maximum(zk, 0) - zk * yk + np.log1p(np.exp(-np.abs(zk))))
    J = J / m

    reg = np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2)
    J = J + Lambda / (2 * m) * reg

    # ---- gradients: loop over the examples ----
    for t in range(m):
        a1t = X[t, :]
        z2t = z2[t, :]
        a2t = a2[t, :]
        a3t = sigmoid(z3[t, :])
        yt = (np.arange(1, num_labels + 1) == y[t, 0]).astype(float)

        delta3 = a3t - yt
        delta2 = Theta2[:, 1:].T.dot(delta3) * sigmoidGradient(z2t)

        Theta2_grad = Theta2_grad + np.outer(delta3, a2t)
        Theta1_grad = Theta1_grad + np.outer(delta2, a1t)

    Theta1_grad = Theta1_grad / m
    Theta2_grad = Theta2_grad / m

    # ---- weight decay, bias column left alone ----
    Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + (Lambda / m) * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + (Lambda / m) * Theta2[:, 1:]

    # stack both gradients into one column, Fortran order again
    grad = np.concatenate((Theta1_grad.ravel(order="F"), Theta2_grad.ravel(order="F")))
    return J, grad.reshape(-1, 1)
