"""Property 6: training lowers the loss and stops where the gradient is small.

Training is slower than the other properties (hundreds of loss evaluations
per example), so it runs a quarter of the profile's examples on small
networks, and stays with smooth activations: L-BFGS-B assumes a
differentiable objective, and a ReLU network's kinks can stop its line search
legitimately far from a small gradient.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import manual_backprop as mb
from backprop_oracle.problems import Problem, activations, architectures, problems
from backprop_oracle.tolerances import OWN_LOSS_RTOL

# Options of the run: stop on the gradient alone (ftol = 0 turns off the
# relative-reduction test), with room for slow problems.
GTOL = 1e-6
OPTIONS = {"gtol": GTOL, "ftol": 0.0, "maxiter": 2000}


@settings(max_examples=max(10, settings.default.max_examples // 4))
@given(
    problems(
        sizes=architectures(max_hidden=2, max_width=6, max_inputs=3),
        activation=activations(smooth_only=True),
        max_samples=30,
        weight_scales=(0.1, 1.0),
        # lam > 0: with lam = 0 the loss of separable data has no minimum (it
        # keeps falling as the weights grow), so no point has a small gradient.
        lam=st.sampled_from([1e-3, 0.1, 10.0]),
    )
)
def test_train_lowers_the_loss_and_ends_at_a_small_gradient(problem: Problem) -> None:
    """Property 6: the loss never rises from one iteration to the next, ends below the
    start, and, unless the iteration limit stopped it (some random problems are
    that badly conditioned), the gradient at the returned point is at most gtol.
    A gradient that disagrees with the loss shows as a line search that fails
    far from a small gradient."""
    W, X, T, sizes, lam, activation = problem.args
    result = mb.train(X, T, sizes, lam, activation, W0=W, options=OPTIONS)
    losses = np.array(result.losses)
    # Each iteration's line search asks for a sufficient decrease; a rise larger
    # than the loss's own rounding would be a bug in the gradient or in train.
    rises = np.diff(losses) - OWN_LOSS_RTOL * losses[:-1]
    assert np.all(rises <= 0.0), (
        f"property 6: the loss rose at iteration {int(np.argmax(rises)) + 1}: "
        f"{losses[int(np.argmax(rises))]!r} -> {losses[int(np.argmax(rises)) + 1]!r}"
    )
    assert losses[-1] <= losses[0]
    if result.result.nit >= OPTIONS["maxiter"]:
        return
    _, grad = mb.loss_and_grad(result.W, X, T, sizes, lam, activation)
    assert np.max(np.abs(grad)) <= GTOL, (
        f"property 6: training stopped ({result.result.message}) at a gradient of size "
        f"{np.max(np.abs(grad)):.3g} > {GTOL:g} after {result.result.nit} iterations; "
        f"layer_sizes {sizes}, lam {lam}, activation {activation}"
    )
