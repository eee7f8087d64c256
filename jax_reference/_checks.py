"""Input validation for the public functions (private).

Every check raises ``TypeError`` for a value of the wrong kind (a string, a complex
array, ``None``) and ``ValueError`` for a value of the right kind that breaks a rule
(a wrong shape, NaN, a target out of range). Each message starts with the argument's
name and a colon (``"W: ..."``) and says what was expected and what was found, worded as
the hand-written package words it (``tests/test_validation.py``, the project's one table
of bad inputs, holds both packages to the same messages). The checks read their inputs and
never modify them; the arrays they return are fresh float64 copies.

Shape-only checks (``check_flat_shape``, ``check_params``) also accept JAX arrays and
tracers, so that the building blocks can be used inside ``jax.jit`` and ``jax.grad``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .activations import ACTIVATIONS

__all__ = [
    "OUTPUTS",
    "ROW_SUM_ATOL",
    "check_activation",
    "check_finite_result",
    "check_flat_shape",
    "check_inputs",
    "check_lam",
    "check_layer_sizes",
    "check_output",
    "check_params",
    "check_sigmoid_targets",
    "check_targets",
    "check_weights",
    "real_array",
]

#: Largest ``|sum_k T_ik - 1|`` accepted for a row of multiclass probability targets.
#: The loss and its gradient ``P - T`` (the form backprop uses) agree only when each row
#: sums to 1, so only float64 rounding is tolerated: summing K <= 4500 terms in [0, 1]
#: rounds by at most K * 2**-53 < 1e-12.
ROW_SUM_ATOL = 1e-12

#: The values of the keyword ``output``: ``"auto"`` (a sigmoid for one output, a softmax
#: for more) and ``"sigmoids"`` (Coursera ML ex4: every output unit a sigmoid of its own).
OUTPUTS = ("auto", "sigmoids")


def _describe(value: object) -> str:
    """Short description of a value for an error message."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", "?")
        return f"{type(value).__name__} of shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _first(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first ``True`` entry of ``mask``."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _index_text(index: tuple[int, ...]) -> str:
    return ", ".join(str(i) for i in index)


def check_layer_sizes(layer_sizes: object) -> tuple[int, ...]:
    """Validate ``layer_sizes = [n_0, ..., n_L]`` and return it as a tuple of ints.

    Raises
    ------
    TypeError
        Not a sequence, or an entry that is not an integer (``bool`` is refused).
    ValueError
        Fewer than two entries, or an entry that is not positive.
    """
    expected = "a sequence [n_0, ..., n_L] of at least 2 positive integers"
    is_array = isinstance(layer_sizes, np.ndarray) and layer_sizes.ndim == 1
    if isinstance(layer_sizes, (str, bytes)) or not (is_array or isinstance(layer_sizes, Sequence)):
        raise TypeError(f"layer_sizes: expected {expected}; got {_describe(layer_sizes)}")
    entries = list(layer_sizes)  # type: ignore[call-overload]
    if len(entries) < 2:
        raise ValueError(f"layer_sizes: expected {expected}; got {entries}")
    for i, entry in enumerate(entries):
        if isinstance(entry, (bool, np.bool_)) or not isinstance(entry, numbers.Integral):
            raise TypeError(
                f"layer_sizes: entry {i} must be a positive integer; "
                f"got {entry!r} ({type(entry).__name__})"
            )
        if entry < 1:
            raise ValueError(f"layer_sizes: entry {i} must be a positive integer; got {entry}")
    return tuple(int(entry) for entry in entries)


def _check_choice(value: object, known: tuple[str, ...], name: str) -> str:
    """Return ``value`` if it is one of the names ``known`` (argument ``name``).

    Raises
    ------
    TypeError
        Not a string.
    ValueError
        Not one of ``known``.
    """
    valid = ", ".join(repr(choice) for choice in known)
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {valid}; got {_describe(value)}")
    if value not in known:
        raise ValueError(f"{name}: expected one of {valid}; got {value!r}")
    return value


