"""The search: Hypothesis draws problems, the submission fails some, and each failure shrinks.

The search space is the oracle's own (:mod:`.problems`), widened to weights of
1e3 and ordered so that a failure shrinks towards ``lam = 0`` and towards the
smallest network, the fewest samples and the plainest weights. Every kind of
failure (one exception class per kind) is shrunk to its own smallest example.

Time: the check of one file has one deadline (``--file-timeout``). The search
draws new problems during the first :data:`SEARCH_SHARE` of it, shrinks a
failure until :data:`SHRINK_SHARE` of it (and for at most
:data:`SHRINK_SECONDS`), and leaves the rest to the finite differences and the
diagnosis at the counterexample. A search stopped by its budget before
:func:`minimum_examples` problems were judged is not enough for a pass
(:attr:`Search.ran_out`).
"""

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from backprop_oracle.findings import KINDS, Case, Finding
from backprop_oracle.problems import WEIGHT_SCALES, Problem, architectures, problems
from backprop_oracle.rubric import Family

__all__ = [
    "LAMS",
    "MIN_EXAMPLES",
    "ORACLE_WEIGHT_SCALES",
    "SCALES",
    "SEARCH_SHARE",
    "SHRINK_SECONDS",
    "SHRINK_SHARE",
    "Search",
    "StopSearch",
    "closure_weights",
    "family_problems",
    "fixed_problems",
    "minimum_examples",
]

#: Stop looking for a smaller counterexample this long after the first failure.
SHRINK_SECONDS = 30.0
#: New problems are drawn during this share of the file's time budget.
SEARCH_SHARE = 0.5
#: Shrinking stops at this share of the file's time budget; the rest is left for
#: the finite differences and the diagnosis at the counterexample (a few dozen calls).
SHRINK_SHARE = 0.8
#: No file passes on fewer examples than this (or than ``--examples``, when that
#: is smaller): a search its time budget cut shorter proves too little. Measured
#: on the corpus (``tests/oracle_corpus/wrong``), as the number of examples judged
#: up to the first failure: every planted mistake but one family showed within 7
#: examples over seeds 0 to 9; a loss that is not computed stably from the logits
#: needs saturating weights with the right architecture, and over seeds 0 to 39
#: took up to 77 examples (unstable_loss_vectorised.py) and up to 181
#: (softmax_without_max_subtraction_vectorised.py): 7 of those 40 searches would
#: have passed that file at 50 examples, 2 at 100. A correct file is checked on
#: 100 examples in about 2 s on this project's 2-core machine.
MIN_EXAMPLES = 100
#: lam for the search, in the order a failure shrinks towards: 0 first, then 0.1,
#: where a penalty mistake changes the numbers plainly, and the extremes last.
LAMS = (0.0, 0.1, 1e-3, 10.0, 1e3, 1e-8)
#: Weight scales for the search: the property tests' (1e-3 to 50), and 1e3, whose
#: logits (beyond 709, where exp overflows) show a loss that is not computed from
#: the logits stably even behind sigmoid hidden layers, whose outputs are at most 1.
ORACLE_WEIGHT_SCALES = (*WEIGHT_SCALES, 1e3)


#: Weight scales of "ordinary" problems (whose logits are then also bounded by
#: :data:`~backprop_oracle.rubric.ORDINARY_LOGIT`) and of "saturating" ones.
SCALES = {"ordinary": (1.0, 1e-3, 0.1, 3.0), "saturating": (1e3, 50.0, 10.0)}


def _lams(low: float, high: float) -> tuple[float, ...]:
    """The search's values of ``lam`` within ``[low, high]``, and both ends of it."""
    values = [lam for lam in LAMS if low <= lam <= high]
    if low not in values:
        values.insert(0, low)
    if high not in values:
        values.append(high)
    return tuple(values)


def family_problems(sources: list[tuple[str, Family]]) -> st.SearchStrategy[Problem]:
    """Problems for ``loss_and_grad(W, X, T, layer_sizes, lam)`` from each ``(activation, family)``.

    Binary targets are floats of shape ``(N,)``, multiclass ones one-hot rows
    of shape ``(N, K)``; each family's hidden activation is its own.
    The bound on the logits of a weight scale is the caller's to enforce
    (it needs the forward pass).
    """
    strategies = [
        problems(
            sizes=architectures(
                min_hidden=family.hidden[0],
                max_hidden=family.hidden[1],
                output_sizes=family.output_sizes(),
            ),
            activation=st.just(activation),
            lam=st.sampled_from(_lams(*family.lam)),
            weight_scales=SCALES[family.weights],
            binary_forms=("floats",),
            multiclass_forms=("one-hot",),
        )
        for activation, family in sources
    ]
    return st.one_of(strategies)


def fixed_problems(
    sources: list[tuple[Problem, str]],
) -> st.SearchStrategy[Problem]:
    """Problems on fixed data: each source's ``X``, ``T``, layer sizes, ``lam`` and
    activation (a ``fun(W)``'s inferred problem), with weights drawn at the scales of
    the weights kind (``ordinary`` or ``saturating``) given beside it.

    ``W`` is uniform in [-1, 1]^n times a scale, from a drawn seed: a failure shrinks
    towards the first scale and the smallest seed.
    """
    strategies = [
        st.builds(
            _fixed,
            st.just(problem),
            st.sampled_from(SCALES[weights]),
            st.integers(0, 2**32 - 1),
        )
        for problem, weights in sources
    ]
    return st.one_of(strategies)


