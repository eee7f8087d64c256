"""Checking one submission: the order of the work, the calls, and the verdicts of its parts.

A file is judged in the parts of a rubric (:mod:`.rubric`). The order of work:

1. read its source (its SHA-256 gives the seed, unless ``--seed`` is given) and
   scan it for forbidden imports;
2. start a worker (:mod:`.sandbox`) per function the rubric names, which
   imports the file and finds the function; a function it lacks makes its
   parts "not implemented";
3. with ``--layout auto`` or ``--activation auto``, find the layout and the
   activation the function's numbers fit (:mod:`.layout_detection`,
   :mod:`.activation_detection`), on the problems of its first part it answers;
4. for each part with problems, in the rubric's order: draw problems of the
   part's family (:mod:`.problems`) through Hypothesis (:mod:`.search`) and,
   for each, call the submission twice (the same bits twice: it is pure) and
   compare with the reference (:func:`manual_backprop.loss_and_grad`) by the
   rules of :mod:`.rules`; the first failing problem is shrunk to the smallest
   one that still fails the same way. A submission that raises on the first
   :data:`REFUSALS` problems of a part, answering none, has not implemented it;
5. at the part's smallest counterexample, compare the submission's gradient
   with finite differences of its *own* loss, which separates "your gradient
   is wrong" from "your gradient is right, but for another loss", and name
   the known mistake that explains its numbers (:mod:`.diagnosis`), on
   diagnostic problems of the part's own family;
6. a ``contract`` part judges every call the other parts made: changed
   inputs, a second call that differs, a reply of the wrong form, a
   non-finite result on ordinary problems;
7. collect what the worker's guard refused (forbidden imports, writes,
   processes, network) and what the submission patched: findings of the
   whole file, which void every part's points.

A failure, crash, timeout or refusal in one part never stops the others: a
hang ends the part (and restarts the worker for the next one).

A one-argument ``fun(W)`` (the exercise's closure style) gets steps 1 and 2,
the purity and repeatability checks, and the finite differences at every drawn
``W``; its one part's verdict is at best ``consistent``, never ``pass``, and it
scores nothing.

Time: every part shares one deadline per file (``Options.file_timeout``); a
part may use its share of what is left (what is left, over the parts still to
run), drawing problems for :data:`~backprop_oracle.search.SEARCH_SHARE` of it
and shrinking until :data:`~backprop_oracle.search.SHRINK_SHARE`. A search
cut short before :func:`~backprop_oracle.search.minimum_examples` problems is
a ``timeout`` finding: a part never passes on a handful of examples.

Whatever goes wrong in the oracle itself while it checks a file, the file gets
the verdict ``error`` (:func:`check_file` never raises); so does a file that
is not a regular file of its own (a FIFO, a device, a folder, a symbolic
link), and any file when the sandbox cannot be set up and ``--no-sandbox`` was
not given.
"""

import hashlib
import math
import os
import re
import shutil
import stat
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import assume
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle._worker import AUTODIFF, PROJECT
from backprop_oracle.activation_detection import detect_activation
from backprop_oracle.conventions import Answer, Encoding, detect_encoding, encodings
from backprop_oracle.diagnosis import diagnose, diagnostic_problems
from backprop_oracle.findings import INFORMATIVE, KINDS, Case, Finding, PartResult, Result
from backprop_oracle.inert import PathHider, display_name
from backprop_oracle.inference import Inferred, NotInferred, infer_problem
from backprop_oracle.jail import DataFolder, data_files
from backprop_oracle.layout_detection import detect_layout
from backprop_oracle.layouts import to_layout
from backprop_oracle.notebook import NOTEBOOK_SUFFIX, NotebookError, code_cells, write_cells
from backprop_oracle.problems import Problem
from backprop_oracle.rubric import ORDINARY_LOGIT, Family, Part, default_rubric
from backprop_oracle.rules import (
    NoDerivative,
    compare_gradient,
    compare_loss,
    fd_coordinates,
    loss_tolerance,
    non_finite,
    on_a_kink,
    self_consistency,
)
from backprop_oracle.sandbox import Reply, Worker, resolve_backend, sandbox_available
from backprop_oracle.search import (
    SEARCH_SHARE,
    SHRINK_SHARE,
    Search,
    StopSearch,
    closure_weights,
    family_problems,
    fixed_problems,
    minimum_examples,
)
from backprop_oracle.submission import Submission
from manual_backprop.data import DATA_DIR
from manual_backprop.gradcheck import gradient_scale, loss_rounding, relu_piece

__all__ = [
    "DEFAULT_EXAMPLES",
    "FILE_SECONDS",
    "MAX_SOURCE_BYTES",
    "NOTEBOOK_SECONDS",
    "REFUSALS",
    "CannotJudge",
    "Options",
    "check_file",
    "file_seed",
]

Array = NDArray[np.float64]

#: Failures about the numbers, which a known mistake may explain.
NUMERIC_KINDS = frozenset({"loss-mismatch", "gradient-mismatch", "non-finite"})
#: Findings that break the contract but say nothing of the numbers: they fail
#: only the ``contract`` part (a part that checks numbers goes on searching).
CONTRACT_ONLY = frozenset({"mutates-input", "not-repeatable"})
#: What a ``contract`` part judges, over every call of the other parts
#: (``non-finite`` only on ordinary problems: at saturating weights it is the
#: ``stability`` part's).
CONTRACT_KINDS = CONTRACT_ONLY | {"bad-return", "non-finite"}
#: A part whose first this-many problems all raise, none answered, is "not implemented".
REFUSALS = 10
#: Problems per part, unless the rubric or ``--examples`` says otherwise.
DEFAULT_EXAMPLES = 100
#: What a worker's reply status means, as a finding kind.
_STATUS_KINDS = {
    "exit": "crash",
    "exception": "crash",
    "died": "crash",
    "memory": "memory",
    "bad-return": "bad-return",
}


#: Default deadline for one file, every part and phase included (``--file-timeout``).
#: A correct file is checked with the default rubric in about 5 s on this project's
#: 2-core machine (see the README); over twenty times that leaves a correct file
#: time to finish on a machine loaded several times over, and a wrong one time to
#: be shrunk and diagnosed in each part.
FILE_SECONDS = 120.0
#: A submission larger than this is not read (no exercise answer comes near it).
MAX_SOURCE_BYTES = 4 << 20
#: Default time for running a notebook's cells (``--notebook-timeout``), added to the
#: file's deadline. The corpus's notebooks (tests/notebook_corpus) each run their
#: cells, minimize included, in a few seconds (see the README); a student's notebook
#: that trains every exercise to convergence with per-sample loops takes far longer,
#: and a worker restarted after a crash runs the cells again.
NOTEBOOK_SECONDS = 120.0
#: ``W`` drawn for the diagnosis of a ``fun(W)`` on its own data: this many, each
#: scaled down until no logit exceeds DIAGNOSTIC_LOGIT (unsaturated, where every known
#: mistake shows in the numbers and the loss keeps all its digits).
DIAGNOSTIC_DRAWS = 6
DIAGNOSTIC_LOGIT = 4.0


