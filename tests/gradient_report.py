"""Compare two flat gradients and say where they differ, block by block.

Shared by the tests that put two implementations side by side, so every
failure names the worst parameter block (``W2``, ``b1``, ...), the worst entry
in it, and both values with their labels.
"""

import numpy as np

import manual_backprop as mb

# Normwise rather than entrywise: in saturated layers two correct float64
# implementations legitimately disagree on entries that are tiny against the
# rest of the gradient (one rounds 1 - tanh(a)**2 to 0 where the other keeps
# 4 e^{-2a}); what matters for a gradient is its error against its own size.
from manual_backprop.gradcheck import relative_error

__all__ = ["mismatch_report", "relative_error"]


def mismatch_report(
    actual: np.ndarray,
    expected: np.ndarray,
    layer_sizes: list[int],
    labels: tuple[str, str] = ("manual", "jax"),
) -> str:
    """Name the block and entry where ``actual`` and ``expected`` differ most."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    worst = None
    pairs = zip(mb.unpack(actual, layer_sizes), mb.unpack(expected, layer_sizes), strict=True)
    for l, ((dW_a, db_a), (dW_e, db_e)) in enumerate(pairs, start=1):
        for name, a, e in ((f"W{l}", dW_a, dW_e), (f"b{l}", db_a, db_e)):
            gap = np.abs(a - e)
            index = np.unravel_index(np.argmax(gap), gap.shape)
            if worst is None or gap[index] > worst[0]:
                worst = (gap[index], name, index, a[index], e[index])
    assert worst is not None
    gap, name, index, a, e = worst
    where = ", ".join(str(int(i)) for i in index)
    return (
        f"worst entry {name}[{where}]: {labels[0]} = {a!r}, {labels[1]} = {e!r} "
        f"(|difference| {gap:.3g}; normwise relative error "
        f"{relative_error(actual, expected):.3g}; layer_sizes {layer_sizes})"
    )
