"""The properties that call JAX: many problems per compiled program, fewer networks under ci.

``jax_reference`` compiles one XLA program per signature: ``layer_sizes``, ``activation``,
``output`` and the shapes of ``W``, ``X`` and ``T``. A compilation takes 0.3 to 0.5 s on
a two-core machine; a call of a program already compiled takes about 1 ms. JAX functions
called outside ``jax.jit`` (``jr.sigmoids_cross_entropy``) compile each of their
operations once per shape in the same way, and running the twin eagerly is no cheaper
(6 times slower, measured). The oracle's networks are almost all new (1 to 40 samples, 0
to 5 hidden layers of 1 to 12 units), so a property that calls JAX once per example
spends nearly all its time compiling.

The targets and ``lam`` are not part of the signature: the twin validates every target
form of an output kind into the same float64 array (``(N,)`` for one output, ``(N, K)``
rows otherwise, ``(N, K)`` always for ``output="sigmoids"``), and ``lam`` is a traced
scalar. So each of these properties checks its drawn problem in *every* target form
(:func:`every_target_form`), all on one compiled program, and draws fewer networks under
the ``ci`` profile (:func:`ci_examples`): 50 networks in their 4 to 6 forms each make 200
to 300 problems, as many as the 200 drawn in one form each or more, for a quarter of the
compilations. The loss of K sigmoid outputs against its columns likewise checks each
drawn shape of logits at all 6 logit scales with both kinds of targets: 50 shapes make
600 cases, against 200 before. Fewer distinct networks (and shapes) is the price, and the
reason it is paid under ``ci`` only: the other profiles (``dev``, ``thorough``) keep their
numbers of examples, and check every form as well.
"""

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import settings

from backprop_oracle.problems import (
    BINARY_TARGET_FORMS,
    MULTICLASS_TARGET_FORMS,
    Problem,
    random_targets,
)

__all__ = ["CI_NETWORKS", "ci_examples", "every_oracle_target_form", "every_target_form"]

# Networks drawn under the ci profile by a property that compiles JAX for each (the
# profile's default is 200): every one is checked in each of its 4 to 6 target forms.
CI_NETWORKS = 50

Targets = Callable[[np.random.Generator, str, int, int], Any]


def ci_examples(max_examples: int = CI_NETWORKS) -> settings:
    """``max_examples`` under the ``ci`` profile; under any other, the profile unchanged.

    The profile is the one ``conftest.py`` loads, named by ``HYPOTHESIS_PROFILE``.
    """
    if os.environ.get("HYPOTHESIS_PROFILE", "dev") == "ci":
        return settings(max_examples=max_examples)
    return settings()


def every_target_form(
    problem: Problem, forms: Sequence[str], targets: Targets, seed: int
) -> list[Problem]:
    """The drawn problem, then the same network and data with targets in each other form.

    Parameters
    ----------
    problem : Problem
        As drawn; its ``target_form`` is one of ``forms``.
    forms : sequence of str
        Every target form of the problem's output.
    targets : callable
        ``targets(rng, form, n_samples, n_outputs)``, the targets of one form.
    seed : int
        Seeds the generator of the other forms' targets.

    Returns
    -------
    list of Problem
        One problem per form, the drawn one first.
    """
    rng = np.random.default_rng(seed)
    n_samples, n_outputs = problem.X.shape[0], problem.layer_sizes[-1]
    others = [
        problem.with_(T=targets(rng, form, n_samples, n_outputs), target_form=form)
        for form in forms
        if form != problem.target_form
    ]
    return [problem, *others]


def every_oracle_target_form(problem: Problem, seed: int) -> list[Problem]:
    """:func:`every_target_form` over the oracle's forms for the problem's output
    (``BINARY_TARGET_FORMS`` for one unit, ``MULTICLASS_TARGET_FORMS`` for more)."""
    forms = BINARY_TARGET_FORMS if problem.layer_sizes[-1] == 1 else MULTICLASS_TARGET_FORMS
    return every_target_form(problem, forms, random_targets, seed)