@dataclass(frozen=True)
class Options:
    """How to check: the command line's options.

    ``parts`` is the rubric, narrowed (None: the default rubric);
    ``function`` and ``activation`` apply to the parts that do not fix their
    own (``activation`` may be ``auto``); ``examples`` overrides every part's
    number of problems; ``timeout`` bounds the import and each call,
    ``file_timeout`` the whole check of one file; ``sandbox`` is the backend
    (``auto``, ``bwrap``, ``unshare``), used unless ``isolate`` is False
    (``--no-sandbox``); ``seed`` None derives the seed from the file.
    ``notebook_timeout`` bounds the run of a notebook's cells; ``data`` is the
    data folder (None: the data files beside the submission; ``seed``: the
    exercise's own files; else a folder). ``convention`` is the interface the
    file is written in (:mod:`.conventions`; ``function`` then names its
    function, or its class for ``cs231n``), ``penalty_factor`` CS231n's
    (None: detected).
    """

    function: str = "loss_and_grad"
    activation: str = "sigmoid"
    layout: str = "canonical"
    examples: int | None = None
    seed: int | None = None
    timeout: float = 10.0
    memory: int = 2 << 30
    allow_autodiff: bool = False
    isolate: bool = True
    file_timeout: float = FILE_SECONDS
    sandbox: str = "auto"
    parts: tuple[Part, ...] | None = None
    notebook_timeout: float = NOTEBOOK_SECONDS
    data: str | None = None
    convention: str = "spec"
    penalty_factor: float | None = None
    #: The parts for a CS231n class taking ``hidden_dims``, narrowed (None: the
    #: convention's default, or ``parts`` when a rubric was given).
    deep_parts: tuple[Part, ...] | None = None

    def rubric(self, deep: bool = False) -> list[Part]:
        """The parts to judge: the rubric given, else the convention's (``deep``: for a
        CS231n class that takes a list of hidden sizes)."""
        if deep and self.deep_parts is not None:
            return list(self.deep_parts)
        if self.parts is not None:
            return list(self.parts)
        if self.convention == "cs231n" and deep:
            return default_rubric("cs231n-deep")
        return default_rubric(self.convention)


class CannotJudge(Exception):
    """The oracle cannot judge this file; the message says why (the verdict ``error``)."""


class _NotImplemented(StopSearch):
    """A part's first problems were all refused: it is not implemented."""


def file_seed(source: bytes) -> int:
    """The seed of a file's check when none is given: from its content, so the same
    file always gets the same problems and the same report."""
    return int.from_bytes(hashlib.sha256(source).digest()[:4], "big")


