"""Comparing gradients: the yardstick, and failure messages that say where.

Every failure names the property, the worst parameter block (``W2``, ``b1``,
...), the worst entry in it, both values with their labels, and the
tolerance.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.rules import block_of
from manual_backprop.gradcheck import gradient_scale, relative_error

__all__ = [
    "assert_gradients_close",
    "block_of",
    "gradient_scale",
    "mismatch_report",
    "relative_error",
]

Array = NDArray[np.float64]


def mismatch_report(
    actual: Array,
    expected: Array,
    layer_sizes: Sequence[int],
    labels: tuple[str, str] = ("manual", "jax"),
) -> str:
    """Name the block and the entry where ``actual`` and ``expected`` differ most."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    worst: tuple[float, str, tuple[int, ...], float, float] | None = None
    pairs = zip(mb.unpack(actual, layer_sizes), mb.unpack(expected, layer_sizes), strict=True)
    for l, ((dW_a, db_a), (dW_e, db_e)) in enumerate(pairs, start=1):
        for name, a, e in ((f"W{l}", dW_a, dW_e), (f"b{l}", db_a, db_e)):
            gap = np.abs(a - e)
            index = tuple(int(i) for i in np.unravel_index(np.argmax(gap), gap.shape))
            if worst is None or gap[index] > worst[0]:
                worst = (float(gap[index]), name, index, float(a[index]), float(e[index]))
    assert worst is not None
    largest, block, position, value_a, value_e = worst
    where = ", ".join(map(str, position))
    return (
        f"worst entry {block}[{where}]: {labels[0]} = {value_a!r}, {labels[1]} = {value_e!r}, "
        f"|difference| = {largest:.3g}; layer_sizes {list(layer_sizes)}"
    )


def assert_gradients_close(
    prop: str,
    actual: Array,
    expected: Array,
    layer_sizes: Sequence[int],
    rtol: float,
    scale: float,
    labels: tuple[str, str] = ("manual", "jax"),
) -> None:
    """Assert ``max|actual - expected| <= rtol * scale``, or say where it is not."""
    error = relative_error(actual, expected, scale)
    assert error <= rtol, (
        f"{prop}: gradient, {labels[0]} vs {labels[1]}, error {error:.3g} of the scale "
        f"{scale:.3g} exceeds the tolerance {rtol:g}; "
        + mismatch_report(actual, expected, layer_sizes, labels)
    )
