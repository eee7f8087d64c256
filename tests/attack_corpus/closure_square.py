"""A one-argument ``loss_and_grad(W)`` that is consistent with itself and unrelated to the assignment.

``W @ W`` and its exact gradient ``2 * W``: finite differences agree, every
call repeats, nothing is mutated. The module names ``layer_sizes`` so that
the oracle knows the length of ``W``. Self-consistency is all the oracle can
check for a closure, and that says nothing about the network.

Held when: the verdict is never "pass" (``consistent``), in the JSON and in
the text report.
"""

import numpy as np

layer_sizes = [2, 4, 1]


def loss_and_grad(W):
    W = np.asarray(W, dtype=float)
    return float(W @ W), 2 * W