def _fixed(problem: Problem, scale: float, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    return problem.with_(W=rng.uniform(-1.0, 1.0, problem.W.size) * scale)


def closure_weights(n: int) -> st.SearchStrategy[tuple[int, float, int]]:
    """``(n, scale, seed)`` for a ``fun(W)`` whose ``W`` has ``n`` entries."""
    return st.tuples(st.just(n), st.sampled_from(ORACLE_WEIGHT_SCALES), st.integers(0, 2**32 - 1))


def minimum_examples(examples: int) -> int:
    """The fewest examples a file may pass on, when ``examples`` were asked for."""
    return min(examples, MIN_EXAMPLES)


class StopSearch(BaseException):
    """Ends the search at once: a hang, garbled answers, or the time budget.

    A BaseException, so that Hypothesis neither shrinks nor catches it.
    ``finding`` says why, when the submission is the cause.
    """

    def __init__(self, finding: Finding | None = None) -> None:
        super().__init__(finding.message if finding else "the search's time budget ran out")
        self.finding = finding


class _CaseFailed(Exception):
    """A drawn problem failed; one subclass per finding kind, so that
    Hypothesis shrinks each kind of failure separately."""


_FAILED = {kind: type(f"Failed[{kind}]", (_CaseFailed,), {}) for kind in KINDS}


class Search:
    """One search over a strategy: what failed, and the smallest case of each kind.

    Parameters
    ----------
    seed : int
        Hypothesis's seed: the same seed draws the same problems.
    max_examples : int
        How many problems to draw at most.
    search_until : float
        ``time.monotonic()`` after which no new problem is drawn.
    shrink_until : float
        ``time.monotonic()`` after which a failure is not shrunk further (also
        :data:`SHRINK_SECONDS` after the first failure).
    """

    def __init__(
        self, seed: int, max_examples: int, search_until: float, shrink_until: float
    ) -> None:
        self.seed = seed
        self.max_examples = max_examples
        self.search_until = search_until
        self.shrink_until = shrink_until
        #: The smallest case seen for each kind of finding.
        self.failures: dict[str, Case] = {}
        #: How many problems the submission was judged on.
        self.examples = 0
        self.first_failure: float | None = None
        #: Why the search stopped early, when the submission made it stop, and when.
        self.stopped: Finding | None = None
        self.stopped_phase = "the search"
        #: True when the time budget ended the search before any failure.
        self.ran_out = False

    @property
    def phase(self) -> str:
        """What the search is doing: drawing problems, or shrinking a failure."""
        return "the search" if self.first_failure is None else "shrinking the counterexample"

    def remember(self, case: Case) -> None:
        """Keep, for every kind of finding, the smallest case that has it.

        Later cases win ties: they come from the shrinker. Hypothesis shrinks
        by a case's most important kind; a kind that only ever appears beside a
        more important one keeps the smallest case it was seen in.
        """
        if self.first_failure is None:
            self.first_failure = time.monotonic()
        for kind in {f.kind for f in case.findings}:
            best = self.failures.get(kind)
            if best is None or case.size <= best.size:
                self.failures[kind] = case

    def _in_budget(self) -> bool:
        """Whether another problem may be judged now; records a search cut short."""
        now = time.monotonic()
        if self.first_failure is None:
            self.ran_out = now > self.search_until
            return not self.ran_out
        return now <= min(self.shrink_until, self.first_failure + SHRINK_SECONDS)

    def run(self, strategy: st.SearchStrategy[Any], evaluate: Callable[[Any], Case]) -> None:
        """Run Hypothesis over ``strategy``; failing cases are remembered, then shrunk.

        ``evaluate`` judges one drawn value; it may reject it (Hypothesis's
        ``assume``) or raise :class:`StopSearch`.
        """

        @settings(
            max_examples=self.max_examples,
            database=None,  # write nothing to the current folder
            deadline=None,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
            # Shrink every kind of failure to its own smallest example (one
            # exception class per kind), not only the one Hypothesis finds smallest.
            report_multiple_bugs=True,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @hypothesis_seed(self.seed)
        @given(strategy)
        def run(drawn: Any) -> None:
            if not self._in_budget():
                raise StopSearch
            case = evaluate(drawn)  # may reject the problem (Hypothesis's assume)
            self.examples += 1
            if case.findings:
                self.remember(case)
                raise _FAILED[case.kind]

        try:
            run()
        except _CaseFailed:
            pass
        except StopSearch as stop:
            self.stopped, self.stopped_phase = stop.finding, self.phase
        except ExceptionGroup as group:  # several kinds of failure, each shrunk (or flaky)
            if group.split((_CaseFailed, Flaky))[1] is not None:
                raise  # something else went wrong: a bug of the oracle's, not the submission's
        except Flaky:
            # The submission answered the same problem differently on a replay;
            # the failures remembered so far (not-repeatable among them) stand.
            pass
