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
purity and repeatability checks, and the finite differences at every drawn ``W``;
its verdict is at best ``consistent``, never ``pass``.

Time: every phase shares one deadline per file (``Options.file_timeout``);
every call to the worker is capped by what is left of it, and a phase the
deadline stops ends the check with a ``timeout`` finding that names it. A
search cut short by its share of the deadline before
:func:`~backprop_oracle.search.minimum_examples` problems is a ``timeout``
finding too: a file never passes on a handful of examples.

Whatever goes wrong in the oracle itself while it checks a file, the file gets
the verdict ``error`` (:func:`check_file` never raises); so does a file that
is not a regular file of its own (a FIFO, a device, a folder, a symbolic
link), and any file when the sandbox cannot be set up and ``--no-sandbox`` was
not given.
"""

import math
import os
import random
import stat
import time
import traceback
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
from backprop_oracle.inert import PathHider, display_name
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
from backprop_oracle.sandbox import Reply, Worker, resolve_backend, sandbox_available
from backprop_oracle.search import (
    SEARCH_SHARE,
    SHRINK_SHARE,
    Search,
    StopSearch,
    closure_weights,
    full_problems,
    minimum_examples,
)
from backprop_oracle.submission import Submission
from manual_backprop.gradcheck import gradient_scale, loss_rounding, relu_piece

__all__ = ["FILE_SECONDS", "MAX_SOURCE_BYTES", "CannotJudge", "Options", "check_file"]

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


#: Default deadline for one file, every phase included (``--file-timeout``). A
#: correct file is checked on 200 examples in 3 to 4.5 s on this project's 2-core
#: machine, idle or with a load average of 5; the search may use half of the
#: deadline (60 s, over 10 times that), so a correct file still finishes on a
#: machine loaded several times over, and a wrong one keeps time to be shrunk
#: and diagnosed.
FILE_SECONDS = 120.0
#: A submission larger than this is not read (no exercise answer comes near it).
MAX_SOURCE_BYTES = 4 << 20


@dataclass(frozen=True)
class Options:
    """How to check: SPEC section 5's command-line options.

    ``timeout`` bounds the import and each call, ``file_timeout`` the whole
    check of one file; ``sandbox`` is the backend (``auto``, ``bwrap``,
    ``unshare``), used unless ``isolate`` is False (``--no-sandbox``).
    """

    function: str = "loss_and_grad"
    activation: str = "sigmoid"
    layout: str = "canonical"
    examples: int = 200
    seed: int | None = None
    timeout: float = 10.0
    memory: int = 2 << 30
    allow_autodiff: bool = False
    isolate: bool = True
    file_timeout: float = FILE_SECONDS
    sandbox: str = "auto"


class CannotJudge(Exception):
    """The oracle cannot judge this file; the message says why (the verdict ``error``)."""


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


class _Check:
    """Checking one file: its phases in order, the calls they make, and the findings."""

    def __init__(self, path: Path, source: str, options: Options, started: float) -> None:
        self.options = options
        self.source = source
        self.findings: list[Finding] = []
        self.started = started
        budget = options.file_timeout
        self.deadline_at = started + budget
        self.seed = options.seed if options.seed is not None else random.randrange(2**32)
        self.search = Search(
            self.seed,
            options.examples,
            search_until=started + SEARCH_SHARE * budget,
            shrink_until=started + SHRINK_SHARE * budget,
        )
        worker = Worker(
            path,
            options.function,
            options.timeout,
            options.memory,
            options.allow_autodiff,
            options.isolate,
            backend=options.sandbox,
            # Its own clock starts now, a few milliseconds after ``started``.
            deadline=budget,
        )
        #: Judged in ``options.layout``; ``auto`` is resolved by :meth:`run`.
        self.submission = Submission(
            worker,
            "canonical" if options.layout == "auto" else options.layout,
            self.deadline_at,
            f"the file's deadline of {budget:g} s (--file-timeout) has passed",
        )
        self.counterexample: dict[str, Any] | None = None
        #: What the check is doing now, for a timeout's message.
        self.phase = "the import"

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

        A hang, tampering or the file's deadline ends the check wherever it
        happens, also outside the search (finding the layout, or the length of
        a ``fun(W)``'s ``W``), with a finding that names the phase.
        """
        try:
            self._phases()
        except StopSearch as stop:
            self._stop(stop)

    def _stop(self, stop: StopSearch) -> None:
        """Record why the current phase stopped, naming it."""
        if stop.finding is not None:
            self._add_once(_during(stop.finding, self.phase))

    def _searched(self) -> None:
        """What the search's end says: why it stopped, and whether it judged enough problems."""
        search, options = self.search, self.options
        if search.stopped is not None:
            self._add_once(_during(search.stopped, search.stopped_phase))
        if search.failures or search.stopped is not None:
            return
        minimum = minimum_examples(options.examples)
        share = SEARCH_SHARE * options.file_timeout
        budget = f"{share:g} s of the file's {options.file_timeout:g} s, --file-timeout"
        if search.examples >= minimum:
            if search.ran_out:
                self.findings.append(
                    Finding(
                        "note",
                        f"the search's time budget ({budget}) ended it after {search.examples} "
                        f"of the {options.examples} examples asked for (a pass needs {minimum})",
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
                f"budget ({budget}): a file does not pass on fewer; its calls are too slow "
                "(or give it a larger --file-timeout)",
                {"phase": "the search", "examples": search.examples, "minimum": minimum},
            )
        )

    def _phases(self) -> None:
        forbidden = PROJECT if self.options.allow_autodiff else AUTODIFF + PROJECT
        ready, findings = self.submission.start(self.source, forbidden)
        for finding in findings:  # "while importing the submission: ..." names the phase
            if finding.kind == "timeout":
                finding.details["phase"] = "the import"
            self.findings.append(finding)
        if not ready:
            return
        if self.submission.style == "closure":
            self.phase = "finding the length of W"
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
            self.phase = "the search"
            self.search.run(closure_weights(n), self.evaluate_closure)
            self._searched()
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
                self.phase = "layout detection (--layout auto)"
                self.submission.layout = "canonical"  # send and read back vectors unchanged
                self.submission.layout, note = detect_layout(
                    self.submission.answer, self.options.activation
                )
                self.findings.append(note)
            self.phase = "the search"
            self.search.run(full_problems(self.options.activation), self.evaluate)
            self._searched()
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
            try:
                self.findings += diagnose(
                    self.submission.answer,
                    case,
                    failures,
                    self.submission.layout,
                    self.options.activation,
                )
            except StopSearch as stop:
                self._stop(stop)
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


