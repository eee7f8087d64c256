"""Checking one submission: the cases, the comparisons, the search and its shrinking.

The order of work for one file:

1. read its source for forbidden imports;
2. start a worker (:mod:`.sandbox`) that imports it and finds the function;
3. draw problems with the property tests' strategies through Hypothesis and,
   for each, call the submission twice and compare with the reference
   (:func:`manual_backprop.loss_and_grad`); the first failing problem is
   shrunk by Hypothesis to the smallest one that still fails the same way;
4. at that smallest counterexample, compare the submission's gradient with
   finite differences of its *own* loss, which separates "your gradient is
   wrong" from "your gradient is right, but for another loss";
5. collect what the worker's guard refused (forbidden imports, writes,
   processes, network) and what the submission patched.

A one-argument ``fun(W)`` (the exercise's closure style) gets steps 1, 2, the
purity and repeatability checks, and step 4 at every drawn ``W``.
"""

import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle._worker import AUTODIFF, PROJECT
from backprop_oracle.diagnosis import (
    UNSTABLE_LOGIT,
    Observation,
    diagnostic_problems,
    explaining_from,
    explaining_variants,
    observe,
)
from backprop_oracle.findings import KINDS, Finding, Result
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.mistakes import MISTAKES, Variant
from backprop_oracle.problems import WEIGHT_SCALES, Problem, architectures, problems
from backprop_oracle.rules import block_of, localise, on_a_kink
from backprop_oracle.sandbox import (
    ALWAYS_PROTECTIONS,
    SANDBOX_PROTECTIONS,
    Reply,
    Worker,
    WorkerDied,
    sandbox_available,
)
from backprop_oracle.static import forbidden_imports
from backprop_oracle.tolerances import (
    EPS,
    FD_RTOL,
    GRADIENT_RTOL,
    LOSS_ATOL,
    LOSS_LOGIT_ULPS,
    LOSS_RTOL,
)
from manual_backprop.gradcheck import (
    directional_derivative,
    gradient_scale,
    logit_magnitude,
    loss_rounding,
    relative_error,
    relu_piece,
)

__all__ = ["Options", "check_file"]

Array = NDArray[np.float64]

#: Failures about the numbers, which a known mistake may explain.
NUMERIC_KINDS = frozenset({"loss-mismatch", "gradient-mismatch", "non-finite"})
#: Stop looking for a smaller counterexample this long after the first failure.
SHRINK_SECONDS = 30.0
#: Stop the whole search after this long, however many examples are left.
SEARCH_SECONDS = 120.0
#: A submission that kills its worker this often is not restarted again.
MAX_RESTARTS = 20
#: Coordinates checked against finite differences at a counterexample.
MAX_FD_COORDINATES = 40
#: lam for the search, in the order a failure shrinks towards: 0 first, then 0.1,
#: where a penalty mistake changes the numbers plainly, and the extremes last.
LAMS = (0.0, 0.1, 1e-3, 10.0, 1e3, 1e-8)
#: Weight scales for the search: the property tests' (1e-3 to 50), and 1e3, whose
#: logits (beyond 709, where exp overflows) show a loss that is not computed from
#: the logits stably even behind sigmoid hidden layers, whose outputs are at most 1.
ORACLE_WEIGHT_SCALES = (*WEIGHT_SCALES, 1e3)
#: Parameter counts tried for a ``fun(W)`` whose module does not say its length:
#: the exercise's networks 2-4-1, 2-10-10-10-10-1 and 2-10-3.
EXERCISE_SIZES = ([2, 4, 1], [2, 10, 10, 10, 10, 1], [2, 10, 3])


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


class _Stop(BaseException):
    """Ends the search at once (a hang, garbled answers, the time budget).

    A BaseException, so that Hypothesis does not try to shrink it.
    """


class _CaseFailed(Exception):
    """A drawn problem failed; one subclass per finding kind, so that
    Hypothesis shrinks each kind of failure separately."""


_FAILED = {kind: type(f"Failed[{kind}]", (_CaseFailed,), {}) for kind in KINDS}


