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

__all__ = ["EPS", "FD_RTOL", "GRADIENT_RTOL", "LOSS_ATOL", "LOSS_LOGIT_ULPS", "LOSS_RTOL"]

EPS = float(np.finfo(np.float64).eps)

# Two independent correct implementations (manual_backprop and jax.grad) differ
# by at most ~3e-13 of the gradient scale over 1500 random problems, and a
# per-sample loop differs from the vectorised code by as little. Naive but
# valid formulas add a few ulps per term: h' = z (1 - z) has an absolute error of
# ~eps where z is near 1, which the scale (|h'| times the terms it multiplies,
# maximised over the whole gradient) absorbs. Measured on the corpus's eleven
# correct submissions (vectorised, per-sample, class-based, transposed, three
# layouts; tests/measure_oracle_margins.py, 1000 problems each, weights up to
# 1e3): at most 4.8e-13, so 1e-10 leaves a factor of ~200 for styles the
# corpus lacks, while every mistake the oracle looks for changes some block
# by a relative amount of order 1, and at worst by 2 lam |b| / scale, ~1e-3 on
# the problems with lam >= 1e-3 that the search draws.
GRADIENT_RTOL = 1e-10

# The loss is a mean of non-negative terms plus a non-negative penalty, so a
# correct evaluation is accurate relative to the loss itself, ~(N + L) eps
# ~ 1e-14 for N <= 40 samples, except for absolute contributions bounded
# separately below. 1e-11 leaves a factor of ~1000 on that; the textbook formula
# -log(1 - p) loses eps / (1 - p) of relative accuracy, which passes for
# |logit| up to ~13 and fails, as SPEC's unstable-loss, where the logits
# saturate (the search draws weights up to 50).
LOSS_RTOL = 1e-11
# -log(p) with p rounded to float64 near 1: up to ~eps per sample, whatever the
# loss; times 64 for the sum's own rounding.
LOSS_ATOL = 64 * EPS
# Stable formulas that subtract two numbers of the logits' size,
# logsumexp(a) - a_t, or max(a, 0) - t a + log1p(exp(-|a|)), lose up to ~2 ulps
# of |a| per sample however small the loss; with the logit's own rounding (a
# few ulps of its magnitude bound M, manual_backprop.gradcheck.logit_magnitude),
# 8 ulps of the mean of max_k M_ik covers them. The rounding of the logits
# passed on through |dJ/da| is added as manual_backprop.gradcheck.loss_rounding.
# Measured on the corpus's correct submissions (as above): the loss error stays
# below 1.8e-2 of the whole tolerance, a margin of ~57; every planted mistake
# that changes the loss exceeds it by a factor of more than 1e10.
LOSS_LOGIT_ULPS = 8.0

# Finite differences of the submission's own loss (fourth-order stencil, see
# manual_backprop.gradcheck.directional_derivative) are accurate to ~eps^(4/5)
# ~ 3e-13 of the derivatives' size, plus the stencil's truncation estimate and
# the loss's rounding divided by the step, both added separately. 1e-6 of the
# gradient's size leaves room for a submission's less accurate loss, and is
# still a thousand times below what a wrong derivative changes.
FD_RTOL = 1e-6
