"""Checking one submission: the order of the work, the calls, and the verdict.

The order of work for one file:

1. read its source for forbidden imports;
2. start a worker (:mod:`.sandbox`) that imports it and finds the function;
3. with ``--layout auto``, find the layout its numbers fit (:mod:`.layout_detection`);
4. draw problems (:mod:`.problems`) through Hypothesis (:mod:`.search`) and,
   for each, call the submission twice (the same bits twice: it is pure) and
   compare with the reference (:func:`manual_backprop.loss_and_grad`) by the
   rules of :mod:`.rules`; the first failing problem is shrunk by Hypothesis
   to the smallest one that still fails the same way;
5. at that smallest counterexample, compare the submission's gradient with
   finite differences of its *own* loss, which separates "your gradient is
   wrong" from "your gradient is right, but for another loss", and name the
   known mistake that explains its numbers (:mod:`.diagnosis`);
6. collect what the worker's guard refused (forbidden imports, writes,
   processes, network) and what the submission patched.

A one-argument ``fun(W)`` (the exercise's closure style) gets steps 1, 2, the
purity and repeatability checks, and the finite differences at every drawn ``W``.
"""

import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import assume
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle._worker import AUTODIFF, PROJECT
from backprop_oracle.diagnosis import diagnose
from backprop_oracle.findings import KINDS, Case, Finding, Result
from backprop_oracle.layout_detection import detect_layout
from backprop_oracle.layouts import to_layout
from backprop_oracle.problems import Problem
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
from backprop_oracle.sandbox import (
    ALWAYS_PROTECTIONS,
    SANDBOX_PROTECTIONS,
    Reply,
    Worker,
    sandbox_available,
)
from backprop_oracle.search import Search, StopSearch, closure_weights, full_problems
from backprop_oracle.submission import Submission
from manual_backprop.gradcheck import gradient_scale, loss_rounding, relu_piece

__all__ = ["Options", "check_file"]

Array = NDArray[np.float64]

#: Failures about the numbers, which a known mistake may explain.
NUMERIC_KINDS = frozenset({"loss-mismatch", "gradient-mismatch", "non-finite"})
#: What a worker's reply status means, as a finding kind.
_STATUS_KINDS = {
    "exit": "crash",
    "exception": "crash",
    "died": "crash",
    "memory": "memory",
    "bad-return": "bad-return",
}


@dataclass(frozen=True)
class Options:
    """How to check: SPEC section 5's command-line options."""

    function: str = "loss_and_grad"
    activation: str = "sigmoid"
    layout: str = "canonical"
    examples: int = 200
    seed: int | None = None
    timeout: float = 10.0
    memory: int = 2 << 30
    allow_autodiff: bool = False
    isolate: bool = True


def _jsonable(array: Array) -> Any:
    """An array as nested lists, non-finite values as strings (JSON has no NaN)."""
    if array.ndim == 0:
        value = float(array)
        return value if math.isfinite(value) else str(value)
    return [_jsonable(a) for a in array]


