"""Every tolerance of the project, in one place, each derived once.

Three purposes, three sections; a value is named for its purpose, so that two
purposes never share a name (the loss of our own two implementations agrees
to ``OWN_LOSS_RTOL = 1e-13``; a student's loss is judged with
``LOSS_RTOL = 1e-11``, for reasons of its own):

1. **The project's implementations against each other** (the property tests
   and ``tests/test_agreement.py``): the hand-written package against its JAX
   twin, sums taken in another order, the complex step, finite differences.
2. **The project's implementations against numbers worked out exactly** (the
   unit tests): closed forms and the hand-worked network.
3. **Judging a submission** (the oracle): student code, which may compute in
   any valid order with plain formulas.

Notation: ``eps = 2**-52`` (the spacing of float64 at 1; one correctly rounded
operation errs by at most ``eps / 2`` of its result), ``N <= 40`` samples,
``L <= 6`` layers, widths ``n_l <= 12`` (the ranges of
:func:`backprop_oracle.problems.problems`).

Gradients are compared *normwise*: ``max|a - b| <= rtol * scale``, where
``scale`` is the size of the terms that were summed to make the gradient, not
the size of their sum (:func:`manual_backprop.gradcheck.gradient_scale`).
Measuring against the sum would make any comparison fail where the terms
cancel (a trained point, a softmax that is confidently right, a minimum where
data and penalty balance), for reasons that have nothing to do with the
derivative being right or wrong.

This module is shipped with the oracle, which reads section 3 only; the tests
import it too. It imports nothing but numpy.
"""

import numpy as np

__all__ = [
    "CLOSED_FORM_RTOL",
    "COMPLEX_STEP",
    "COMPLEX_STEP_RTOL",
    "EPS",
    "FD_ROUNDING_FACTOR",
    "FD_RTOL",
    "FD_TRUNCATION_FACTOR",
    "GRADIENT_ATOL",
    "GRADIENT_RTOL",
    "HAND_WORKED_RTOL",
    "LOSS_ATOL",
    "LOSS_ATOL_VS_JAX",
    "LOSS_LOGIT_ULPS",
    "LOSS_RTOL",
    "MANUAL_VS_JAX_RTOL",
    "OWN_LOSS_RTOL",
    "REORDERED_SUM_RTOL",
    "SAME_FORMULA_RTOL",
]

EPS = float(np.finfo(np.float64).eps)

# =============================================================================
# 1. The project's implementations against each other
# =============================================================================

# Two correct evaluations of the same sums in different orders (numpy's matmul
# against XLA's dot, scipy's expit against jax.nn.sigmoid). A gradient entry is a
# sum over N <= 40 samples of products through L <= 6 layers of sums over
# <= 12 units, each term carrying a relative error of a few eps from the
# activation functions. Worst-case rounding of such sums grows like
# (N + L * n) * eps ~ (40 + 72) * 2.2e-16 ~ 2.5e-14 of the scale; the chain of
# L layers multiplies that by at most L: ~1.5e-13, and 1e-12 would leave a
# factor ~7. Measured (python tests/test_agreement.py --cases 500, weights up to
# 30): 4.8e-13, above that estimate, so the margin is only ~2, the thinnest of
# this section; widening it would need a reason, not a failure.
MANUAL_VS_JAX_RTOL = 1e-12

# The same products summed in another order: per-sample against vectorised
# (samples accumulated one by one versus inside matmul), permuted or
# duplicated samples, permuted hidden units, the engine against the reference.
# Same bound as above without the second implementation's activation
# roundings: ~1e-13; 1e-12 leaves ~7x.
REORDERED_SUM_RTOL = 1e-12

# A loss is a mean of N non-negative terms plus a non-negative penalty: no
# cancellation, so its relative rounding error is at most ~(N + log terms) * eps
# ~ 45 * 2.2e-16 = 1e-14. 1e-13 leaves a factor ~10.
OWN_LOSS_RTOL = 1e-13
# Against JAX only: jax.nn.log_softmax takes log(sum(exp(A - max))) where the
# sum is 1 + s, so a confidently right sample's loss (~s) carries an absolute
# error of about eps (the rounding of 1 + s) instead of a relative one; the
# mean over samples keeps it below ~2 eps. 4 eps allows a factor 2.
LOSS_ATOL_VS_JAX = 4 * EPS

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

# =============================================================================
# 2. The project's implementations against numbers worked out exactly
# =============================================================================