def _part_seed(seed: int, name: str) -> int:
    """Each part's own seed, from the file's: parts draw independently."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{name}".encode()).digest()[:4], "big")


def _during(finding: Finding, phase: str) -> Finding:
    """``finding`` with the phase it stopped named in its message and details."""
    if "phase" in finding.details:
        return finding
    return Finding(
        finding.kind, f"during {phase}: {finding.message}", {**finding.details, "phase": phase}
    )


def _jsonable(array: Array) -> Any:
    """An array as nested lists, non-finite values as strings (JSON has no NaN)."""
    if array.ndim == 0:
        value = float(array)
        return value if math.isfinite(value) else str(value)
    return [_jsonable(a) for a in array]


def _family_arguments(family: Family) -> dict[str, Any]:
    """``family`` as the keyword arguments of the diagnosis and the detections."""
    return {"hidden": family.hidden, "outputs": family.outputs, "lam_range": family.lam}


@dataclass(frozen=True)
class _Source:
    """A family a part draws problems from, and the activation they are judged in."""

    family: Family
    activation: str
    #: A ``fun(W)``'s problem, inferred: its data are fixed, only ``W`` is drawn.
    fixed: Inferred | None = None


class _PartCheck:
    """Checking one part: its search, its counterexample, its diagnosis and its verdict.

    Parameters
    ----------
    part : Part
        The part, narrowed.
    submission : Submission
        The part's function, started.
    sources : list of _Source
        The families of problems to draw (one, or those of the parts a
        ``like`` part takes).
    options : Options
        How to check.
    seed : int
        The part's seed.
    share : float
        The seconds this part may use from now on.
    """

    def __init__(
        self,
        part: Part,
        submission: Submission,
        sources: list[_Source],
        options: Options,
        seed: int,
        share: float,
    ) -> None:
        self.part = part
        self.submission = submission
        self.sources = sources
        self.options = options
        self.seed = seed
        self.share = share
        # A part that takes several parts' families (stability) draws as many problems
        # for each of them as a part of its own: a weakness one family alone shows
        # (an unstable softmax) is not diluted by the others.
        self.examples = (options.examples or part.examples or DEFAULT_EXAMPLES) * max(
            1, len(sources)
        )
        now = time.monotonic()
        self.search = Search(
            seed,
            self.examples,
            search_until=now + SEARCH_SHARE * share,
            shrink_until=now + SHRINK_SHARE * share,
        )
        self.findings: list[Finding] = []
        #: The smallest case seen of each contract kind (see :data:`CONTRACT_KINDS`).
        self.contract: dict[str, Case] = {}
        #: Problems answered (a reply of any form but an exception), and the refusals
        #: (exceptions) met before the first answer.
        self.answered = 0
        self.refusals: list[str] = []
        #: Replies that held numbers (the contract part's evidence).
        self.replied = 0
        self.not_implemented = False
        self.counterexample: dict[str, Any] | None = None
        #: What the check is doing now, for a timeout's message.
        self.phase = "the search"

    # ---------------------------------------------------------------- cases

    def _add_once(self, finding: Finding | None) -> None:
        if finding is not None and all(f.kind != finding.kind for f in self.findings):
            self.findings.append(finding)

    def _contract(self, case: Case, finding: Finding) -> None:
        """Keep ``case`` as the contract part's evidence of ``finding``, when it is the smallest."""
        best = self.contract.get(finding.kind)
        if best is None or case.size < best.size:
            self.contract[finding.kind] = Case(
                case.W,
                case.X,
                case.T,
                case.layer_sizes,
                case.lam,
                case.activation,
                [finding],
                loss=case.loss,
                reference_loss=case.reference_loss,
            )

    def reply_findings(self, case: Case, reply: Reply) -> bool:
        """Findings from one reply's form; True when its numbers can be compared."""
        if reply.status in _STATUS_KINDS:
            prefix = {"memory": "ran out of memory: ", "bad-return": ""}.get(reply.status, "")
            case.findings.append(Finding(_STATUS_KINDS[reply.status], prefix + reply.message))
        elif reply.status != "ok":
            case.findings.append(Finding("crash", f"unexpected worker status {reply.status!r}"))
        if reply.mutated:
            names = ", ".join(reply.mutated)
            case.findings.append(
                Finding("mutates-input", f"the call changed its argument(s) {names} in place")
            )
        if reply.status != "ok":
            return False
        assert reply.loss is not None
        assert reply.grad is not None
        if (finding := non_finite(reply.loss, reply.grad)) is not None:
            case.loss, case.grad = reply.loss, reply.grad
            case.findings.append(finding)
            return False
        return True

    def repeat(self, case: Case, first: Reply) -> None:
        """Call again with the same arguments: a pure function returns the same bits."""
        second = self.submission.call(case.W, case.X, case.T, case.layer_sizes, case.lam)
        if not _same(first, second):
            case.findings.append(
                Finding(
                    "not-repeatable",
                    "two calls with the same arguments returned different results "
                    f"(loss {first.loss!r}, then {second.loss!r})",
                )
            )

    def _sort_out(self, case: Case) -> Case:
        """Move the findings that only break the contract to the contract's evidence."""
        ordinary = self.part.family.weights == "ordinary"
        for finding in case.findings:
            if finding.kind in CONTRACT_ONLY or (
                finding.kind in CONTRACT_KINDS and (ordinary or self.submission.style == "closure")
            ):
                self._contract(case, finding)
        case.findings = [f for f in case.findings if f.kind not in CONTRACT_ONLY]
        return case

    def evaluate(self, problem: Problem) -> Case:
        """Put one problem to the submission and compare with the reference."""
        output = self.submission.output
        case = Case(
            np.asarray(problem.W, dtype=np.float64),
            np.asarray(problem.X, dtype=np.float64),
            np.asarray(problem.T, dtype=np.float64),
            list(problem.layer_sizes),
            float(problem.lam),
            problem.activation,
            output=output,
        )
        args = (case.W, case.X, case.T, case.layer_sizes, case.lam, case.activation)
        try:
            with np.errstate(all="ignore"):
                logits = mb.forward(case.W, case.X, case.layer_sizes, case.activation)
            largest = float(np.max(np.abs(logits)))
        except ValueError:  # the logits overflow float64: saturated beyond any doubt
            largest = math.inf
        if self.part.family.weights == "ordinary":
            assume(largest <= ORDINARY_LOGIT)
        else:
            assume(not largest <= ORDINARY_LOGIT)  # beyond it, or not even finite
        try:
            reference_loss, reference_grad = mb.loss_and_grad(*args, output=output)
        except ValueError:  # the loss overflows float64 here: no reference to compare with
            assume(False)
        case.reference_loss, case.reference_grad = reference_loss, reference_grad
        # relu'(0) may be taken as 0 (the reference) or 1 (SPEC section 1): both are
        # right, so a problem with a hidden pre-activation exactly at 0 decides nothing.
        assume(not (case.activation == "relu" and on_a_kink(case.W, case.X, case.layer_sizes)))
        first = self.submission.call(case.W, case.X, case.T, case.layer_sizes, case.lam)
        if first.status == "exception" and self.answered == 0:
            # Raised before any answer: a problem the file was not written for.
            self.refusals.append(first.message)
            if len(self.refusals) >= REFUSALS:
                self.not_implemented = True
                raise _NotImplemented
            assume(False)
        self.answered += 1
        self.replied += first.status == "ok"
        if not self.reply_findings(case, first):
            return self._sort_out(case)
        self.repeat(case, first)
        assert first.loss is not None
        assert first.grad is not None
        case.loss, case.grad = first.loss, first.grad
        tolerance = loss_tolerance(reference_loss, *args, output=output)
        loss = compare_loss(first.loss, reference_loss, tolerance)
        case.scale = gradient_scale(*args, output=output)
        gradient = compare_gradient(first.grad, reference_grad, case.layer_sizes, case.scale)
        case.loss_ratio, case.gradient_ratio = loss.ratio, gradient.ratio
        case.blocks = gradient.blocks
        case.findings += [f for f in (loss.finding, gradient.finding) if f is not None]
        return self._sort_out(case)

    def evaluate_closure(self, drawn: tuple[int, float, int]) -> Case:
        """Put one ``W`` to a ``fun(W)`` submission: form, purity, repeatability, consistency.

        ``drawn`` is ``(length of W, scale, seed)``; the seed also picks the
        two coordinates checked against finite differences.
        """
        n, scale, seed = drawn
        rng = np.random.default_rng(seed)
        W = rng.uniform(-1.0, 1.0, n) * scale
        empty = np.zeros((0, 0))
        case = Case(W, empty, np.zeros(0), [], 0.0)
        first = self.submission.call(W, empty, case.T, [], 0.0)
        self.answered += 1
        if not self.reply_findings(case, first):
            return case
        self.repeat(case, first)
        case.loss, case.grad = first.loss, first.grad
        coordinates = rng.choice(n, size=min(2, n), replace=False)
        self.self_consistency(case, [int(i) for i in coordinates])
        return case

    def self_consistency(self, case: Case, coordinates: list[int]) -> None:
        """Compare the submission's gradient with finite differences of its own loss."""
        assert case.loss is not None
        assert case.grad is not None

        def own_loss(W: Array) -> float:
            reply = self.submission.call(W, case.X, case.T, case.layer_sizes, case.lam)
            if reply.status != "ok" or reply.loss is None or not math.isfinite(reply.loss):
                raise NoDerivative
            return reply.loss

        piece, rounding = None, 0.0
        if self.submission.style != "closure":
            args = (case.W, case.X, case.T, case.layer_sizes, case.lam, case.activation)
            rounding = loss_rounding(*args, output=self.submission.output)
            if case.activation == "relu":
                piece = relu_piece(case.X, case.layer_sizes)
        finding = self_consistency(
            own_loss,
            case.W,
            case.loss,
            case.grad,
            coordinates,
            layer_sizes=case.layer_sizes,
            scale=case.scale,
            rounding=rounding,
            piece=piece,
        )
        if finding is not None:
            case.findings.append(finding)

    # ------------------------------------------------------------------ phases

    def run(self) -> None:
        """The search, then the conclusions; findings accumulate in ``self.findings``.

        A hang, tampering or the file's deadline ends the part wherever it
        happens, with a finding that names the phase.
        """
        try:
            if self.submission.style == "closure":
                self._closure()
            else:
                if self.sources[0].fixed is not None:
                    strategy = fixed_problems(
                        [(_problem_of(s.fixed), s.family.weights) for s in self.sources if s.fixed]
                    )
                else:
                    strategy = family_problems([(s.activation, s.family) for s in self.sources])
                self.search.run(strategy, self.evaluate)
                if self.not_implemented or (self.answered == 0 and self.refusals):
                    self.not_implemented = True
                    return
                self._searched()
            self.conclude()
        except StopSearch as stop:
            self._stop(stop)

    def _stop(self, stop: StopSearch) -> None:
        """Record why the current phase stopped, naming it."""
        if stop.finding is not None:
            self._add_once(_during(stop.finding, self.phase))

    def _closure(self) -> None:
        self.phase = "the search"
        self.search.run(closure_weights(self.submission.n_params), self.evaluate_closure)
        self._searched()
        self.findings.append(
            Finding(
                "note",
                f"{self.submission.name}(W) takes one argument, so its data and layer sizes "
                "are its own, and they could not be inferred: no comparison with the reference "
                "was possible; only its return values, purity, repeatability and the agreement "
                "of its gradient with finite differences of its own loss were checked",
            )
        )

    def _searched(self) -> None:
        """What the search's end says: why it stopped, and whether it judged enough problems."""
        search, options = self.search, self.options
        if search.stopped is not None:
            self._add_once(_during(search.stopped, search.stopped_phase))
        if search.failures or search.stopped is not None:
            return
        minimum = minimum_examples(self.examples)
        budget = (
            f"{SEARCH_SHARE * self.share:.1f} s, this part's share of the file's "
            f"{options.file_timeout:g} s, --file-timeout"
        )
        if search.examples >= minimum:
            if search.ran_out:
                self.findings.append(
                    Finding(
                        "note",
                        f"the search's time budget ({budget}) ended it after {search.examples} "
                        f"of the {self.examples} examples asked for (a pass needs {minimum})",
                    )
                )
            return
        if not search.ran_out:
            raise CannotJudge(
                f"the search drew only {search.examples} usable problems, fewer than the "
                f"minimum {minimum} for a verdict"
            )
        self.findings.append(
            Finding(
                "timeout",
                f"only {search.examples} of the minimum {minimum} examples ran within the "
                f"budget ({budget}): a part does not pass on fewer; its calls are too slow "
                "(or give it a larger --file-timeout)",
                {"phase": "the search", "examples": search.examples, "minimum": minimum},
            )
        )

    def _source_of(self, case: Case) -> _Source:
        """The family ``case`` was drawn from (for a diagnosis on that family's problems)."""
        for source in self.sources:
            if source.activation == case.activation and source.family.contains(
                case.layer_sizes, case.lam
            ):
                return source
        return self.sources[0]

    def conclude(self) -> None:
        """Finite differences at the counterexample; the findings of the smallest failures."""
        failures = self.search.failures
        if not failures:
            return
        primary = min(failures, key=KINDS.index)
        case = failures[primary]
        if (
            self.submission.style != "closure"
            and case.grad is not None
            and case.reference_grad is not None
            and primary in ("gradient-mismatch", "loss-mismatch")
        ):
            coordinates = fd_coordinates(np.abs(case.grad - case.reference_grad))
            self.phase = "finite differences at the counterexample"
            try:
                self.self_consistency(case, coordinates)
            except StopSearch as stop:
                self._stop(stop)
            kinds = {f.kind for f in case.findings}
            if "loss-mismatch" in kinds and "gradient-inconsistent" not in kinds:
                case.findings.append(
                    Finding(
                        "note",
                        "the gradient agrees with finite differences of the submission's own "
                        "loss: it is the right gradient for that loss, but that loss is not the "
                        "assignment's",
                    )
                )
        for kind in sorted(failures, key=KINDS.index):
            self._add_once(next(f for f in failures[kind].findings if f.kind == kind))
        for finding in case.findings:  # the counterexample's own, added above
            self._add_once(finding)
        if self.submission.style != "closure" and set(failures) & NUMERIC_KINDS:
            self.phase = "the diagnosis"
            source = self._source_of(case)
            try:
                self.findings += diagnose(
                    self.submission.answer,
                    case,
                    failures,
                    self.submission.layout,
                    source.activation,
                    **_family_arguments(source.family),
                    problems=_diagnostic(source.fixed) if source.fixed else None,
                    output=self.submission.output,
                )
            except StopSearch as stop:
                self._stop(stop)
        self.counterexample = describe(case, self.submission)

    def result(self) -> PartResult:
        """The part's verdict and evidence."""
        family = _family_dict(self.part, self.sources, self.submission)
        if self.not_implemented:
            first = _exception_line(self.refusals[0]) if self.refusals else "no answer"
            return PartResult(
                self.part.name,
                "not-implemented",
                self.part.max_score,
                self.part.title,
                [
                    Finding(
                        "note",
                        f"not implemented: the submission raised on each of the first "
                        f"{len(self.refusals)} problems of this part and answered none; "
                        f"the first raised {first}",
                        {"traceback": self.refusals[0]} if self.refusals else {},
                    )
                ],
                family=family,
                seed=self.seed,
                visibility=self.part.visibility,
                reason=f"every problem tried raised {first.split(' (')[0]}"
                if self.refusals
                else "no problem was answered",
            )
        failing = any(f.kind not in INFORMATIVE for f in self.findings)
        closure = self.submission.style == "closure"
        verdict = "fail" if failing else ("consistent" if closure else "pass")
        fixed = self.sources[0].fixed if self.sources else None
        verified = "self-consistency" if closure else ("reference" if fixed else "")
        return PartResult(
            self.part.name,
            verdict,
            self.part.max_score,
            self.part.title,
            self.findings,
            self.counterexample,
            family,
            self.search.examples,
            self.seed,
            self.part.visibility,
            verified=verified,
            problem=f"{self.submission.name}(W): {fixed.describe()}" if fixed else "",
        )


