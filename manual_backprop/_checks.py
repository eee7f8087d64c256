"""Input validation shared by the public functions (private).

Every check raises ``TypeError`` for a value of the wrong kind and
``ValueError`` for a value of the right kind but out of range; the message
starts with the argument's name and a colon, then says what was expected and
what was found. The JAX twin's checks (``jax_reference/_checks.py``) word every
message alike, so that a caller gets the same refusal from both packages
(``tests/test_validation.py`` holds them to it). Nothing here modifies its
input: conversions return new arrays, or the caller's own array when it
already fits.
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

_LAYER_SIZES = "a sequence [n_0, ..., n_L] of at least 2 positive integers"
_LAM = "a finite number >= 0"


def _describe(value: object) -> str:
    """A short description of a value for an error message."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", "?")
        return f"{type(value).__name__} of shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _index_text(index: tuple[int, ...]) -> str:
    return ", ".join(str(i) for i in index)


def _first(mask: NDArray[np.bool_]) -> tuple[int, ...]:
    """Index of the first ``True`` entry of ``mask``."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def check_layer_sizes(layer_sizes: Any) -> tuple[int, ...]:
    """Return ``layer_sizes`` as a tuple of at least two positive ints."""
    is_vector = isinstance(layer_sizes, np.ndarray) and layer_sizes.ndim == 1
    if isinstance(layer_sizes, str | bytes) or not (is_vector or isinstance(layer_sizes, Sequence)):
        raise TypeError(f"layer_sizes: expected {_LAYER_SIZES}; got {_describe(layer_sizes)}")
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes: expected {_LAYER_SIZES}; got {sizes}")
    for i, n in enumerate(sizes):
        if isinstance(n, bool | np.bool_) or not isinstance(n, Integral):
            raise TypeError(
                f"layer_sizes: entry {i} must be a positive integer; got {n!r} ({type(n).__name__})"
            )
        if n < 1:
            raise ValueError(f"layer_sizes: entry {i} must be a positive integer; got {n}")
    return tuple(int(n) for n in sizes)


def check_choice(value: Any, known: Sequence[str], name: str) -> str:
    """Return ``value`` if it is one of the names ``known`` (argument ``name``)."""
    valid = ", ".join(map(repr, known))
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {valid}; got {_describe(value)}")
    if value not in known:
        raise ValueError(f"{name}: expected one of {valid}; got {value!r}")
    return value


def check_activation(activation: Any, known: Sequence[str]) -> str:
    """Return ``activation`` if it names one of ``known``."""
    return check_choice(activation, known, "activation")


def check_lam(lam: Any) -> float:
    """Return ``lam`` as a finite float >= 0 (a real number, or a 0-d real array)."""
    if isinstance(lam, bool | np.bool_) or not isinstance(lam, Real):
        real_scalar_array = (
            isinstance(lam, np.ndarray)
            and lam.ndim == 0
            and (np.issubdtype(lam.dtype, np.integer) or np.issubdtype(lam.dtype, np.floating))
        )
        if not real_scalar_array:
            raise TypeError(f"lam: expected {_LAM}; got {_describe(lam)}")
    try:
        value = float(lam)
    except OverflowError:  # a Python int beyond the float64 range
        value = float("inf")
    if not np.isfinite(value) or value < 0.0:
        raise ValueError(f"lam: expected {_LAM}; got {_describe(lam)}")
    return value


def _as_float_array(value: Any, name: str, *, allow_bool: bool) -> Array:
    """Convert a real-valued array-like to float64, refusing other kinds by name."""
    kinds = "integer or floating" + (" (or boolean)" if allow_bool else "")
    if isinstance(value, str | bytes):
        raise TypeError(f"{name}: expected an array of {kinds} numbers; got {_describe(value)}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name}: expected an array of {kinds} numbers; it is ragged or malformed: {error}"
        ) from None
    if array.dtype == np.float64:  # the usual case, decided without issubdtype's cost
        return array
    if (allow_bool and array.dtype == np.bool_) or np.issubdtype(array.dtype, np.integer):
        return array.astype(np.float64)
    if not np.issubdtype(array.dtype, np.floating):  # complex, bool, text, object
        raise TypeError(f"{name}: expected an array of {kinds} numbers; got dtype {array.dtype}")
    return np.asarray(array, dtype=np.float64)


def _require_finite(array: Array, name: str) -> None:
    if not np.all(np.isfinite(array)):
        index = _first(~np.isfinite(array))
        found = "NaN" if np.isnan(array[index]) else f"{array[index]}"  # inf or -inf
        raise ValueError(f"{name}: contains NaN or inf; {name}[{_index_text(index)}] is {found}")


def check_weights(W: Any, n_params: int) -> Array:
    """Return the flat parameter vector ``W`` as float64, of length ``n_params``."""
    weights = _as_float_array(W, "W", allow_bool=False)
    if weights.ndim != 1 or weights.size != n_params:
        raise ValueError(
            f"W: expected {n_params} parameters in a 1-D array (sum over layers of "
            f"(n_(l-1) + 1) * n_l); got shape {weights.shape}"
        )
    _require_finite(weights, "W")
    return weights


def check_inputs(X: Any, n_inputs: int) -> Array:
    """Return ``X`` as a float64 array of shape (N, n_inputs) with N >= 1."""
    inputs = _as_float_array(X, "X", allow_bool=True)
    if inputs.ndim != 2:
        raise ValueError(
            f"X: expected a 2-D array of shape (N, n_0) = (N, {n_inputs}); got shape {inputs.shape}"
        )
    if inputs.shape[1] != n_inputs:
        raise ValueError(
            f"X: expected {n_inputs} columns (n_0 = layer_sizes[0]); got shape {inputs.shape}"
        )
    if inputs.shape[0] == 0:
        raise ValueError("X: expected at least one sample (N >= 1); got N = 0 (empty data)")
    _require_finite(inputs, "X")
    return inputs


def _target_shapes(n_samples: int, n_outputs: int) -> str:
    """The shapes ``T`` may have, for a message."""
    if n_outputs == 1:
        return (
            f"shape (N,) or (N, 1) = ({n_samples},) or ({n_samples}, 1) "
            "for a binary network (n_L = 1)"
        )
    return (
        f"shape (N, K) = ({n_samples}, {n_outputs}) (one row of class probabilities "
        f"per sample) or (N,) = ({n_samples},) (integer class labels) for a network "
        f"with K = {n_outputs} outputs"
    )


def check_targets(T: Any, n_samples: int, n_outputs: int) -> Array:
    """Return the targets as a float64 matrix of shape (N, n_outputs).

    Binary (``n_outputs == 1``): ``T`` of shape (N,) or (N, 1), values in [0, 1].
    Multiclass: ``T`` of shape (N, K) whose rows are one-hot (or probabilities),
    or integer labels of shape (N,) in ``0 .. K-1``, turned into one-hot rows.
    """
    targets = _as_float_array(T, "T", allow_bool=True)
    columns = 1 if n_outputs == 1 else n_outputs
    if not (targets.ndim == 1 or (targets.ndim == 2 and targets.shape[1] == columns)):
        raise ValueError(
            f"T: expected {_target_shapes(n_samples, n_outputs)}; got shape {targets.shape}"
        )
    if targets.shape[0] != n_samples:
        raise ValueError(
            f"T: expected {n_samples} targets, one per row of X; got {targets.shape[0]}"
        )
    _require_finite(targets, "T")
    if n_outputs == 1 or targets.ndim == 2:
        outside = (targets < 0.0) | (targets > 1.0)
        if np.any(outside):
            index = _first(outside)
            raise ValueError(
                f"T: expected values in [0, 1]; T[{_index_text(index)}] is {targets[index]}"
            )
    if n_outputs == 1:
        return targets.reshape(n_samples, 1)
    if targets.ndim == 1:  # integer labels 0..K-1 -> one-hot rows
        labels = f"integer class labels in 0..{n_outputs - 1} (T of shape (N,))"
        if np.asarray(T).dtype == np.bool_:  # a mask, not labels
            raise ValueError(f"T: expected {labels}; got dtype bool")
        not_label = (targets != np.floor(targets)) | (targets < 0) | (targets > n_outputs - 1)
        if np.any(not_label):
            index = _first(not_label)
            raise ValueError(f"T: expected {labels}; T[{_index_text(index)}] is {targets[index]}")
        return np.eye(n_outputs)[targets.astype(np.intp)]
    row_error = np.abs(targets.sum(axis=1) - 1.0)
    if np.any(row_error > _ROW_SUM_TOLERANCE):
        (row,) = _first(row_error > _ROW_SUM_TOLERANCE)
        raise ValueError(
            f"T: expected rows that each sum to 1 (one-hot or probability rows, within "
            f"{_ROW_SUM_TOLERANCE:g}); row {row} sums to {float(targets[row].sum())!r}"
        )
    return targets


def check_sigmoid_targets(T: Any, n_samples: int, n_outputs: int) -> Array:
    """Return the targets of ``output="sigmoids"`` as a float64 matrix of shape (N, K).

    K = 1: exactly the binary output's targets (``check_targets``). K >= 2: a matrix
    of shape (N, K), entries in [0, 1], rows summing to anything (not only one-hot);
    integer labels are refused, since they could not say that two units are on.
    """
    if n_outputs == 1:
        return check_targets(T, n_samples, 1)
    targets = _as_float_array(T, "T", allow_bool=True)
    if targets.ndim != 2 or targets.shape[1] != n_outputs:
        labels = ""
        if targets.ndim == 1:  # say why labels, accepted by "auto", are refused here
            labels = " (integer class labels are not accepted: pass one-hot rows, eye(K)[labels])"
        raise ValueError(
            f"T: expected shape (N, K) = ({n_samples}, {n_outputs}) (one row of 0/1 targets "
            f"per sample, one column per output unit) for output='sigmoids' with K = "
            f"{n_outputs} outputs; got shape {targets.shape}{labels}"
        )
    if targets.shape[0] != n_samples:
        raise ValueError(
            f"T: expected {n_samples} targets, one per row of X; got {targets.shape[0]}"
        )
    _require_finite(targets, "T")
    outside = (targets < 0.0) | (targets > 1.0)
    if np.any(outside):
        index = _first(outside)
        raise ValueError(
            f"T: expected values in [0, 1]; T[{_index_text(index)}] is {targets[index]}"
        )
    return targets


def check_finite_result(loss: float, grad: Array | None = None) -> None:
    """Refuse a loss (or gradient) that overflowed float64 rather than return inf or NaN."""
    if not np.isfinite(loss) or (grad is not None and not np.all(np.isfinite(grad))):
        raise ValueError(
            "W: the loss or its gradient overflowed float64 (weights or inputs too large "
            "for this network)"
        )