class _Check:
    """Checking one file: its phases in order, the calls they make, and the findings."""

    def __init__(self, path: Path, options: Options) -> None:
        self.options = options
        self.findings: list[Finding] = []
        self.started = time.monotonic()
        self.seed = options.seed if options.seed is not None else random.randrange(2**32)
        self.search = Search(self.seed, options.examples, self.started)
        worker = Worker(
            path,
            options.function,
            options.timeout,
            options.memory,
            options.allow_autodiff,
            options.isolate,
        )
        #: Judged in ``options.layout``; ``auto`` is resolved by :meth:`run`.
        self.submission = Submission(
            worker, "canonical" if options.layout == "auto" else options.layout
        )
        self.counterexample: dict[str, Any] | None = None

    # ---------------------------------------------------------------- cases

    def _add_once(self, finding: Finding | None) -> None:
        if finding is not None and all(f.kind != finding.kind for f in self.findings):
            self.findings.append(finding)

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
        same = (
            second.status == "ok"
            and second.loss is not None
            and second.grad is not None
            and np.float64(second.loss).tobytes() == np.float64(first.loss).tobytes()
            and second.grad.tobytes() == first.grad.tobytes()  # type: ignore[union-attr]
        )
        if not same:
            case.findings.append(
                Finding(
                    "not-repeatable",
                    "two calls with the same arguments returned different results "
                    f"(loss {first.loss!r}, then {second.loss!r})",
                )
            )

    def evaluate(self, problem: Problem) -> Case:
        """Put one problem to a full-signature submission and compare with the reference."""
        case = Case(
            np.asarray(problem.W, dtype=np.float64),
            np.asarray(problem.X, dtype=np.float64),
            np.asarray(problem.T, dtype=np.float64),
            list(problem.layer_sizes),
            float(problem.lam),
        )
        args = (case.W, case.X, case.T, case.layer_sizes, case.lam, self.options.activation)
        try:
            reference_loss, reference_grad = mb.loss_and_grad(*args)
        except ValueError:  # the loss overflows float64 here: no reference to compare with
            assume(False)
        case.reference_loss, case.reference_grad = reference_loss, reference_grad
        # relu'(0) may be taken as 0 (the reference) or 1 (SPEC section 1): both are
        # right, so a problem with a hidden pre-activation exactly at 0 decides nothing.
        assume(
            not (self.options.activation == "relu" and on_a_kink(case.W, case.X, case.layer_sizes))
        )
        first = self.submission.call(case.W, case.X, case.T, case.layer_sizes, case.lam)
        if not self.reply_findings(case, first):
            return case
        self.repeat(case, first)
        assert first.loss is not None
        assert first.grad is not None
        case.loss, case.grad = first.loss, first.grad
        loss = compare_loss(first.loss, reference_loss, loss_tolerance(reference_loss, *args))
        case.scale = gradient_scale(*args)
        gradient = compare_gradient(first.grad, reference_grad, case.layer_sizes, case.scale)
        case.loss_ratio, case.gradient_ratio = loss.ratio, gradient.ratio
        case.blocks = gradient.blocks
        case.findings += [f for f in (loss.finding, gradient.finding) if f is not None]
        return case

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
            args = (case.W, case.X, case.T, case.layer_sizes, case.lam, self.options.activation)
            rounding = loss_rounding(*args)
            if self.options.activation == "relu":
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
        """Every check, in order; findings accumulate in ``self.findings``.

        A hang or tampering ends the check wherever it happens, also outside
        the search (finding the layout, or the length of a ``fun(W)``'s ``W``).
        """
        try:
            self._phases()
        except StopSearch as stop:
            self._add_once(stop.finding)

    def _phases(self) -> None:
        forbidden = PROJECT if self.options.allow_autodiff else AUTODIFF + PROJECT
        ready, findings = self.submission.start(forbidden)
        self.findings += findings
        if not ready:
            return
        if self.submission.style == "closure":
            n = self.submission.closure_length()
            if n is None:
                self.findings.append(
                    Finding(
                        "missing-function",
                        f"{self.options.function}(W) takes one argument and the module does not "
                        "say how long W is: define layer_sizes (or W0) at module level",
                    )
                )
                return
            self.search.run(closure_weights(n), self.evaluate_closure)
            self._add_once(self.search.stopped)
            self.findings.append(
                Finding(
                    "note",
                    f"{self.options.function}(W) takes one argument, so its data and layer sizes "
                    "are its own: no comparison with the reference was possible; only its "
                    "return values, purity, repeatability and the agreement of its gradient "
                    "with finite differences of its own loss were checked",
                )
            )
        else:
            if self.options.layout == "auto":
                self.submission.layout = "canonical"  # send and read back vectors unchanged
                self.submission.layout, note = detect_layout(
                    self.submission.answer, self.options.activation
                )
                self.findings.append(note)
            self.search.run(full_problems(self.options.activation), self.evaluate)
            self._add_once(self.search.stopped)
        self.conclude()

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
            try:
                self.self_consistency(case, coordinates)
            except StopSearch as stop:
                self._add_once(stop.finding)
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
            try:
                self.findings += diagnose(
                    self.submission.answer,
                    case,
                    failures,
                    self.submission.layout,
                    self.options.activation,
                )
            except StopSearch as stop:
                self._add_once(stop.finding)
        self.counterexample = self.describe(case)

    # ---------------------------------------------------------------- verdict

    def describe(self, case: Case) -> dict[str, Any]:
        """The counterexample as SPEC's JSON object."""
        if self.submission.style == "closure":
            return {
                "kind": case.kind,
                "function": self.options.function,
                "style": "closure",
                "n_params": int(case.W.size),
                "W": _jsonable(case.W),
                "loss": case.loss,
            }
        return {
            "kind": case.kind,
            "function": self.options.function,
            "layer_sizes": case.layer_sizes,
            "activation": self.options.activation,
            "layout": self.submission.layout,
            "n_samples": int(case.X.shape[0]),
            "lam": case.lam,
            "loss": {"submission": case.loss, "reference": case.reference_loss},
            "blocks": case.blocks,
            "W": _jsonable(to_layout(case.W, case.layer_sizes, self.submission.layout)),
            "X": _jsonable(case.X),
            "T": _jsonable(case.T),
        }


def check_file(path: Path, options: Options) -> Result:
    """Check one submission file; never raises for anything the submission does."""
    check = _Check(Path(path), options)
    worker = check.submission.worker
    try:
        try:
            check.run()
        finally:
            worker.close()
        check.findings += check.submission.tampering(check.findings)
        if worker.isolated:
            sandbox = SANDBOX_PROTECTIONS
        else:
            reason = sandbox_available() if options.isolate else "not requested"
            protections = "; ".join(ALWAYS_PROTECTIONS)
            check.findings.append(
                Finding(
                    "note", f"the sandbox was unavailable: {reason}; still applied: {protections}"
                )
            )
            sandbox = "unavailable"
        return Result(
            file=str(path),
            findings=check.findings,
            counterexample=check.counterexample,
            output=worker.output(),
            seed=check.seed,
            examples=check.search.examples,
            seconds=time.monotonic() - check.started,
            sandbox=sandbox,
        )
    finally:
        worker.cleanup()