def check_activation(activation: object) -> str:
    """Validate the name of the hidden activation ``h``, one of ``ACTIVATIONS``."""
    return _check_choice(activation, tuple(ACTIVATIONS), "activation")


def check_output(output: object) -> str:
    """Validate the name of the output layer and its loss, one of ``OUTPUTS``."""
    return _check_choice(output, OUTPUTS, "output")


def check_lam(lam: object) -> float:
    """Validate the penalty coefficient ``lam`` (a finite number >= 0).

    Raises
    ------
    TypeError
        Not a real number (a string, a complex, ``None``, a ``bool``, an array of more
        than zero dimensions). A 0-d integer or floating array is accepted.
    ValueError
        Negative, NaN or infinite.
    """
    expected = "a finite number >= 0"
    is_scalar_array = (
        isinstance(lam, (np.ndarray, jax.Array))
        and lam.ndim == 0
        and (jnp.issubdtype(lam.dtype, jnp.integer) or jnp.issubdtype(lam.dtype, jnp.floating))
    )
    if isinstance(lam, (bool, np.bool_)) or not (isinstance(lam, numbers.Real) or is_scalar_array):
        raise TypeError(f"lam: expected {expected}; got {_describe(lam)}")
    try:
        value = float(lam)  # type: ignore[arg-type]
    except OverflowError:  # a Python int beyond the float64 range
        value = float("inf")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"lam: expected {expected}; got {_describe(lam)}")
    return value


def real_array(value: object, name: str, *, allow_bool: bool = False) -> Any:
    """Return ``value`` as an array of real numbers, refusing other kinds.

    A JAX array (or tracer) is returned as it is; anything else goes through
    ``numpy.asarray`` (no copy is made here, and nothing is written).

    Raises
    ------
    TypeError
        A string, or an array whose dtype is not integer or floating (nor boolean when
        ``allow_bool``): complex, object, text.
    ValueError
        A ragged nested sequence that does not form an array.
    """
    kinds = "integer or floating" + (" (or boolean)" if allow_bool else "")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected an array of {kinds} numbers; got {_describe(value)}")
    if isinstance(value, jax.Array):
        array: Any = value
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"{name}: expected an array of {kinds} numbers; it is ragged or malformed: {error}"
            ) from None
    dtype = array.dtype
    accepted = jnp.issubdtype(dtype, jnp.integer) or jnp.issubdtype(dtype, jnp.floating)
    if allow_bool and jnp.issubdtype(dtype, jnp.bool_):
        accepted = True
    if not accepted:
        raise TypeError(f"{name}: expected an array of {kinds} numbers; got dtype {dtype}")
    return array


def _float64_copy(array: Any) -> np.ndarray:
    """A fresh float64 numpy copy of a concrete real array (the caller's stays untouched)."""
    return np.array(array, dtype=np.float64, copy=True)