def _same(first: Reply, second: Reply) -> bool:
    """Whether two replies hold the very same numbers, bit for bit."""
    return (
        first.status == second.status == "ok"
        and first.loss is not None
        and second.loss is not None
        and first.grad is not None
        and second.grad is not None
        and np.float64(first.loss).tobytes() == np.float64(second.loss).tobytes()
        and first.grad.tobytes() == second.grad.tobytes()
    )


def _exception_line(message: str) -> str:
    """An exception's last line and where it was raised, from a worker's traceback text."""
    # Split at newlines only: the message is the submission's, any other control
    # character in it is kept (and escaped when shown).
    lines = [line for line in message.split("\n") if line.strip()]
    if not lines:
        return "an exception"
    where = [line.strip() for line in lines if line.strip().startswith('File "')]
    place = ""
    if where and (found := re.match(r'File "(.*)", line (\d+)', where[-1])):
        place = f" ({found.group(1)}, line {found.group(2)})"
    return lines[-1].strip(" ")[:300] + place


def _problem_of(inferred: Inferred) -> Problem:
    """A ``fun(W)``'s inferred problem as the search's template (``W`` is drawn anew)."""
    n = mb.n_params(inferred.layer_sizes)
    form = "floats" if inferred.T.ndim == 1 else "one-hot"
    return Problem(
        np.zeros(n), inferred.X, inferred.T, list(inferred.layer_sizes), inferred.lam,
        inferred.activation, form,
    )  # fmt: skip


def _diagnostic(inferred: Inferred) -> list[tuple[Array, Array, Array, list[int], float]]:
    """Diagnostic problems for a ``fun(W)``: its own data at :data:`DIAGNOSTIC_DRAWS`
    weight vectors, each scaled down until no logit exceeds :data:`DIAGNOSTIC_LOGIT`."""
    rng = np.random.default_rng(20261130)
    sizes = list(inferred.layer_sizes)
    problems = []
    for _ in range(DIAGNOSTIC_DRAWS):
        W = rng.uniform(-0.7, 0.7, mb.n_params(sizes))
        for _ in range(60):  # halving 60 times reaches any scale of float64's
            logits = mb.forward(W, inferred.X, sizes, inferred.activation)
            if float(np.max(np.abs(logits))) <= DIAGNOSTIC_LOGIT:
                break
            W = W / 2
        problems.append((W, inferred.X, inferred.T, sizes, inferred.lam))
    return problems


def _family_dict(part: Part, sources: Sequence[_Source], submission: Submission) -> dict[str, Any]:
    """A part's problems, for the JSON: the families, the function, activation and layout."""
    if sources and sources[0].fixed is not None:
        return {
            **sources[0].fixed.as_dict(),
            "function": submission.name,
            "layout": submission.layout,
            "weights": part.family.weights,
        }
    if submission.style == "closure":
        return {"function": submission.name, "style": "closure"}
    families = [{**s.family.as_dict(), "activation": s.activation} for s in sources]
    described: dict[str, Any] = dict(families[0]) if len(families) == 1 else {"families": families}
    encoding = submission.encoding
    if encoding.convention != "spec":
        return {
            **described,
            "function": submission.worker.function,
            "convention": encoding.convention,
            "encoding": encoding.as_dict(),
        }
    return {**described, "function": submission.worker.function, "layout": submission.layout}