# A closed form of a handful of float64 operations (a softplus at a saturated
# logit, log 2, a sum of a few squares) against our code's equivalent form:
# each side is at most two roundings (eps / 2 each) and one libm call (exp,
# log1p, cosh: within an ulp), ~2 eps of a value of its own size, so the two
# differ by at most ~4 eps = 8.9e-16 relative. 1e-15 (4.5 eps) rounds that up.
CLOSED_FORM_RTOL = 1e-15

# A loss and gradient written out as direct formulas on moderate logits
# (|a| <= 3, asserted where it is used), against JAX: both sides evaluate the
# same float64 expression in a different order, at most ~30 roundings of eps / 2
# on any path, and the naive log(1 - p) of the direct formula magnifies p's
# rounding by p / (1 - p) <= e^3 ~ 20. That bounds the relative difference (of
# the largest entry) by 20 * 30 * eps / 2 ~ 6.7e-14; measured: below 3 eps.
SAME_FORMULA_RTOL = 20 * 30 * EPS / 2

# The hand-worked 2-2-1 network (tests/test_hand_worked.py), entry by entry,
# relative to the size of the terms summed into that entry. Its inputs are
# exact binary fractions, so the first rounding is sigma(A_1): ~2 eps of each
# Z_1 (exp, an addition, a division). The derivative z (1 - z) magnifies z's
# rounding by z / (1 - z) <= 7.4 (z = sigma(2), the largest), ~15 eps; p - t,
# three products and the sum of two samples add ~7 eps: ~25 eps in all, 32 eps
# (7.1e-15) with room to spare. The loss, a sum of positive terms, is held to
# the same relative bound. Measured: at most 2.7 eps (loss_and_grad and the
# per-sample algorithm; the engine and JAX stay within 0.5 eps).
HAND_WORKED_RTOL = 32 * EPS

# =============================================================================
# 3. Judging a submission (the oracle)
# =============================================================================
#
# A submission is student code, not ours: it may compute in any valid order
# with plain formulas (``1 / (1 + exp(-a))``, ``h' = z (1 - z)``, ``P - T``,
# sums in Python loops). Each tolerance therefore allows every such correct
# computation by a wide margin, and is still far below the error any real
# mistake makes.

# Our two implementations differ by up to ~5e-13 of the gradient scale (see
# MANUAL_VS_JAX_RTOL), a per-sample loop by less. Naive but valid formulas
# add a few ulps per term: h' = z (1 - z) has an absolute error of ~eps where z
# is near 1, which the scale (|h'| times the terms it multiplies, maximised over
# the whole gradient) absorbs. Measured on the corpus's eleven correct
# submissions (vectorised, per-sample, class-based, transposed, three layouts;
# tests/measure_oracle_margins.py, 1000 problems each, weights up to 1e3): at
# most 4.8e-13, so 1e-10 leaves a factor of ~200 for styles the corpus lacks,
# while every mistake the oracle looks for changes some block by a relative
# amount of order 1, and at worst by 2 lam |b| / scale, ~1e-3 on the problems
# with lam >= 1e-3 that the search draws.
GRADIENT_RTOL = 1e-10
# Where the gradient's terms underflow (saturating weights: e^-a below 2.2e-308),
# each term is flushed to zero or kept as a subnormal with an absolute error of up
# to the smallest normal number, TINY = 2.2e-308, and the scale S itself may be 0.
# A gradient entry sums at most (N + L n) ~ 112 such terms; 128 TINY (2.8e-306)
# bounds their absolute error, and is allowed on top of GRADIENT_RTOL * S. No
# mistake hides below it: wherever S is above ~1e-295, GRADIENT_RTOL * S is larger.
GRADIENT_ATOL = 128 * float(np.finfo(np.float64).tiny)

# A correct evaluation of the loss is accurate to ~1e-14 of itself (see
# OWN_LOSS_RTOL), except for absolute contributions bounded separately below.
# 1e-11 leaves a factor of ~1000 on that for a student's order of operations;
# the textbook formula -log(1 - p) loses eps / (1 - p) of relative accuracy,
# which passes for |logit| up to ~13 and fails, as SPEC's unstable-loss, where
# the logits saturate (the search draws weights up to 50).
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

# Finite differences of the submission's own loss (the stencil of section 1)
# are accurate to ~eps^(4/5) ~ 3e-13 of the derivatives' size, plus the
# stencil's truncation estimate and the loss's rounding divided by the step,
# both added separately. 1e-6 of the gradient's size leaves room for a
# submission's less accurate loss, and is still a thousand times below what a
# wrong derivative changes.
FD_RTOL = 1e-6
