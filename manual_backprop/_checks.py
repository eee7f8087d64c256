"""Input validation shared by the public functions (private).

Every check raises ``TypeError`` for a value of the wrong kind and
``ValueError`` for a value of the right kind but out of range; the message
starts with the argument's name. Nothing here modifies its input: conversions
return new arrays, or the caller's own array when it already fits.
"""

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

# Rows of probabilities must sum to 1 up to the rounding of a sum of K float64
# terms (about K * 1.1e-16). No looser: the output delta P - T is the gradient
# only when the row sums to exactly 1 (in general it is P * sum(T) - T), so a
# slack of s would make the gradient wrong by up to s * P / N.
_ROW_SUM_TOLERANCE = 1e-12


def check_layer_sizes(layer_sizes: Any) -> tuple[int, ...]:
    """Return ``layer_sizes`` as a tuple of at least two positive ints."""
    if isinstance(layer_sizes, str | bytes) or not isinstance(layer_sizes, Sequence | np.ndarray):
        raise TypeError(
            f"layer_sizes: expected a sequence of positive integers such as [2, 4, 1], "
            f"got {type(layer_sizes).__name__}"
        )
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"layer_sizes: expected at least two sizes (inputs and outputs), got {sizes}"
        )
    for i, n in enumerate(sizes):
        if isinstance(n, bool | np.bool_) or not isinstance(n, Integral):
            raise TypeError(
                f"layer_sizes: entry {i} must be a positive integer, got {n!r} ({type(n).__name__})"
            )
        if n < 1:
            raise ValueError(f"layer_sizes: entry {i} must be a positive integer, got {n}")
    return tuple(int(n) for n in sizes)


def check_activation(activation: Any, known: Sequence[str]) -> str:
    """Return ``activation`` if it names one of ``known``."""
    if not isinstance(activation, str):
        raise TypeError(
            f"activation: expected one of {', '.join(map(repr, known))}, "
            f"got {type(activation).__name__}"
        )
    if activation not in known:
        raise ValueError(
            f"activation: expected one of {', '.join(map(repr, known))}, got {activation!r}"
        )
    return activation


def check_lam(lam: Any) -> float:
    """Return ``lam`` as a finite float >= 0."""
    if isinstance(lam, bool | np.bool_) or not isinstance(lam, Real):
        raise TypeError(f"lam: expected a real number >= 0, got {type(lam).__name__}")
    value = float(lam)
    if not np.isfinite(value) or value < 0.0:
        raise ValueError(f"lam: expected a finite number >= 0, got {value}")
    return value


def _as_float_array(value: Any, name: str) -> Array:
    """Convert a real-valued array-like to float64, refusing other kinds by name."""
    array = np.asarray(value)
    if array.dtype == np.float64:  # the usual case, decided without issubdtype's cost
        return array
    if array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer):
        return array.astype(np.float64)
    if np.issubdtype(array.dtype, np.complexfloating) or not np.issubdtype(
        array.dtype, np.floating
    ):
        raise TypeError(f"{name}: expected an array of real numbers, got dtype {array.dtype}")
    return np.asarray(array, dtype=np.float64)


def _require_finite(array: Array, name: str) -> None:
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        where = int(bad[0]) if bad.size == 1 else tuple(int(i) for i in bad)
        raise ValueError(f"{name}: contains NaN or inf (first at index {where})")


def check_weights(W: Any, n_params: int) -> Array:
    """Return the flat parameter vector ``W`` as float64, of length ``n_params``."""
    if np.asarray(W).dtype == np.bool_:
        raise TypeError("W: expected an array of real numbers, got dtype bool")
    weights = _as_float_array(W, "W")
    if weights.ndim != 1:
        raise ValueError(f"W: expected a flat 1-D vector, got an array of shape {weights.shape}")
    if weights.size != n_params:
        raise ValueError(
            f"W: expected {n_params} parameters for these layer_sizes, got {weights.size}"
        )
    _require_finite(weights, "W")
    return weights


def check_inputs(X: Any, n_inputs: int) -> Array:
    """Return ``X`` as a float64 array of shape (N, n_inputs) with N >= 1."""
    inputs = _as_float_array(X, "X")
    if inputs.ndim != 2:
        raise ValueError(
            f"X: expected a 2-D array of shape (N, {n_inputs}), got shape {inputs.shape}"
        )
    if inputs.shape[0] == 0:
        raise ValueError("X: empty data (N = 0 samples)")
    if inputs.shape[1] != n_inputs:
        raise ValueError(
            f"X: expected {n_inputs} columns (layer_sizes[0]), got shape {inputs.shape}"
        )
    _require_finite(inputs, "X")
    return inputs


def check_targets(T: Any, n_samples: int, n_outputs: int) -> Array:
    """Return the targets as a float64 matrix of shape (N, n_outputs).

    Binary (``n_outputs == 1``): ``T`` of shape (N,) or (N, 1), values in [0, 1].
    Multiclass: ``T`` of shape (N, K) whose rows are one-hot (or probabilities),
    or integer labels of shape (N,) in ``0 .. K-1``, turned into one-hot rows.
    """
    targets = _as_float_array(T, "T")
    label_dtype = np.asarray(T).dtype
    if targets.ndim == 0 or targets.shape[0] != n_samples:
        raise ValueError(
            f"T: expected {n_samples} targets, one per row of X, got shape {targets.shape}"
        )
    _require_finite(targets, "T")
    if n_outputs == 1:
        if targets.shape not in ((n_samples,), (n_samples, 1)):
            raise ValueError(
                f"T: binary output expects shape ({n_samples},) or ({n_samples}, 1), "
                f"got {targets.shape}"
            )
        if np.any((targets < 0.0) | (targets > 1.0)):
            raise ValueError("T: binary targets must lie in [0, 1]")
        return targets.reshape(n_samples, 1)
    if targets.ndim == 1:
        labels = targets
        if label_dtype == np.bool_ or np.any(labels != np.round(labels)):
            raise ValueError(
                f"T: expected integer class labels in 0..{n_outputs - 1} or one-hot rows"
            )
        if np.any((labels < 0) | (labels > n_outputs - 1)):
            raise ValueError(
                f"T: class labels must lie in 0..{n_outputs - 1} (layer_sizes[-1] = "
                f"{n_outputs} classes), got values from {labels.min():g} to {labels.max():g}"
            )
        return np.eye(n_outputs)[labels.astype(np.intp)]
    if targets.shape != (n_samples, n_outputs):
        raise ValueError(
            f"T: expected shape ({n_samples}, {n_outputs}) one-hot rows or ({n_samples},) "
            f"labels, got {targets.shape}"
        )
    if np.any((targets < 0.0) | (targets > 1.0)) or np.any(
        np.abs(targets.sum(axis=1) - 1.0) > _ROW_SUM_TOLERANCE
    ):
        raise ValueError("T: each row must be one-hot (entries in [0, 1] summing to 1)")
    return targets


def check_finite_result(loss: float, grad: Array | None = None) -> None:
    """Refuse a loss (or gradient) that overflowed float64 rather than return inf or NaN."""
    if not np.isfinite(loss) or (grad is not None and not np.all(np.isfinite(grad))):
        raise ValueError(
            "W: the loss or its gradient overflowed float64 (weights or inputs too large "
            "for this network)"
        )