def _read_source(path: Path) -> str:
    """The submission's text, read without following a link or blocking on a FIFO.

    Raises :class:`CannotJudge` for anything but a readable regular file of at
    most :data:`MAX_SOURCE_BYTES`: a symbolic link could point the oracle (which
    may read more than any student) at someone else's file.
    """
    if path.is_symlink():
        raise CannotJudge(
            "it is a symbolic link; the oracle checks only a regular file of its own "
            "(give the file itself)"
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise CannotJudge(f"it cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CannotJudge("it is not a regular file (a folder, FIFO, socket or device)")
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
    return data.decode("utf-8", errors="replace")


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
    """Check one submission file; never raises (short of KeyboardInterrupt).

    What the submission does becomes findings; what stops the oracle from
    judging it (the file is not a regular file, the sandbox cannot be set up,
    a fault of the oracle's own) becomes the verdict ``error``.
    """
    started = time.monotonic()
    path = Path(path)
    shown = display_name(path)
    hide = PathHider(path, shown)
    sandbox = None
    check: _Check | None = None
    try:
        if options.isolate:
            if (why := sandbox_available(options.sandbox)) is not None:
                raise CannotJudge(
                    f"the sandbox ({options.sandbox}) cannot be set up here: {why}; nothing "
                    "was run (--no-sandbox grades without it, unprotected)"
                )
            sandbox = resolve_backend(options.sandbox)
        started = time.monotonic()  # the file's time starts once the sandbox is known to work
        check = _Check(path, _read_source(path), options, started)
        worker = check.submission.worker
        sandbox = worker.backend
        try:
            check.run()
        finally:
            worker.close()
        check.findings += check.submission.tampering(check.findings)
        scratch = str(worker.scratch) if worker.scratch is not None else None
        hide = PathHider(path, shown, scratch)
        return Result(
            file=shown,
            findings=[Finding(f.kind, hide(f.message), f.details) for f in check.findings],
            counterexample=check.counterexample,
            output=hide(worker.output()),
            seed=check.seed,
            examples=check.search.examples,
            seconds=time.monotonic() - started,
            sandbox=sandbox,
            style=check.submission.style,
        )
    except CannotJudge as exc:
        error = f"not judged: {exc}"
    except Exception as exc:  # a fault of the oracle's: this file's verdict, not the batch's end
        error = _oracle_failure(exc)
    finally:
        if check is not None:
            check.submission.worker.cleanup()
    return Result(
        file=shown,
        findings=[],
        seed=check.seed if check is not None else options.seed,
        examples=check.search.examples if check is not None else 0,
        seconds=time.monotonic() - started,
        sandbox=sandbox,
        error=hide(error),
    )
