"""Property 5: the engine computes the reference's numbers.

``manual_backprop.Objective`` (``manual_backprop/engine.py``: working memory reused,
``Z_l`` over ``A_l``, ``h'`` from the outputs, a batch cut into parts run in threads)
against the reference ``manual_backprop.loss_and_grad`` (``network.py``: the formulas of
``docs/STUDY.md`` and nothing else), on the problems the oracle draws, with the parts
chosen automatically (one, on problems this small) and with 2 and 3 parts forced.

Tolerances (``backprop_oracle/tolerances.py``, section 1), and why they are not 0:

- one part: the loss is the same bits (the same forward pass and loss formulas); the
  gradient's sums are taken in another order (``1^T delta_l`` for ``delta_l.sum(axis=0)``)
  and ``h'`` comes from ``Z`` (``z (1 - z)``, exact to an absolute ~eps where ``h'(a)``
  is exact relatively): ``REORDERED_SUM_RTOL`` of the gradient's scale, the bound of the
  per-sample algorithm against the vectorised one, which differ in the same ways;
- several parts: each part's mean loss and gradient, weighted by the part's share of the
  rows, is the batch's mean summed in another order: the loss to ``OWN_LOSS_RTOL`` of
  itself (a mean of non-negative terms, no cancellation), the gradient as above.
"""

import pytest
from hypothesis import given

import manual_backprop as mb
from backprop_oracle.problems import Problem, problems
from backprop_oracle.tolerances import OWN_LOSS_RTOL, REORDERED_SUM_RTOL
from property_tests.reporting import assert_gradients_close, gradient_scale


@pytest.mark.parametrize("parts", [None, 2, 3], ids=["automatic", "2 parts", "3 parts"])
@given(problem=problems())
def test_engine_equals_reference(problem: Problem, parts: int | None) -> None:
    """Property 5: Objective's loss and gradient equal loss_and_grad's, in any parts."""
    W, X, T, sizes, lam, activation = problem.args
    n_samples = len(X)
    forced = None if parts is None else min(parts, n_samples)  # a part has one row at least
    fun = mb.Objective(X, T, sizes, lam, activation, parts=forced)
    J, grad = fun(W)
    J_ref, grad_ref = mb.loss_and_grad(*problem.args)
    if fun.parts == 1:
        assert J == J_ref, f"property 5, one part: loss, engine = {J!r}, reference = {J_ref!r}"
    else:
        assert J == pytest.approx(J_ref, rel=OWN_LOSS_RTOL, abs=0), (
            f"property 5, {fun.parts} parts: loss, engine = {J!r}, reference = {J_ref!r}, "
            f"tolerance {OWN_LOSS_RTOL:g} relative"
        )
    assert fun.loss(W) == J, "property 5: Objective.loss is not Objective()[0] bit for bit"
    assert_gradients_close(
        f"property 5 (engine in {fun.parts} part(s) == reference)", grad, grad_ref, sizes,
        REORDERED_SUM_RTOL, gradient_scale(*problem.args), ("engine", "reference"),
    )  # fmt: skip
