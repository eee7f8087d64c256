"""Make the oracle allocate gigabytes in its own process: a closure whose layer sizes are huge.

The oracle caps a hinted parameter count at 10**6, but it also accepts
``layer_sizes`` at module level (each size up to 100000, up to 32 layers) and
computes the length of ``W`` from them itself. ``[11180, 11180]`` means
125 million parameters: a single ``W`` of 1 GB, drawn, encoded and sent by
the oracle for every call (and ``[100000] * 32`` would mean 2.5 TB).

Held when: the oracle's own peak memory stays small, the next file of the
batch still gets its verdict, and the command ends normally.
"""

import numpy as np

layer_sizes = [11180, 11180]


def loss_and_grad(W):
    return float(np.sum(W * W)), 2 * W