@dataclass
class Case:
    """One problem put to the submission, and what came of it."""

    W: Array  # canonical layout
    X: Array
    T: Array
    layer_sizes: list[int]
    lam: float
    findings: list[Finding] = field(default_factory=list)
    loss: float | None = None
    grad: Array | None = None  # canonical layout
    reference_loss: float | None = None
    reference_grad: Array | None = None
    scale: float | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    #: |loss - reference| and the gradient's relative error, each over its tolerance.
    loss_ratio: float = 0.0
    gradient_ratio: float = 0.0

    @property
    def kind(self) -> str:
        """The most important finding's kind."""
        return min((f.kind for f in self.findings), key=KINDS.index)

    @property
    def size(self) -> tuple[int, int, int]:
        """Smaller is simpler: layers, parameters, samples."""
        return (len(self.layer_sizes), self.W.size, self.X.shape[0])


def _jsonable(array: Array) -> Any:
    """An array as nested lists, non-finite values as strings (JSON has no NaN)."""
    if array.ndim == 0:
        value = float(array)
        return value if math.isfinite(value) else str(value)
    return [_jsonable(a) for a in array]


class _Check:
    """The state of checking one file."""

    def __init__(self, path: Path, options: Options) -> None:
        self.path = path
        self.options = options
        self.findings: list[Finding] = []
        self.failures: dict[str, Case] = {}
        self.examples = 0
        self.started = time.monotonic()
        self.first_failure: float | None = None
        self.seed = options.seed if options.seed is not None else random.randrange(2**32)
        self.worker = Worker(
            path,
            options.function,
            options.timeout,
            options.memory,
            options.allow_autodiff,
            options.isolate,
        )
        self.style = "full"
        #: The layout the submission is judged in (``auto`` is resolved by :meth:`find_layout`).
        self.layout = "canonical" if options.layout == "auto" else options.layout
        self.counterexample: dict[str, Any] | None = None

    # ---------------------------------------------------------------- calls

    def call(self, W: Array, X: Array, T: Array, layer_sizes: list[int], lam: float) -> Reply:
        """The submission's answer at canonical ``W``; a hang or garbled answer stops the search."""
        W_sent = W if self.style == "closure" else to_layout(W, layer_sizes, self.layout)
        try:
            reply = self.worker.call(W_sent, X, T, layer_sizes, lam)
        except WorkerDied as died:
            if died.kind in ("timeout", "tampering") or self.worker.starts > MAX_RESTARTS:
                where = ""
                if layer_sizes:
                    sizes = "-".join(str(n) for n in layer_sizes)
                    where = f" (on a problem with layer sizes {sizes}, N = {X.shape[0]})"
                self._add_once(Finding(died.kind, died.message + where))
                raise _Stop from None
            return Reply("died", {}, message=died.message)
        if reply.grad is not None and self.style != "closure":
            reply.grad = from_layout(reply.grad, layer_sizes, self.layout)
        return reply

    def _add_once(self, finding: Finding) -> None:
        if all(f.kind != finding.kind for f in self.findings):
            self.findings.append(finding)

    # ---------------------------------------------------------------- cases

    def reply_findings(self, case: Case, reply: Reply) -> bool:
        """Findings from one reply's form; True when its numbers can be compared."""
        status = {
            "exit": "crash",
            "exception": "crash",
            "died": "crash",
            "memory": "memory",
            "bad-return": "bad-return",
        }
        if reply.status in status:
            prefix = {"memory": "ran out of memory: ", "bad-return": ""}.get(reply.status, "")
            case.findings.append(Finding(status[reply.status], prefix + reply.message))
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
        bad = [
            name
            for name, value in (("loss", reply.loss), ("grad", reply.grad))
            if not np.all(np.isfinite(value))
        ]
        if bad:
            case.loss, case.grad = reply.loss, reply.grad
            case.findings.append(
                Finding("non-finite", f"the returned {' and '.join(bad)} contains NaN or inf")
            )
            return False
        return True

    def repeat(self, case: Case, first: Reply) -> None:
        """Call again with the same arguments: a pure function returns the same bits."""
        second = self.call(case.W, case.X, case.T, case.layer_sizes, case.lam)
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
        try:
            reference_loss, reference_grad = mb.loss_and_grad(
                case.W, case.X, case.T, case.layer_sizes, case.lam, self.options.activation
            )
        except ValueError:  # the loss overflows float64 here: no reference to compare with
            assume(False)
        case.reference_loss, case.reference_grad = reference_loss, reference_grad
        # relu'(0) may be taken as 0 (the reference) or 1 (SPEC section 1): both are
        # right, so a problem with a hidden pre-activation exactly at 0 decides nothing.
        assume(
            not (self.options.activation == "relu" and on_a_kink(case.W, case.X, case.layer_sizes))
        )
        first = self.call(case.W, case.X, case.T, case.layer_sizes, case.lam)
        if not self.reply_findings(case, first):
            return case
        self.repeat(case, first)
        case.loss, case.grad = first.loss, first.grad
        args = (case.W, case.X, case.T, case.layer_sizes, case.lam, self.options.activation)
        logits = logit_magnitude(case.W, case.X, case.layer_sizes, self.options.activation)
        tolerance = (
            LOSS_RTOL * reference_loss
            + LOSS_ATOL
            + LOSS_LOGIT_ULPS * EPS * float(np.mean(np.max(logits, axis=1)))
            + loss_rounding(*args)
        )
        assert case.loss is not None
        assert case.grad is not None
        case.loss_ratio = abs(case.loss - reference_loss) / tolerance
        if not abs(case.loss - reference_loss) <= tolerance:
            case.findings.append(
                Finding(
                    "loss-mismatch",
                    f"the loss is {case.loss!r} where the assignment's loss is "
                    f"{reference_loss!r} (difference {abs(case.loss - reference_loss):.3g}, "
                    f"tolerance {tolerance:.3g})",
                )
            )
        case.scale = gradient_scale(*args)
        error = relative_error(case.grad, reference_grad, case.scale)
        case.gradient_ratio = error / GRADIENT_RTOL
        if not error <= GRADIENT_RTOL:
            case.blocks = localise(case.grad, reference_grad, case.layer_sizes, case.scale)
            worst = case.blocks[0]["worst"][0]
            case.findings.append(
                Finding(
                    "gradient-mismatch",
                    f"the gradient differs from the reference in "
                    f"{', '.join(b['block'] for b in case.blocks)} (relative error {error:.3g}; "
                    f"at {worst['entry']} yours is {worst['submission']!r}, the reference "
                    f"{worst['reference']!r})",
                    {"blocks": [b["block"] for b in case.blocks]},
                )
            )
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
        first = self.call(W, empty, case.T, [], 0.0)
        if not self.reply_findings(case, first):
            return case
        self.repeat(case, first)
        case.loss, case.grad = first.loss, first.grad
        coordinates = rng.choice(n, size=min(2, n), replace=False)
        self.self_consistency(case, [int(i) for i in coordinates])
        return case

    # ------------------------------------------------ finite differences

    def self_consistency(self, case: Case, coordinates: list[int]) -> None:
        """Compare the submission's gradient with finite differences of its own loss."""
        assert case.loss is not None
        assert case.grad is not None

        def own_loss(W: Array) -> float:
            reply = self.call(W, case.X, case.T, case.layer_sizes, case.lam)
            if reply.status != "ok" or reply.loss is None or not math.isfinite(reply.loss):
                raise _NoDerivative
            return reply.loss

        piece = None
        if self.options.activation == "relu" and self.style != "closure":
            piece = relu_piece(case.X, case.layer_sizes)
        size = max(float(np.max(np.abs(case.grad), initial=0.0)), case.scale or 0.0)
        noise = 64 * EPS * abs(case.loss)
        if self.style != "closure":
            args = (case.W, case.X, case.T, case.layer_sizes, case.lam, self.options.activation)
            noise += loss_rounding(*args)
        worst: tuple[float, int, float] | None = None
        unit = np.zeros_like(case.W)
        for i in coordinates:
            unit[i] = 1.0
            try:
                d = directional_derivative(own_loss, case.W, unit, piece, noise)
            except _NoDerivative:
                d = None
            unit[i] = 0.0
            if d is None or not d.smooth or not math.isfinite(d.value):
                continue
            bound = FD_RTOL * max(size, abs(d.value)) + 2.0 * d.truncation + 3.0 * noise / d.step
            gap = abs(float(case.grad[i]) - d.value)
            if gap > bound and (worst is None or gap / bound > worst[0]):
                worst = (gap / bound, i, d.value)
        if worst is not None:
            _, i, value = worst
            where = block_of(i, case.layer_sizes) if case.layer_sizes else f"W[{i}]"
            case.findings.append(
                Finding(
                    "gradient-inconsistent",
                    f"the gradient disagrees with finite differences of the submission's own "
                    f"loss: at {where} it is {float(case.grad[i])!r}, the loss changes at "
                    f"a rate of {value!r}",
                )
            )

    # ---------------------------------------------------------------- search

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

    def search(self, strategy: st.SearchStrategy[Any], evaluate: Callable[[Any], Case]) -> None:
        """Run Hypothesis over ``strategy``; failing cases are remembered, then shrunk."""

        @settings(
            max_examples=self.options.examples,
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
            now = time.monotonic()
            if now - self.started > SEARCH_SECONDS or (
                self.first_failure is not None and now - self.first_failure > SHRINK_SECONDS
            ):
                raise _Stop
            case = evaluate(drawn)  # may reject the problem (Hypothesis's assume)
            self.examples += 1
            if case.findings:
                self.remember(case)
                raise _FAILED[case.kind]

        try:
            run()
        except (_CaseFailed, _Stop):
            pass
        except ExceptionGroup as group:  # several kinds of failure, each shrunk (or flaky)
            if group.split((_CaseFailed, Flaky))[1] is not None:
                raise  # something else went wrong: a bug of the oracle's, not the submission's
        except Flaky:
            # The submission answered the same problem differently on a replay;
            # the failures remembered so far (not-repeatable among them) stand.
            pass

    # ------------------------------------------------------------------ run

    def start(self) -> bool:
        """Read the source, start the worker; True when there is a function to call."""
        forbidden = PROJECT if self.options.allow_autodiff else AUTODIFF + PROJECT
        source = self.path.read_bytes().decode("utf-8", errors="replace")
        for module, line in forbidden_imports(source, forbidden):
            self.findings.append(
                Finding("forbidden-import", f"line {line} imports {module}", {"module": module})
            )
        try:
            hello = self.worker.start()
        except WorkerDied as died:
            kind = "timeout" if died.kind == "timeout" else "import-error"
            self.findings.append(Finding(kind, f"while importing the submission: {died.message}"))
            return False
        status, message = hello.get("status"), str(hello.get("message", ""))
        if status == "ready":
            self.style = str(hello.get("style"))
            return True
        if status == "missing-function":
            defined = f" (it defines: {message})" if message else " (it defines no function)"
            if message.startswith("signature"):
                defined = (
                    f": its {message} fits neither loss_and_grad(W, X, T, layer_sizes, lam) "
                    "nor fun(W)"
                )
            self.findings.append(
                Finding(
                    "missing-function",
                    f"no usable function {self.options.function!r}{defined}",
                )
            )
        elif status == "memory":
            self.findings.append(Finding("memory", f"ran out of memory while imported: {message}"))
        else:
            self.findings.append(Finding("import-error", message or "the import failed"))
        return False

    def find_layout(self) -> None:
        """``--layout auto``: judge the submission in the known layout its numbers fit.

        Each diagnostic problem's vector is sent as it is; the reference is
        computed reading it in every known layout, and the layout whose loss and
        gradient are closest to the submission's, worst case over the problems,
        is chosen (a correct submission matches one to rounding; a wrong one is
        still far closer in its own layout than in another).
        """
        self.layout = "canonical"  # send and read back vectors unchanged
        worst = dict.fromkeys(LAYOUTS, 0.0)
        answered = 0
        for W, X, T, sizes, lam in diagnostic_problems():
            answer = self.answer(W, X, T, sizes, lam)
            if answer is None:
                continue
            answered += 1
            loss, grad = answer
            for layout in LAYOUTS:
                W_read = from_layout(W, sizes, layout)
                args = (W_read, X, T, sizes, lam, self.options.activation)
                reference_loss, reference_grad = mb.loss_and_grad(*args)
                written = to_layout(reference_grad, sizes, layout)
                error = max(
                    abs(loss - reference_loss) / reference_loss,
                    relative_error(grad, written, gradient_scale(*args)),
                )
                worst[layout] = max(worst[layout], error)
        if answered == 0:
            self.findings.append(
                Finding(
                    "note",
                    "--layout auto: no diagnostic problem was answered; "
                    "judged in the canonical layout",
                )
            )
            return
        self.layout = min(LAYOUTS, key=lambda layout: worst[layout])  # ties: canonical first
        fit = "matches" if worst[self.layout] <= GRADIENT_RTOL else "comes closest to"
        self.findings.append(
            Finding(
                "note",
                f"--layout auto: the submission {fit} the {self.layout} layout "
                f"(largest relative error {worst[self.layout]:.2g} over {answered} problems), "
                "so it is judged in that layout",
                {"layout": self.layout},
            )
        )

    def closure_length(self) -> int | None:
        """The length of ``W`` for ``fun(W)``: from the module, or by trying the exercise's."""
        hint = self.worker.hello.get("hint", {})
        if isinstance(hint.get("n_params"), int) and hint["n_params"] > 0:
            return int(hint["n_params"])
        sizes = hint.get("layer_sizes")
        if isinstance(sizes, list) and len(sizes) >= 2 and all(s > 0 for s in sizes):
            return mb.n_params(sizes)
        for sizes in EXERCISE_SIZES:
            W = mb.init_weights(sizes, 0)
            if self.call(W, np.zeros((0, 0)), np.zeros(0), [], 0.0).status == "ok":
                return W.size
        return None

    def run(self) -> None:
        """Every check, in order; findings accumulate in ``self.findings``."""
        if not self.start():
            return
        if self.style == "closure":
            n = self.closure_length()
            if n is None:
                self.findings.append(
                    Finding(
                        "missing-function",
                        f"{self.options.function}(W) takes one argument and the module does not "
                        "say how long W is: define layer_sizes (or W0) at module level",
                    )
                )
                return
            weights = st.tuples(
                st.just(n), st.sampled_from(ORACLE_WEIGHT_SCALES), st.integers(0, 2**32 - 1)
            )
            self.search(weights, self.evaluate_closure)
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
                self.find_layout()
            strategy = problems(
                sizes=architectures(),
                activation=st.just(self.options.activation),
                lam=st.sampled_from(LAMS),
                weight_scales=ORACLE_WEIGHT_SCALES,
                binary_forms=("floats",),
                multiclass_forms=("one-hot",),
            )
            self.search(strategy, self.evaluate)
        self.conclude()

    def conclude(self) -> None:
        """Finite differences at the counterexample; the findings of the smallest failures."""
        if not self.failures:
            return
        primary = min(self.failures, key=KINDS.index)
        case = self.failures[primary]
        if (
            self.style != "closure"
            and case.grad is not None
            and case.reference_grad is not None
            and primary in ("gradient-mismatch", "loss-mismatch")
        ):
            gap = np.abs(case.grad - case.reference_grad)
            rng = np.random.default_rng(0)
            if case.W.size <= MAX_FD_COORDINATES:
                coordinates = list(range(case.W.size))
            else:
                worst = np.argsort(-gap, kind="stable")[: MAX_FD_COORDINATES // 2]
                others = rng.choice(case.W.size, MAX_FD_COORDINATES // 2, replace=False)
                coordinates = sorted({int(i) for i in worst} | {int(i) for i in others})
            with contextlib.suppress(_Stop):
                self.self_consistency(case, coordinates)
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
        for kind in sorted(self.failures, key=KINDS.index):
            self._add_once(next(f for f in self.failures[kind].findings if f.kind == kind))
        for finding in case.findings:  # the counterexample's own, added above
            self._add_once(finding)
        if self.style != "closure" and set(self.failures) & NUMERIC_KINDS:
            with contextlib.suppress(_Stop):
                self.diagnose(case)
        self.counterexample = self.describe(case)

    def answer(
        self, W: Array, X: Array, T: Array, layer_sizes: list[int], lam: float
    ) -> tuple[float, Array] | None:
        """The submission's finite loss and gradient (canonical), or None."""
        reply = self.call(W, X, T, layer_sizes, lam)
        if reply.status != "ok" or reply.loss is None or reply.grad is None:
            return None
        if not (math.isfinite(reply.loss) and np.all(np.isfinite(reply.grad))):
            return None
        return reply.loss, reply.grad

    def diagnose(self, case: Case) -> None:
        """Name the known mistake that explains the submission's numbers, if one does."""
        activation = self.options.activation
        observations = observe(self.answer, activation)
        base = Variant(read_layout=self.layout, write_layout=self.layout)
        # explaining_from is empty for no observations: nothing answered proves nothing right
        right_where_unsaturated = bool(
            explaining_from([base], observations, self.layout, activation)
        )
        found: list[tuple[str, str]] = []
        if right_where_unsaturated:
            # Right on every ordinary problem: only a loss that breaks down at large
            # logits is known to fail like that.
            failing = [
                self.failures[k] for k in ("non-finite", "loss-mismatch") if k in self.failures
            ]
            largest = max((_largest_logit(c, activation) for c in failing), default=0.0)
            if set(self.failures) <= {"non-finite", "loss-mismatch"} and largest >= UNSTABLE_LOGIT:
                found.append(("unstable-loss", f"here the logits reach {largest:.3g}"))
        else:
            if (seen := _observation(case)) is not None:
                observations.append(seen)
            for variant in explaining_variants(observations, self.layout, activation):
                found += [(name, _detail(name, variant)) for name in variant.mistakes(self.layout)]
        if not found:
            self.findings.append(
                Finding(
                    "note",
                    "the cause is not one of the known mistakes: "
                    + (
                        "the submission is right on ordinary problems and fails only on some, "
                        "like the counterexample"
                        if right_where_unsaturated
                        else "no known mistake, alone or in a pair, reproduces its numbers"
                    )
                    + "; the findings above say where it goes wrong",
                )
            )
        for name, detail in found:
            step, explanation = MISTAKES[name]
            message = f"{name} (exercise step {step}): {explanation}"
            self.findings.append(
                Finding(
                    "diagnosis",
                    message + (f"; {detail}" if detail else ""),
                    {"mistake": name, "step": step},
                )
            )

    def describe(self, case: Case) -> dict[str, Any]:
        """The counterexample as SPEC's JSON object."""
        if self.style == "closure":
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
            "layout": self.layout,
            "n_samples": int(case.X.shape[0]),
            "lam": case.lam,
            "loss": {"submission": case.loss, "reference": case.reference_loss},
            "blocks": case.blocks,
            "W": _jsonable(to_layout(case.W, case.layer_sizes, self.layout)),
            "X": _jsonable(case.X),
            "T": _jsonable(case.T),
        }

    def tampering(self) -> None:
        """What the guard refused and what the submission patched, over every worker."""
        for module in self.worker.forbidden:
            if all(f.details.get("module") != module for f in self.findings):
                self.findings.append(
                    Finding(
                        "forbidden-import", f"imported {module} at run time", {"module": module}
                    )
                )
        if self.worker.blocked:
            self.findings.append(
                Finding(
                    "tampering",
                    "tried to "
                    + "; ".join(
                        b.removeprefix("backprop-oracle: a submission may not ")
                        for b in self.worker.blocked[:5]
                    )
                    + " (refused)",
                )
            )
        if self.worker.patched:
            self.findings.append(
                Finding("tampering", f"replaced {', '.join(self.worker.patched[:8])}")
            )


def _observation(case: Case) -> Observation | None:
    """``case`` as a diagnostic observation, when its numbers are finite."""
    if case.loss is None or case.grad is None or case.scale is None:
        return None
    if not (math.isfinite(case.loss) and np.all(np.isfinite(case.grad))):
        return None
    return Observation(
        case.W, case.X, case.T, case.layer_sizes, case.lam, case.loss, case.grad, case.scale
    )


def _largest_logit(case: Case, activation: str) -> float:
    """The largest |logit| of ``case``'s problem."""
    if not case.layer_sizes:
        return 0.0
    return float(np.max(np.abs(mb.forward(case.W, case.X, case.layer_sizes, activation))))


def _detail(name: str, variant: Variant) -> str:
    """What the diagnosis found beyond the mistake's name (the penalty's factors)."""
    if name != "penalty-scale":
        return ""
    loss = f"{variant.loss_penalty} * lam * sum ||W_l||^2"
    grad = f"{variant.grad_penalty} * lam * W_l"
    return f"the submission's penalty is {loss} in J, {grad} in the gradient"


class _NoDerivative(Exception):
    """The submission's loss could not be evaluated near the point."""


def check_file(path: Path, options: Options) -> Result:
    """Check one submission file; never raises for anything the submission does."""
    check = _Check(Path(path), options)
    try:
        try:
            check.run()
        finally:
            check.worker.close()
        check.tampering()
        if check.worker.isolated:
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
            output=check.worker.output(),
            seed=check.seed,
            examples=check.examples,
            seconds=time.monotonic() - check.started,
            sandbox=sandbox,
        )
    finally:
        check.worker.cleanup()