def describe(case: Case, submission: Submission) -> dict[str, Any]:
    """A counterexample as SPEC's JSON object."""
    function = submission.name
    if submission.style == "closure":
        return {
            "kind": case.kind,
            "function": function,
            "style": "closure",
            "n_params": int(case.W.size),
            "W": _jsonable(case.W),
            "loss": case.loss,
        }
    described = {
        "kind": case.kind,
        "function": function,
        "layer_sizes": case.layer_sizes,
        "activation": case.activation,
        "layout": submission.layout,
        "n_samples": int(case.X.shape[0]),
        "lam": case.lam,
        "loss": {"submission": case.loss, "reference": case.reference_loss},
        "blocks": case.blocks,
        "gradient_scale": case.scale,
        "W": _jsonable(to_layout(case.W, case.layer_sizes, submission.layout)),
    }
    if submission.objective is not None:  # a fun(W) on its own data: W alone reproduces it
        return {**described, "style": "objective"}
    described = {**described, "X": _jsonable(case.X), "T": _jsonable(case.T)}
    encoding = submission.encoding
    if encoding.convention != "spec":
        described.update(_native(case, submission))
    return described


def _native(case: Case, submission: Submission) -> dict[str, Any]:
    """A counterexample's call in its course's convention, for the JSON and the report."""
    encoding = submission.encoding
    W, X, y, lam = encoding.request(case.W, case.X, case.T, case.layer_sizes, case.lam)
    labels = y.astype(np.int64).tolist()
    if encoding.convention == "ex4":
        inputs, hidden, outputs = case.layer_sizes
        call: dict[str, Any] = {
            "nn_params": _jsonable(W),
            "input_layer_size": inputs,
            "hidden_layer_size": hidden,
            "num_labels": outputs,
            "X": _jsonable(X),
            "y": labels,
            "lambda_": lam,
        }
    else:
        params = {}
        for layer, (W_l, b_l) in enumerate(mb.unpack(W, case.layer_sizes), start=1):
            params[f"W{layer}"], params[f"b{layer}"] = _jsonable(W_l), _jsonable(b_l)
        call = {
            "layer_sizes": case.layer_sizes,
            "hidden_dims": submission.worker.hello.get("depth") == "any",
            "params": params,
            "X": _jsonable(X),
            "y": labels,
            "reg": lam,
        }
    return {
        "convention": encoding.convention,
        "encoding": encoding.as_dict(),
        "call": call,
        "layout": encoding.convention,
    }