def _check_all_finite(array: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        index = _first(bad)
        found = "NaN" if np.isnan(array[index]) else f"{array[index]}"  # inf or -inf
        raise ValueError(f"{name}: contains NaN or inf; {name}[{_index_text(index)}] is {found}")


def check_flat_shape(W: object, layer_sizes: tuple[int, ...], n_params: int) -> Any:
    """Check that ``W`` is a real 1-D array of length ``n_params`` (shape only).

    Works on numpy arrays, JAX arrays and tracers; values are not inspected.
    """
    array = real_array(W, "W")
    if array.ndim != 1 or array.shape[0] != n_params:
        raise ValueError(
            f"W: expected {n_params} parameters in a 1-D array (sum over layers of "
            f"(n_(l-1) + 1) * n_l); got shape {tuple(array.shape)}"
        )
    return array


def check_weights(W: object, layer_sizes: tuple[int, ...], n_params: int) -> np.ndarray:
    """Validate the flat parameter vector ``W`` fully; return a float64 copy.

    Returns
    -------
    numpy.ndarray, shape (n_params,), float64
    """
    array = _float64_copy(check_flat_shape(W, layer_sizes, n_params))
    _check_all_finite(array, "W")
    return array


def check_inputs(X: object, n_inputs: int) -> np.ndarray:
    """Validate the data matrix ``X``; return a float64 copy.

    Returns
    -------
    numpy.ndarray, shape (N, n_0), float64
    """
    array = real_array(X, "X", allow_bool=True)
    if array.ndim != 2:
        raise ValueError(
            f"X: expected a 2-D array of shape (N, n_0) = (N, {n_inputs}); "
            f"got shape {tuple(array.shape)}"
        )
    if array.shape[1] != n_inputs:
        raise ValueError(
            f"X: expected {n_inputs} columns (n_0 = layer_sizes[0]); got shape {tuple(array.shape)}"
        )
    if array.shape[0] == 0:
        raise ValueError("X: expected at least one sample (N >= 1); got N = 0 (empty data)")
    result = _float64_copy(array)
    _check_all_finite(result, "X")
    return result


def check_targets(T: object, n_samples: int, n_outputs: int) -> np.ndarray:
    """Validate the targets and return them in the form the loss uses.

    Binary network (``n_outputs == 1``): ``T`` of shape (N,) or (N, 1), values in
    [0, 1]; returned with shape (N,). Multiclass network (``n_outputs = K >= 2``):
    ``T`` of shape (N, K) with rows of probabilities (entries in [0, 1], each row
    summing to 1 within ``ROW_SUM_ATOL``), or of shape (N,) with integer class labels
    in ``0..K-1`` (integral floats accepted); returned as (N, K) rows.

    Returns
    -------
    numpy.ndarray, shape (N,) or (N, K), float64
    """
    array = real_array(T, "T", allow_bool=True)
    binary = n_outputs == 1
    if binary:
        expected = (
            f"shape (N,) or (N, 1) = ({n_samples},) or ({n_samples}, 1) "
            "for a binary network (n_L = 1)"
        )
        shape_ok = array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)
    else:
        expected = (
            f"shape (N, K) = ({n_samples}, {n_outputs}) (one row of class probabilities "
            f"per sample) or (N,) = ({n_samples},) (integer class labels) for a network "
            f"with K = {n_outputs} outputs"
        )
        shape_ok = array.ndim == 1 or (array.ndim == 2 and array.shape[1] == n_outputs)
    if not shape_ok:
        raise ValueError(f"T: expected {expected}; got shape {tuple(array.shape)}")
    if array.shape[0] != n_samples:
        raise ValueError(f"T: expected {n_samples} targets, one per row of X; got {array.shape[0]}")
    targets = _float64_copy(array)
    _check_all_finite(targets, "T")

    if binary or targets.ndim == 2:
        outside = (targets < 0) | (targets > 1)
        if outside.any():
            index = _first(outside)
            raise ValueError(
                f"T: expected values in [0, 1]; T[{_index_text(index)}] is {targets[index]}"
            )
    if binary:
        return targets.reshape(n_samples)

    if targets.ndim == 1:  # integer labels 0..K-1 -> one-hot rows
        labels_expected = f"integer class labels in 0..{n_outputs - 1} (T of shape (N,))"
        if array.dtype == np.bool_:  # a mask, not labels
            raise ValueError(f"T: expected {labels_expected}; got dtype bool")
        not_label = (targets != np.floor(targets)) | (targets < 0) | (targets > n_outputs - 1)
        if not_label.any():
            index = _first(not_label)
            raise ValueError(
                f"T: expected {labels_expected}; T[{_index_text(index)}] is {targets[index]}"
            )
        return np.eye(n_outputs, dtype=np.float64)[targets.astype(np.int64)]

    row_error = np.abs(targets.sum(axis=1) - 1.0)
    bad_rows = row_error > ROW_SUM_ATOL
    if bad_rows.any():
        (row,) = _first(bad_rows)
        raise ValueError(
            f"T: expected rows that each sum to 1 (one-hot or probability rows, within "
            f"{ROW_SUM_ATOL:g}); row {row} sums to {float(targets[row].sum())!r}"
        )
    return targets


