"""Every tolerance of the property tests, in one place, each with its derivation.

Notation: ``eps = 2**-52`` (the spacing of float64 at 1; unit roundoff is
``eps / 2``), ``N`` samples, ``L`` layers, widths ``n_l <= 12``.

All gradient comparisons are *normwise*: ``max|a - b| <= rtol * scale`` where
``scale`` is the size of the terms that were summed to make the gradient, not
the size of their sum (see :func:`manual_backprop.gradcheck.gradient_scale`).
Measuring against the sum would make any comparison fail where the terms cancel
(a trained point, a softmax that is confidently right), for reasons that have
nothing to do with the derivative being right or wrong.
"""

import numpy as np

__all__ = [
    "COMPLEX_STEP",
    "COMPLEX_STEP_RTOL",
    "EPS",
    "FD_ROUNDING_FACTOR",
    "FD_TRUNCATION_FACTOR",
    "LOSS_ATOL_VS_JAX",
    "LOSS_RTOL",
    "MANUAL_VS_JAX_RTOL",
    "REORDERED_SUM_RTOL",
]

EPS = float(np.finfo(np.float64).eps)

# Two correct evaluations of the same sums in different orders (numpy's matmul
# against XLA's dot, scipy's expit against jax.nn.sigmoid). A gradient entry is a
# sum over N <= 40 samples of products through L <= 6 layers of sums over
# <= 12 units, each term carrying a relative error of a few eps from the
# activation functions. Worst-case rounding of such sums grows like
# (N + L * n) * eps ~ (40 + 72) * 2.2e-16 ~ 2.5e-14 of the scale; the chain of
# L layers multiplies that by at most L: ~1.5e-13. 1e-12 leaves a factor ~7.
MANUAL_VS_JAX_RTOL = 1e-12

# The same products summed in another order: per-sample against vectorised
# (samples accumulated one by one versus inside matmul), permuted or
# duplicated samples, permuted hidden units. Same bound as above without the
# second implementation's activation roundings: ~1e-13; 1e-12 leaves ~7x.
REORDERED_SUM_RTOL = 1e-12

# A loss is a mean of N non-negative terms plus a non-negative penalty: no
# cancellation, so its relative rounding error is at most ~(N + log terms) * eps
# ~ 45 * 2.2e-16 = 1e-14. 1e-13 leaves a factor ~10.
LOSS_RTOL = 1e-13
# Against JAX only: jax.nn.log_softmax takes log(sum(exp(A - max))) where the
# sum is 1 + s, so a confidently right sample's loss (~s) carries an absolute
# error of about eps (the rounding of 1 + s) instead of a relative one; the
# mean over samples keeps it below ~2 eps. 4 eps allows a factor 2.
LOSS_ATOL_VS_JAX = 4 * 2.0**-52

# Complex step: Im J(W + i h e_j) / h has truncation error h^2 |J'''| / 6, nil
# for h = 1e-200, and no subtractive cancellation, so it is exact to the
# rounding of one complex evaluation of the loss (a few eps of the scale); the
# manual gradient carries the same order of rounding. 1e-12 as above.
COMPLEX_STEP = 1e-200
COMPLEX_STEP_RTOL = 1e-12

# Finite differences (fourth-order stencil, step h = eps^(1/5) ~ 7e-4, see
# manual_backprop.gradcheck.directional_derivative): the estimate's error is
#   truncation, ~ h^4 |J^(5)| / 30. The stencil is also evaluated at 2h, whose
#     error is 16 times larger, so |F(2h) - F(h)| ~ 15 times the error of F(h);
#     allowing FD_TRUNCATION_FACTOR = 1 times that difference leaves a 15-fold
#     margin for a fifth derivative not yet in its asymptotic regime;
#   rounding: each loss value carries an error of at most
#     manual_backprop.gradcheck.loss_rounding (the loss's own arithmetic and
#     the rounding of its logits, ~64 ulps of each), amplified by the stencil's
#     weights (1 + 8 + 8 + 1) / 12 = 1.5 and divided by h; rounded up to 2.
FD_TRUNCATION_FACTOR = 1.0
FD_ROUNDING_FACTOR = 2.0