class _FileCheck:
    """Checking one file: its workers, its detections, and each part in turn."""

    def __init__(self, path: Path, source: bytes, options: Options, started: float) -> None:
        self.path = path
        self.options = options
        #: What the source scan reads: the file, or each cell of a notebook.
        self.sources = [("", source.decode("utf-8", errors="replace"))]
        self.started = started
        #: A notebook's cells, written as the worker's submission (in :attr:`folder`).
        self.notebook = path.suffix.lower() == NOTEBOOK_SUFFIX
        self.folder: Path | None = None
        self.run_path = path
        if self.notebook:
            try:
                cells = code_cells(source)
            except NotebookError as exc:
                raise CannotJudge(str(exc)) from None
            self.folder = Path(tempfile.mkdtemp(prefix="backprop-oracle-notebook-"))
            self.run_path = write_cells(cells, self.folder, _safe_stem(path))
            self.sources = [(f"cell {number}, ", python) for number, python in cells]
        self.data = _data_folder(path, options.data)
        self.deadline_at = started + options.file_timeout
        if self.notebook:
            self.deadline_at += options.notebook_timeout
        self.seed = options.seed if options.seed is not None else file_seed(source)
        self.parts = options.rubric()
        #: The file's own findings: the source scan, the import, the detections, tampering.
        self.findings: list[Finding] = []
        self.submissions: dict[str, Submission] = {}
        self._workers: list[Worker] = []
        #: Why a function cannot be called (its parts are then not implemented, or fail).
        self.unusable: dict[str, tuple[str, str]] = {}
        self.import_failed = False
        self.results: dict[str, PartResult] = {}
        self.checks: dict[str, _PartCheck] = {}
        #: Per function: the layout and activation found (``auto``), once found.
        self.layout_found: dict[str, str] = {}
        self.activation_found: dict[str, str] = {}
        #: Per function: how it writes a problem in its course's convention, once found.
        self.encoding_found: dict[str, Encoding] = {}
        self.style = "full"
        #: The detection under way, for a timeout's message.
        self.phase = "layout detection (--layout auto)"

    def _add(self, finding: Finding) -> None:
        if all((f.kind, f.message) != (finding.kind, finding.message) for f in self.findings):
            self.findings.append(finding)

    def workers(self) -> list[Worker]:
        """Every worker started, the first function's first."""
        return list(self._workers)

    def submission(self, function: str) -> Submission | None:
        """The started submission of ``function``, or None (:attr:`unusable` says why)."""
        if function in self.unusable:
            return None
        if function in self.submissions:
            return self.submissions[function]
        options = self.options
        budget = max(self.deadline_at - time.monotonic(), 0.001)
        worker = Worker(
            self.run_path,
            function,
            options.timeout,
            options.memory,
            options.allow_autodiff,
            options.isolate,
            backend=options.sandbox,
            deadline=budget,
            notebook=self.notebook,
            data=self.data,
            import_timeout=options.notebook_timeout if self.notebook else options.timeout,
            convention=options.convention,
        )
        # The worker's deadline is what is left of the file's; its messages name the file's.
        worker.deadline = options.file_timeout
        submission = Submission(
            worker,
            "canonical" if options.layout == "auto" else options.layout,
            self.deadline_at,
            f"the file's deadline of {options.file_timeout:g} s (--file-timeout) has passed",
        )
        self.submissions[function] = submission
        self._workers.append(worker)
        forbidden = PROJECT if options.allow_autodiff else AUTODIFF + PROJECT
        ready, findings = submission.start(self.sources, forbidden)
        missing = [f for f in findings if f.kind == "missing-function"]
        for finding in findings:
            if finding.kind == "timeout":  # "while importing the submission: ..."
                finding.details["phase"] = "the import"
            if finding.kind != "missing-function":
                self._add(finding)
        if ready:
            return submission
        if missing:
            self.unusable[function] = ("not-implemented", missing[0].message)
        else:
            self.import_failed = True
            self.unusable[function] = ("fail", "the file could not be imported (see the findings)")
        return None

    # ------------------------------------------------------------- detections

    def _detect(self, submission: Submission, part: Part, family: Family) -> None:
        """``--layout auto`` and ``--activation auto`` for ``submission``'s function, on
        ``family``'s problems; a detection that got no answer is tried again at the next part."""
        function = submission.worker.function
        arguments = _family_arguments(family)
        activation = part.activation or self.options.activation
        convention = self.options.convention
        if convention != "spec":  # the convention's parts fix activation and layout
            if function not in self.encoding_found:
                self._detect_encoding(submission, activation, arguments)
            return
        if self.options.activation == "auto" and part.activation is None:
            if function not in self.activation_found:
                self.phase = "activation detection (--activation auto)"
                found, note = detect_activation(submission.answer, submission.layout, **arguments)
                if "activation" in note.details:
                    self.activation_found[function] = found
                self._add(note)
            activation = self.activation_found.get(function, "sigmoid")
        if self.options.layout == "auto" and function not in self.layout_found:
            self.phase = "layout detection (--layout auto)"
            submission.layout = "canonical"  # send and read back vectors unchanged
            found, note = detect_layout(submission.answer, activation, **arguments)
            submission.layout = found
            if "layout" in note.details:
                self.layout_found[function] = found
            self._add(note)

    def _refused(self, submission: Submission, family: Family) -> str | None:
        """In a course's convention: why the file cannot express ``family``, or None.

        A file cannot express it when it raises on every diagnostic problem of
        the family (each has samples of every class), or, with one output unit,
        when it returns the very same numbers for the targets flipped: its
        labels do not reach its loss. ex4's one-hot ``np.eye(K)[y]`` does the
        first at ``num_labels = 1`` (the negative samples' label 1 is out of
        range), ``np.eye(K)[y - 1]`` the second (label 0 reads row -1, the
        last: every sample is positive). Its part is then not implemented,
        even though a problem whose samples are all of one class would pass.
        """
        if self.options.convention == "spec":
            return None
        problems = diagnostic_problems(**_family_arguments(family))
        replies = [submission.call(W, X, T, sizes, lam) for W, X, T, sizes, lam in problems]
        if replies and all(reply.status == "exception" for reply in replies):
            return (
                "it raised on each of this part's diagnostic problems (every one with samples "
                f"of each class); the first raised {_exception_line(replies[0].message)}"
            )
        if not problems or any(sizes[-1] != 1 for _, _, _, sizes, _ in problems):
            return None  # flipping the targets is for one output unit only
        flipped = [submission.call(W, X, 1.0 - T, sizes, lam) for W, X, T, sizes, lam in problems]
        if all(_same(a, b) for a, b in zip(replies, flipped, strict=True)):
            return (
                "its loss and gradient do not change when every target is flipped, on each of "
                "this part's diagnostic problems: its labels do not reach its loss (with one "
                "output unit, np.eye(K)[y - 1] reads label 0 as row -1, the positive one)"
            )
        return None

    def _detect_encoding(
        self, submission: Submission, activation: str, arguments: dict[str, Any]
    ) -> None:
        """How ``submission`` writes a problem in its course's convention (the unrolling and
        labels of ex4, the penalty factor of CS231n), found on the family's problems."""
        convention = self.options.convention
        self.phase = f"the {convention} convention's detection"

        def answer(encoding: Encoding) -> Answer:
            def call(W: Array, X: Array, T: Array, sizes: list[int], lam: float) -> Any:
                submission.encoding = encoding
                return submission.answer(W, X, T, sizes, lam)

            return call

        candidates = encodings(convention, self.options.penalty_factor)
        problems = diagnostic_problems(**arguments)
        found, note = detect_encoding(answer, candidates, problems, activation, submission.output)
        submission.encoding = found
        self.encoding_found[submission.worker.function] = found
        self._add(note)

    def activation(self, part: Part, function: str) -> str:
        """The hidden activation ``part`` is judged in."""
        if part.activation is not None:
            return part.activation
        if self.options.activation == "auto":
            return self.activation_found.get(function, "sigmoid")
        return self.options.activation

    # ------------------------------------------------------------------ parts

    def _plain(self, part: Part, verdict: str, reason: str, family: dict[str, Any]) -> PartResult:
        """A part judged without a search: skipped, not implemented, or failed with the file."""
        findings = []
        if verdict in ("skipped", "not-implemented"):
            # A function the file lacks is that part's missing-function finding.
            kind = "missing-function" if reason.startswith("no usable ") else "note"
            findings.append(Finding(kind, f"{verdict.replace('-', ' ')}: {reason}"))
        return PartResult(
            part.name,
            verdict,
            part.max_score,
            part.title,
            findings,
            family=family,
            seed=_part_seed(self.seed, part.name),
            visibility=part.visibility,
            reason=reason,
        )

    def _sources(self, part: Part, function: str) -> tuple[list[_Source], str]:
        """The families ``part`` draws from, or none and why."""
        if not part.like:
            return [_Source(part.family, self.activation(part, function))], ""
        sources, left_out = [], []
        for name in part.like:
            other = next(p for p in self.parts if p.name == name)
            result = self.results.get(name)
            if (other.function or self.options.function) != function:
                left_out.append(f"{name} (another function)")
            elif result is None or result.verdict in ("skipped", "not-implemented", "error"):
                left_out.append(f"{name} ({result.verdict if result else 'not judged'})")
            else:
                family = replace(other.family, weights=part.family.weights)
                sources.append(_Source(family, self.activation(other, function)))
        why = (
            ""
            if sources
            else f"none of the parts it takes its problems from: {', '.join(left_out)}"
        )
        return sources, why

    def _numbers(self, part: Part, remaining: int) -> PartResult:
        """Judge one part that checks numbers."""
        function = part.function or self.options.function
        shown = _family_dict_plain(part, function)
        if part.skipped:
            return self._plain(part, "skipped", part.skipped, shown)
        submission = self.submission(function)
        if submission is None:
            verdict, why = self.unusable[function]
            return self._plain(part, verdict, why, shown)
        if submission.style == "closure" and function != self.options.function:
            why = (
                f"{function}(W) takes one argument; this part needs "
                f"{function}(W, X, T, layer_sizes, lam)"
            )
            return self._plain(part, "not-implemented", why, shown)
        if not part.like and submission.style != "closure":
            try:
                self._detect(submission, part, part.family)
                refused = self._refused(submission, part.family)
            except StopSearch as stop:  # a hang: every part of this function would hang too
                phase = self.phase
                if stop.finding is not None:
                    self._add(_during(stop.finding, phase))
                why = f"{function} stopped the check during {phase} (see the findings)"
                self.unusable[function] = ("fail", why)
                return self._plain(part, "fail", why, shown)
            if refused is not None:
                return self._plain(part, "not-implemented", refused, shown)
        sources, why = self._sources(part, function)
        if not sources:
            return self._plain(part, "not-implemented", why, shown)
        share = max(self.deadline_at - time.monotonic(), 0.0) / remaining
        check = _PartCheck(
            part, submission, sources, self.options, _part_seed(self.seed, part.name), share
        )
        self.checks[part.name] = check
        try:
            check.run()
        except CannotJudge as exc:
            return self._plain(part, "error", f"not judged: {exc}", shown)
        return check.result()

    def _contract(self, part: Part) -> PartResult:
        """The contract part: every call the other parts made, judged for its form."""
        shown = {
            "checks": "contract",
            "parts": [p.name for p in self.parts if p.checks == "numbers"],
        }
        answered = sum(c.replied for c in self.checks.values())
        if self.import_failed:
            return self._plain(
                part, "fail", "the file could not be imported (see the findings)", shown
            )
        if answered == 0:
            return self._plain(
                part, "not-implemented", "no call of any part returned numbers to judge", shown
            )
        evidence: dict[str, tuple[Case, Submission]] = {}
        for check in self.checks.values():
            for kind, case in check.contract.items():
                if kind not in evidence or case.size < evidence[kind][0].size:
                    evidence[kind] = (case, check.submission)
        findings = [evidence[kind][0].findings[0] for kind in sorted(evidence, key=KINDS.index)]
        counterexample = None
        if evidence:
            case, submission = evidence[min(evidence, key=KINDS.index)]
            counterexample = describe(case, submission)
        return PartResult(
            part.name,
            "fail" if findings else "pass",
            part.max_score,
            part.title,
            findings,
            counterexample,
            shown,
            answered,
            None,
            part.visibility,
        )

    def run(self) -> None:
        """Every part, own families first, then those that take others' (``like``), then the
        contract; results in :attr:`results`."""
        first = self.submission(self.options.function)
        if first is not None and first.worker.hello.get("depth") == "any":
            self.parts = self.options.rubric(deep=True)
        if first is not None and first.style == "closure":
            self.style = "closure"
            self._objectives(first)
            return
        numbers = [p for p in self.parts if p.checks == "numbers"]
        order = [p for p in numbers if not p.like] + [p for p in numbers if p.like]
        remaining = sum(not p.skipped for p in order)
        for part in order:
            self.results[part.name] = self._numbers(part, max(remaining, 1))
            remaining -= not part.skipped
        refused = [r.verdict == "not-implemented" for r in self.results.values()]
        if first is not None and first.worker.hello.get("closures") and refused and all(refused):
            # A notebook's own loss_and_grad(W, X, t, lam) is not the contract's: it raised
            # on every problem. Its one-argument functions are what it answers.
            self._add(
                Finding(
                    "note",
                    f"{self.options.function} raised on every problem of the contract "
                    f"({_exception_line(self._first_refusal())}): the file is judged through "
                    "its one-argument functions instead",
                )
            )
            self.results.clear()
            self.checks.clear()
            self.style = "closure"
            self._objectives(first)
            return
        for part in self.parts:
            if part.checks == "contract":
                self.results[part.name] = self._contract(part)

    def _first_refusal(self) -> str:
        """The first exception a not-implemented part met."""
        return next((r for c in self.checks.values() for r in c.refusals), "")

    # ------------------------------------------------------------- fun(W)

    def _infer(self, view: Submission) -> Inferred | NotInferred:
        """The problem ``view``'s ``fun(W)`` answers, from its numbers and the file's arrays."""
        hello = view.worker.hello
        own = next(c["own"] for c in hello["closures"] if c["name"] == view.objective)

        def call(W: Array) -> tuple[float, Array] | None:
            return view.answer(W, _NO_X, _NO_T, [], 0.0)

        self.phase = f"inferring the problem of {view.name}(W)"
        try:
            return infer_problem(
                call,
                view.n_params,
                view.worker.arrays,
                hello.get("scalars", {}),
                hello.get("hints", []),
                own=own,
                seed=self.seed,
            )
        except StopSearch as stop:
            if stop.finding is not None:
                self._add(_during(stop.finding, self.phase))
            return NotInferred("answers", f"{view.name}(W) stopped the check while it was called")

    def _objectives(self, first: Submission) -> None:
        """Every one-argument ``fun(W)`` the file defines: each judged against the reference
        on the problem inferred for it, as the rubric's part it answers (the first that
        passes takes the part's points); one whose problem cannot be inferred is checked
        for self-consistency only, worth nothing."""
        inferred: list[tuple[Submission, Inferred]] = []
        uninferred: list[tuple[Submission, NotInferred]] = []
        for view in first.objectives():
            found = self._infer(view)
            if isinstance(found, Inferred):
                # Its problem known, it is judged like loss_and_grad on that problem.
                view.style, view.layout = "full", found.layout
                inferred.append((view, found))
            else:
                uninferred.append((view, found))
        if not inferred:
            # Nothing could be compared with the reference: the file is judged for
            # self-consistency only, worth nothing of the rubric's total.
            total = sum(p.max_score for p in self.parts)
            for k, (view, failed) in enumerate(uninferred):
                result = self._self_consistent(view, failed, len(uninferred) - k)
                result.max_score = total if k == 0 else 0.0
                self.results[view.name] = result
            return
        own = [p for p in self.parts if p.checks == "numbers" and not p.like]
        names = {p.name for p in own}
        extra = [(v, i) for v, i in inferred if i.part not in names]
        likes = [p for p in self.parts if p.checks == "numbers" and p.like and not p.skipped]
        # Parts still to judge, for each one's share of the time left.
        work = sum(1 for p in own if not p.skipped) + len(extra) + len(uninferred) + len(likes)
        credited: dict[str, tuple[Submission, Inferred]] = {}
        for part in own:
            answering = [(v, i) for v, i in inferred if i.part == part.name]
            if part.skipped:
                self.results[part.name] = self._plain(part, "skipped", part.skipped, {})
                continue
            if not answering:
                found_text = (
                    ", ".join(f"{v.name} ({i.part})" for v, i in inferred)
                    or "none whose problem could be inferred"
                )
                why = f"no one-argument function of the file answers it (found: {found_text})"
                self.results[part.name] = self._plain(part, "not-implemented", why, {})
                work -= 1
                continue
            results = []
            for view, problem in answering:
                results.append(self._judge(part, view, problem, work))
            best = next((k for k, r in enumerate(results) if r.verdict == "pass"), 0)
            credited[part.name] = answering[best]
            for k, result in enumerate(results):
                if k != best:
                    result.name = f"{part.name}:{answering[k][0].name}"
                    result.title = f"{result.title}; another function takes the part's points"
                    result.max_score = 0.0
                self.results[result.name] = result
            work -= 1
        for view, problem in extra:
            part = Part(
                problem.part, 0.0, title=f"{view.name}(W), {problem.part}: not in the rubric"
            )
            result = self._judge(part, view, problem, work)
            self.results[f"{problem.part}:{view.name}"] = replace(
                result, name=f"{problem.part}:{view.name}"
            )
            work -= 1
        for view, failed in uninferred:
            self.results[view.name] = self._self_consistent(view, failed, work)
            work -= 1
        for part in self.parts:
            if part.checks == "numbers" and part.like:
                if part.skipped:
                    self.results[part.name] = self._plain(part, "skipped", part.skipped, {})
                else:
                    self.results[part.name] = self._like_objectives(part, credited, work)
                    work -= 1
        for part in self.parts:
            if part.checks == "contract":
                self.results[part.name] = self._contract(part)

    def _share(self, work: int) -> float:
        return max(self.deadline_at - time.monotonic(), 0.0) / max(work, 1)

    def _judge(self, part: Part, view: Submission, problem: Inferred, work: int) -> PartResult:
        """One ``fun(W)`` judged as ``part`` on its inferred problem."""
        hidden = len(problem.layer_sizes) - 2
        family = Family(
            hidden=(hidden, hidden),
            outputs="binary" if problem.layer_sizes[-1] == 1 else "multiclass",
            lam=(problem.lam, problem.lam),
            weights=part.family.weights,
        )
        judged = replace(part, family=family, activation=problem.activation)
        source = _Source(family, problem.activation, problem)
        key = f"{part.name}:{view.name}"
        check = _PartCheck(
            judged, view, [source], self.options, _part_seed(self.seed, key), self._share(work)
        )
        self.checks[key] = check
        check.run()
        return check.result()

    def _self_consistent(self, view: Submission, failed: NotInferred, work: int) -> PartResult:
        """A ``fun(W)`` whose problem could not be inferred: self-consistency only, worth 0."""
        part = Part(view.name, 0.0, title=f"{view.name}(W): self-consistency only")
        check = _PartCheck(
            part, view, [], self.options, _part_seed(self.seed, part.name), self._share(work)
        )
        self.checks[part.name] = check
        check.findings.append(
            Finding(
                "note",
                f"the problem {view.name}(W) answers could not be inferred ({failed.step}): "
                f"{failed.reason}",
                {"step": failed.step},
            )
        )
        check.run()
        return check.result()

    def _like_objectives(
        self, part: Part, credited: dict[str, tuple[Submission, Inferred]], work: int
    ) -> PartResult:
        """A part that takes other parts' problems (stability), for ``fun(W)`` files: each
        credited function on its own problem at the part's weights, one verdict for all."""
        sources = [(name, credited[name]) for name in part.like if name in credited]
        if not sources:
            why = f"none of the parts it takes its problems from: {', '.join(part.like)}"
            return self._plain(part, "not-implemented", why, {"like": list(part.like)})
        # The part's share of the time left, split among the functions it puts.
        results = [
            self._judge(part, view, problem, (work - 1) * len(sources) + len(sources) - k)
            for k, (_, (view, problem)) in enumerate(sources)
        ]
        failing = [r for r in results if r.verdict != "pass"]
        first = failing[0] if failing else results[0]
        findings = [f for r in results for f in r.findings]
        return PartResult(
            part.name,
            "fail" if failing else "pass",
            part.max_score,
            part.title,
            findings,
            first.counterexample,
            {"like": list(part.like), "weights": part.family.weights},
            sum(r.examples for r in results),
            first.seed,
            part.visibility,
            verified="reference",
            problem="; ".join(r.problem for r in results),
        )

    def part_results(self) -> list[PartResult]:
        """The parts in the rubric's order (a ``fun(W)``: its one part); a finding of the
        whole file that fails it fails every part."""
        if self.style == "closure":
            results = list(self.results.values())
        else:
            results = [self.results[p.name] for p in self.parts if p.name in self.results]
        voiding = [f for f in self.findings if f.kind not in INFORMATIVE]
        if voiding and not self.import_failed:
            for result in results:
                if result.verdict in ("pass", "consistent"):
                    result.verdict = "fail"
                    result.reason = f"the whole file fails: {voiding[0].kind}"
        return results


