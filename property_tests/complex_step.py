r"""The loss once more, written so that it is analytic in complex weights.

The complex-step derivative

.. math:: \frac{\partial J}{\partial W_j} = \frac{\operatorname{Im} J(W + i h e_j)}{h} + O(h^2)

has no subtraction, hence no cancellation: with ``h = 1e-200`` it is exact to
the rounding of one evaluation of ``J``. It needs ``J`` written with functions
that are analytic (no ``abs``, no ``max`` of the perturbed values, ``W**2``
rather than ``|W|**2``), which the teaching code does not need to be; hence
this third, small implementation, for smooth activations only.
"""

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

__all__ = ["complex_loss", "complex_step_directional"]

Complex = NDArray[np.complex128]


def _sigmoid(z: Complex) -> Complex:
    """1 / (1 + e^-z), evaluated where ``exp`` cannot overflow."""
    out = np.empty_like(z)
    right = z.real >= 0
    out[right] = 1.0 / (1.0 + np.exp(-z[right]))
    e = np.exp(z[~right])
    out[~right] = e / (1.0 + e)
    return out


def _log1p(w: Complex) -> Complex:
    """log(1 + w), accurate for small ``w`` (numpy's complex log1p is not).

    Real part: log|1 + w| = log1p(2 Re w + |w|^2) / 2; imaginary part: arg(1 + w).
    """
    real = 0.5 * np.log1p(2.0 * w.real + (w.real**2 + w.imag**2))
    return real + 1j * np.arctan2(w.imag, 1.0 + w.real)


def _log_sigmoid(z: Complex) -> Complex:
    """log(1 / (1 + e^-z)), evaluated where ``exp`` cannot overflow."""
    out = np.empty_like(z)
    right = z.real >= 0
    out[right] = -_log1p(np.exp(-z[right]))
    out[~right] = z[~right] - _log1p(np.exp(z[~right]))
    return out


def _log_softmax(Z: Complex) -> Complex:
    """Z - log(sum(exp(Z))) row by row, as -log1p of the other classes' sum.

    Each row is shifted by its own entry ``z_c`` of largest real part (complex,
    so the expression stays analytic): log P = (Z - z_c) - log1p(sum over
    m != c of e^(z_m - z_c)), accurate where that sum is tiny.
    """
    rows = np.arange(Z.shape[0])
    largest = np.argmax(Z.real, axis=1)
    shifted = Z - Z[rows, largest][:, np.newaxis]
    others = np.exp(shifted)
    others[rows, largest] = 0.0
    return shifted - _log1p(np.sum(others, axis=1, keepdims=True))


def _tanh(z: Complex) -> Complex:
    """2 sigma(2z) - 1."""
    return 2.0 * _sigmoid(2.0 * z) - 1.0


_HIDDEN = {"sigmoid": _sigmoid, "tanh": _tanh}


def complex_loss(
    W: Complex,
    X: NDArray[np.float64],
    T: NDArray[np.float64],
    layer_sizes: Sequence[int],
    lam: float,
    activation: str,
    output: str = "auto",
) -> complex:
    """The regularised cross-entropy of SPEC section 1 at complex weights.

    ``T`` must already be a matrix: (N, 1) targets for one output, (N, K)
    rows for several. ``output="sigmoids"`` (Coursera ML ex4) takes every output
    unit as a sigmoid of its own: the binary cross-entropy summed over the K
    columns, the same expression as for one output.
    """
    h = _HIDDEN[activation]
    Z: Complex = X.astype(np.complex128)
    start, penalty = 0, 0j
    n_layers = len(layer_sizes) - 1
    for l, (n_in, n_out) in enumerate(pairwise(layer_sizes), start=1):
        W_l = W[start : start + n_in * n_out].reshape(n_in, n_out)
        b_l = W[start + n_in * n_out : start + (n_in + 1) * n_out]
        start += (n_in + 1) * n_out
        penalty += np.sum(W_l * W_l)  # W**2, not |W|**2: analytic
        A = Z @ W_l + b_l
        Z = h(A) if l < n_layers else A
    N = X.shape[0]
    if layer_sizes[-1] == 1 or output == "sigmoids":  # summed over the K columns
        data = -np.sum(T * _log_sigmoid(Z) + (1.0 - T) * _log_sigmoid(-Z)) / N
    else:
        log_P = _log_softmax(Z)
        data = -np.sum(np.where(T != 0.0, T * log_P, 0.0)) / N
    return complex(data + lam * penalty)


def complex_step_directional(
    W: NDArray[np.float64],
    direction: NDArray[np.float64],
    X: NDArray[np.float64],
    T: NDArray[np.float64],
    layer_sizes: Sequence[int],
    lam: float,
    activation: str,
    step: float,
    output: str = "auto",
) -> float:
    """``grad J(W) . direction`` by one complex evaluation."""
    W_complex = W + 1j * step * direction
    return complex_loss(W_complex, X, T, layer_sizes, lam, activation, output).imag / step
