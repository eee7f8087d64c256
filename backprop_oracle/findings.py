"""Findings, the cases they come from, results, and the order in which a report lists them.

A result's verdict (SPEC section 5.1) is one of :data:`VERDICTS`:

``pass``
    no finding fails the file, it was compared with the reference, and at
    least the minimum number of examples ran;
``fail``
    a finding fails it (a timeout included, also a search cut short);
``consistent``
    a one-argument ``fun(W)`` with no failing finding: only its
    self-consistency could be checked, which is never a pass;
``error``
    the oracle could not judge the file (:attr:`Result.error` says why).

A file is judged in parts (:mod:`.rubric`); each part has a verdict of its own,
one of :data:`PART_VERDICTS`, and scores its ``max_score`` when it passes, 0
otherwise. A file with parts passes when every part that was not skipped
passes and no file-wide finding (a forbidden import, tampering, an import that
fails) fails it.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "INFORMATIVE",
    "KINDS",
    "PART_VERDICTS",
    "VERDICTS",
    "Case",
    "Finding",
    "PartResult",
    "Result",
]

Array = NDArray[np.float64]

#: Every finding kind (SPEC section 5), most important first: a report lists
#: its findings in this order, and a counterexample is shown for the first
#: kind that has one.
KINDS = (
    "forbidden-import",
    "tampering",
    "import-error",
    "missing-function",
    "timeout",
    "memory",
    "crash",
    "bad-return",
    "non-finite",
    "mutates-input",
    "not-repeatable",
    "gradient-mismatch",
    "loss-mismatch",
    "gradient-inconsistent",
    "diagnosis",
    "note",
    # Added by issue 15, after SPEC section 5's kinds: something in the source a
    # teacher may want to look at (complex-step or finite-difference "backprop",
    # whose numbers cannot be told from backprop's); it never changes a verdict.
    "warning",
)
#: Kinds that do not fail a submission on their own.
INFORMATIVE = frozenset({"note", "warning"})
#: The verdict words, best first.
VERDICTS = ("pass", "consistent", "fail", "error")
#: A part's verdict: ``not-implemented`` when the submission refused every problem
#: of the part (or lacks its function), ``skipped`` when narrowing left the part
#: no problem, ``error`` when the oracle could not judge it.
PART_VERDICTS = ("pass", "consistent", "fail", "not-implemented", "skipped", "error")


@dataclass
class Finding:
    """One thing the oracle found: a kind from :data:`KINDS` and a sentence."""

    kind: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: unknown finding kind {self.kind!r}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: ``kind``, ``message`` and any details."""
        return {"kind": self.kind, "message": self.message, **self.details}


@dataclass
class Case:
    """One problem put to the submission, and what came of it.

    For a ``fun(W)`` submission, ``X`` has shape ``(0, 0)``, ``T`` shape
    ``(0,)`` and ``layer_sizes`` is empty: its data are its own.
    """

    W: Array  # canonical layout, shape (n_params,)
    X: Array  # shape (N, n_0)
    T: Array  # shape (N,) for binary targets, (N, n_L) one-hot rows for multiclass
    layer_sizes: list[int]
    lam: float
    activation: str = "sigmoid"
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
    #: The reference's output: ``auto``, or ``sigmoids`` (ex4's K sigmoid outputs).
    output: str = "auto"

    @property
    def kind(self) -> str:
        """The most important finding's kind."""
        return min((f.kind for f in self.findings), key=KINDS.index)

    @property
    def size(self) -> tuple[int, int, int]:
        """Smaller is simpler: layers, parameters, samples."""
        return (len(self.layer_sizes), self.W.size, self.X.shape[0])