_NO_X = np.zeros((0, 0))
_NO_T = np.zeros(0)


def _safe_stem(path: Path) -> str:
    """The file's stem, with only plain characters (the worker's copy is named after it)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)[:64] or "notebook"


def _data_folder(path: Path, data: str | None) -> DataFolder:
    """The data the submission may read: the data files beside it, the exercise's
    (``seed``), or a folder the grader names."""
    if data is None:
        return data_files(Path(os.path.abspath(path)).parent)
    if data == "seed":
        if not DATA_DIR.is_dir():
            raise CannotJudge(
                "--data seed: the exercise's data files are not installed with this copy "
                "of the project (give --data DIR)"
            )
        return DataFolder(DATA_DIR, None, "the exercise's data files (--data seed)")
    folder = Path(data)
    if not folder.is_dir():
        raise CannotJudge(f"--data {data}: not a folder")
    return DataFolder(folder.resolve(), None, f"the data folder {folder.name or data!r} (--data)")


def _family_dict_plain(part: Part, function: str) -> dict[str, Any]:
    """A part's problems before any was drawn (skipped or not implemented parts)."""
    if part.like:
        return {"like": list(part.like), "weights": part.family.weights, "function": function}
    return {**part.family.as_dict(), "activation": part.activation, "function": function}


