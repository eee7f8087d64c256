"""The same closure ``loss_and_grad(W)`` returning ``(W @ W, 2 * W)``, saying nothing of W's length.

Without ``layer_sizes`` or ``W0`` in the module, the oracle tries the
exercise's network sizes, and every length works for this function.

Held when: the verdict is never "pass", in the JSON and in the text report.
"""

import numpy as np


def loss_and_grad(W):
    W = np.asarray(W, dtype=float)
    return float(W @ W), 2 * W
