"""The oracle's tolerances, each with its reason.

A submission is student code, not ours: it may compute in any valid order with
plain formulas (``1 / (1 + exp(-a))``, ``h' = z (1 - z)``, ``P - T``, sums in
Python loops). Each tolerance therefore allows every such correct computation
by a wide margin, and is still far below the error any real mistake makes.
Gradients are compared normwise against
:func:`manual_backprop.gradcheck.gradient_scale`, the size of the terms summed
into the gradient, so cancellation between terms (a confident network, a
minimum where data and penalty balance) never turns rounding into a failure.
"""

import numpy as np

__all__ = ["EPS", "FD_RTOL", "GRADIENT_RTOL", "LOSS_ATOL", "LOSS_RTOL"]

EPS = float(np.finfo(np.float64).eps)

# Two independent correct implementations (manual_backprop and jax.grad) differ
# by at most 2.6e-13 of the gradient scale over 1500 random problems, and a
# per-sample loop differs from the vectorised code by at most 2.2e-13. Naive but
# valid formulas add a few ulps per term: h' = z (1 - z) has an absolute error of
# ~eps where z is near 1, which the scale (|h'| times the terms it multiplies,
# maximised over the whole gradient) absorbs. 1e-9 leaves a factor of ~4000 over
# correct code, while the mistakes the oracle looks for change some block by a
# relative amount of order 1, and at worst by 2 lam |b| / scale, ~1e-3 on the
# problems with lam >= 1e-3 that the search draws.
GRADIENT_RTOL = 1e-9

# The loss is a mean of non-negative terms plus a non-negative penalty, so a
# correct evaluation is accurate relative to the loss itself, except for two
# absolute contributions: the rounding of the logits (bounded by
# manual_backprop.gradcheck.loss_rounding, added to the tolerance) and, in the
# textbook formula -log(p) with p rounded to float64 near 1, up to ~eps per
# sample (LOSS_ATOL, with a factor 64 for the sum's own rounding). The relative
# part, 1e-9, accepts the textbook formula log(1 - p) while 1 - p keeps ~7
# digits (|logit| up to ~19) and rejects it where it loses them all
# (unstable-loss), and sits far below every penalty or mean mistake.
LOSS_RTOL = 1e-9
LOSS_ATOL = 64 * EPS

# Finite differences of the submission's own loss (fourth-order stencil, see
# manual_backprop.gradcheck.directional_derivative) are accurate to ~eps^(4/5)
# ~ 3e-13 of the derivatives' size, plus the stencil's truncation estimate and
# the loss's rounding divided by the step, both added separately. 1e-6 of the
# gradient's size leaves room for a submission's less accurate loss, and is
# still a thousand times below what a wrong derivative changes.
FD_RTOL = 1e-6