def _hidden(finding: Finding, hide: PathHider) -> Finding:
    """``finding`` with the grader's paths hidden in its message and its texts."""
    details = {k: hide(v) if isinstance(v, str) else v for k, v in finding.details.items()}
    return Finding(finding.kind, hide(finding.message), details)


def _read_source(path: Path) -> bytes:
    """The submission's bytes, read without following a link or blocking on a FIFO.

    Raises :class:`CannotJudge` for anything but a readable regular file of at
    most :data:`MAX_SOURCE_BYTES`: a symbolic link could point the oracle (which
    may read more than any student) at someone else's file.
    """
    if path.is_symlink():
        raise CannotJudge(
            "it is a symbolic link; the oracle checks only a regular file of its own "
            "(give the file itself)"
        )
    if path.is_dir():
        raise CannotJudge(f"it is a directory; pass {display_name(path)}/*.py to check its files")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise CannotJudge(f"it cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CannotJudge("it is not a regular file (a FIFO, socket or device)")
        if info.st_nlink > 1:
            # A hard link names someone else's file as surely as a symbolic one does,
            # and the oracle may read more than any student.
            raise CannotJudge(
                f"it is one of {info.st_nlink} hard links to the same file; the oracle "
                "checks only a file of its own (give a copy)"
            )
        if info.st_size > MAX_SOURCE_BYTES:
            raise CannotJudge(
                f"it is {info.st_size} bytes long; a submission may be at most "
                f"{MAX_SOURCE_BYTES >> 20} MiB"
            )
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(MAX_SOURCE_BYTES + 1)
    finally:
        os.close(fd)
    return data


def _oracle_failure(exc: BaseException) -> str:
    """What went wrong inside the oracle, for a grader to report: the exception and
    the innermost line of the oracle's own code it came from."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "backprop_oracle" in f.filename]
    where = ""
    if frames:
        where = f" at {Path(frames[-1].filename).name} line {frames[-1].lineno}"
    return (
        f"the oracle failed while checking this file ({type(exc).__name__}{where}: {exc}); "
        "this is a fault of the oracle, not of the file: please report it with the file"
    )


def check_file(path: Path, options: Options) -> Result:
    """Check one submission file in the parts of ``options``' rubric; never raises
    (short of KeyboardInterrupt).

    What the submission does becomes findings of its parts (or of the whole
    file); what stops the oracle from judging it (the file is not a regular
    file, the sandbox cannot be set up, a fault of the oracle's own) becomes
    the verdict ``error``.
    """
    started = time.monotonic()
    path = Path(path)
    shown = display_name(path)
    hide = PathHider(path, shown)
    sandbox = None
    check: _FileCheck | None = None
    try:
        if options.isolate:
            if (why := sandbox_available(options.sandbox)) is not None:
                raise CannotJudge(
                    f"the sandbox ({options.sandbox}) cannot be set up here: {why}; nothing "
                    "was run (--no-sandbox grades without it, unprotected)"
                )
            sandbox = resolve_backend(options.sandbox)
        started = time.monotonic()  # the file's time starts once the sandbox is known to work
        check = _FileCheck(path, _read_source(path), options, started)
        try:
            check.run()
        finally:
            for worker in check.workers():
                worker.close()
        for submission in check.submissions.values():
            for finding in submission.tampering(check.findings):
                check._add(finding)
        workers = check.workers()
        scratch = next((str(w.scratch) for w in workers if w.scratch is not None), None)
        hide = PathHider(check.run_path, shown, scratch)  # a notebook's cells: its name
        parts = check.part_results()
        for part in parts:
            part.findings = [_hidden(f, hide) for f in part.findings]
            part.reason = hide(part.reason)
        failing = next((p for p in parts if p.verdict == "fail" and p.counterexample), None)
        return Result(
            file=shown,
            findings=[_hidden(f, hide) for f in check.findings],
            counterexample=failing.counterexample if failing else None,
            output=hide("".join(w.output() for w in workers)),
            seed=check.seed,
            examples=sum(c.search.examples for c in check.checks.values()),
            seconds=time.monotonic() - started,
            sandbox=workers[0].backend if workers else sandbox,
            style=check.style,
            parts=parts,
        )
    except CannotJudge as exc:
        error = f"not judged: {exc}"
    except Exception as exc:  # a fault of the oracle's: this file's verdict, not the batch's end
        error = _oracle_failure(exc)
    finally:
        if check is not None:
            for worker in check.workers():
                worker.cleanup()
            if check.folder is not None:
                shutil.rmtree(check.folder, ignore_errors=True)
    return Result(
        file=shown,
        findings=[],
        seed=check.seed if check is not None else options.seed,
        examples=sum(c.search.examples for c in check.checks.values()) if check else 0,
        seconds=time.monotonic() - started,
        sandbox=sandbox,
        error=hide(error),
    )