def check_sigmoid_targets(T: object, n_samples: int, n_outputs: int) -> np.ndarray:
    """Validate the targets of ``output="sigmoids"``; return them as (N, K) float64 rows.

    K = 1: the binary network's targets, as :func:`check_targets` takes them. K >= 2: shape
    (N, K), every entry in [0, 1] (0/1 in ex4), rows summing to anything: any number of
    units may be on. Integer labels are refused (they could not say that two are on).

    Returns
    -------
    numpy.ndarray, shape (N, K), float64
    """
    if n_outputs == 1:
        return check_targets(T, n_samples, 1).reshape(n_samples, 1)
    array = real_array(T, "T", allow_bool=True)
    if array.ndim != 2 or array.shape[1] != n_outputs:
        hint = ""
        if array.ndim == 1:  # "auto" reads labels, "sigmoids" cannot
            hint = " (integer class labels are not accepted: pass one-hot rows, eye(K)[labels])"
        raise ValueError(
            f"T: expected shape (N, K) = ({n_samples}, {n_outputs}) (one row of 0/1 targets "
            f"per sample, one column per output unit) for output='sigmoids' with K = "
            f"{n_outputs} outputs; got shape {tuple(array.shape)}{hint}"
        )
    if array.shape[0] != n_samples:
        raise ValueError(f"T: expected {n_samples} targets, one per row of X; got {array.shape[0]}")
    targets = _float64_copy(array)
    _check_all_finite(targets, "T")
    outside = (targets < 0) | (targets > 1)
    if outside.any():
        index = _first(outside)
        raise ValueError(
            f"T: expected values in [0, 1]; T[{_index_text(index)}] is {targets[index]}"
        )
    return targets


def check_params(params: object) -> list[tuple[Any, Any]]:
    """Validate a list of ``(W_l, b_l)`` pairs whose shapes chain (shape only).

    Works on numpy arrays, JAX arrays and tracers.
    """
    expected = (
        "a non-empty sequence of (W_l, b_l) pairs, W_l of shape (n_(l-1), n_l) "
        "and b_l of shape (n_l,)"
    )
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence) or len(params) == 0:
        raise TypeError(f"params: expected {expected}; got {_describe(params)}")
    checked = []
    previous_width = None
    for layer, pair in enumerate(params, start=1):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"params: expected {expected}; entry {layer - 1} is {_describe(pair)}")
        W_l = real_array(pair[0], f"params: W_{layer}")
        b_l = real_array(pair[1], f"params: b_{layer}")
        if W_l.ndim != 2:
            raise ValueError(
                f"params: W_{layer} must be 2-D (n_(l-1), n_l); got shape {tuple(W_l.shape)}"
            )
        if b_l.shape != (W_l.shape[1],):
            raise ValueError(
                f"params: b_{layer} must have shape ({W_l.shape[1]},) to match W_{layer} of shape "
                f"{tuple(W_l.shape)}; got shape {tuple(b_l.shape)}"
            )
        if previous_width is not None and W_l.shape[0] != previous_width:
            raise ValueError(
                f"params: W_{layer} must have {previous_width} rows (the width of layer "
                f"{layer - 1}); got shape {tuple(W_l.shape)}"
            )
        if 0 in W_l.shape:
            raise ValueError(
                f"params: W_{layer} must have positive dimensions; got shape {tuple(W_l.shape)}"
            )
        previous_width = W_l.shape[1]
        checked.append((W_l, b_l))
    return checked


def check_finite_result(what: str, *values: np.ndarray | float) -> None:
    """Raise if a computed result is not finite (float64 overflowed for these weights).

    The inputs were checked finite beforehand, so a NaN or inf here means that the
    forward pass, or the penalty, overflowed float64.
    """
    if not all(np.all(np.isfinite(value)) for value in values):
        raise ValueError(
            f"W: the {what} is not finite: float64 overflowed for these weights, in the forward "
            "pass or in the penalty lam * ||W_l||^2 (the scale of W, times that of X, is beyond "
            "what float64 can hold)"
        )