@dataclass
class PartResult:
    """The verdict on one part of a rubric, with its own evidence.

    ``family`` describes the problems the part put (hidden layers, outputs,
    ``lam``, weights, function, activation, layout); ``reason`` says why a
    part was skipped or not implemented.
    """

    name: str
    verdict: str
    max_score: float
    title: str = ""
    findings: list[Finding] = field(default_factory=list)
    counterexample: dict[str, Any] | None = None
    family: dict[str, Any] = field(default_factory=dict)
    examples: int = 0
    seed: int | None = None
    visibility: str = "visible"
    reason: str = ""
    #: For a one-argument ``fun(W)``: ``reference`` when its problem was inferred and
    #: its numbers compared with the reference, ``self-consistency`` when they could not be.
    verified: str = ""
    #: The inferred problem, in words ("fun(W): 2-4-1 sigmoid, lam = 0.01, ...").
    problem: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in PART_VERDICTS:
            raise ValueError(f"verdict: unknown part verdict {self.verdict!r}")

    @property
    def score(self) -> float:
        """``max_score`` for a pass, else 0."""
        return self.max_score if self.verdict == "pass" else 0.0

    def sorted_findings(self) -> list[Finding]:
        """The findings in order of importance (stable within a kind)."""
        return sorted(self.findings, key=lambda f: KINDS.index(f.kind))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "title": self.title,
            "verdict": self.verdict,
            "score": self.score,
            "max_score": self.max_score,
            "reason": self.reason or None,
            "findings": [f.as_dict() for f in self.sorted_findings()],
            "counterexample": self.counterexample,
            "problem_family": self.family,
            "examples": self.examples,
            "seed": self.seed,
            "verified": self.verified or None,
            "problem": self.problem or None,
        }


@dataclass
class Result:
    """The verdict on one file, with the evidence.

    ``file`` is the submission as reports name it; ``findings`` are the
    file's own (the source scan, the import, tampering, the layout found),
    ``parts`` the verdicts of its parts; ``style`` is ``full`` or ``closure``
    (a ``fun(W)``, checked for self-consistency only); ``sandbox`` names the
    backend that jailed the worker (``bwrap``, ``unshare``), or is None when
    the file ran without the sandbox; ``error`` is set when the oracle could
    not judge the file, and says why.
    """

    file: str
    findings: list[Finding]
    counterexample: dict[str, Any] | None = None
    output: str = ""
    seed: int | None = None
    examples: int = 0
    seconds: float = 0.0
    sandbox: str | None = None
    style: str = "full"
    error: str = ""
    parts: list[PartResult] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """One of :data:`VERDICTS`.

        ``error`` when the oracle could not judge the file or one of its parts;
        ``fail`` when a file-wide finding fails it, or a part that was not
        skipped did not pass; ``consistent`` for a ``fun(W)`` with no failing
        finding; else ``pass``.
        """
        if self.error or any(p.verdict == "error" for p in self.parts):
            return "error"
        if any(f.kind not in INFORMATIVE for f in self.all_findings()):
            return "fail"
        judged = [p for p in self.parts if p.verdict != "skipped"]
        if any(p.verdict not in ("pass", "consistent") for p in judged):
            return "fail"
        consistent = any(p.verdict == "consistent" for p in judged)
        return "consistent" if consistent or (self.style == "closure" and not judged) else "pass"

    @property
    def passed(self) -> bool:
        """True only for the verdict ``pass``."""
        return self.verdict == "pass"

    @property
    def score(self) -> float:
        """The sum of the parts' scores; 0 when a file-wide finding fails the file."""
        if any(f.kind not in INFORMATIVE for f in self.findings):
            return 0.0
        return sum(p.score for p in self.parts)

    @property
    def max_score(self) -> float:
        """The sum of the parts' ``max_score``."""
        return sum(p.max_score for p in self.parts)

    def all_findings(self) -> list[Finding]:
        """The file's findings and every part's, each (kind and message) once."""
        seen: set[tuple[str, str]] = set()
        found = []
        for finding in [*self.findings, *(f for p in self.parts for f in p.findings)]:
            if (finding.kind, finding.message) not in seen:
                seen.add((finding.kind, finding.message))
                found.append(finding)
        return found

    def sorted_findings(self) -> list[Finding]:
        """Every finding (:meth:`all_findings`) in order of importance (stable within a kind)."""
        return sorted(self.all_findings(), key=lambda f: KINDS.index(f.kind))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of SPEC section 5, plus how the check was run and the parts.

        ``findings`` holds the file's findings and every part's; ``sandbox`` is
        the backend's name, or ``false`` when the file ran without the sandbox;
        ``error`` is null unless the verdict is ``error``.
        """
        return {
            "file": self.file,
            "verdict": self.verdict,
            "score": self.score,
            "max_score": self.max_score,
            "findings": [f.as_dict() for f in self.sorted_findings()],
            "counterexample": self.counterexample,
            "parts": [p.as_dict() for p in self.parts],
            "submission_output": self.output,
            "seed": self.seed,
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "sandbox": self.sandbox if self.sandbox else False,
            "style": self.style,
            "error": self.error or None,
        }
