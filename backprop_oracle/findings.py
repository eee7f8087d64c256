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
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["INFORMATIVE", "KINDS", "VERDICTS", "Case", "Finding", "Result"]

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


@dataclass
class Result:
    """The verdict on one file, with the evidence.

    ``file`` is the submission as the user named it; ``style`` is ``full`` or
    ``closure`` (a ``fun(W)``, checked for self-consistency only); ``sandbox``
    names the backend that jailed the worker (``bwrap``, ``unshare``), or is
    None when the file ran without the sandbox; ``error`` is set when the
    oracle could not judge the file, and says why.
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

    @property
    def verdict(self) -> str:
        """One of :data:`VERDICTS`: ``error``, else ``fail`` when a finding fails the file,
        else ``consistent`` for a ``fun(W)``, else ``pass``."""
        if self.error:
            return "error"
        if any(f.kind not in INFORMATIVE for f in self.findings):
            return "fail"
        return "consistent" if self.style == "closure" else "pass"

    @property
    def passed(self) -> bool:
        """True only for the verdict ``pass``."""
        return self.verdict == "pass"

    def sorted_findings(self) -> list[Finding]:
        """The findings in order of importance (stable within a kind)."""
        return sorted(self.findings, key=lambda f: KINDS.index(f.kind))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of SPEC section 5, plus how the check was run.

        ``sandbox`` is the backend's name, or ``false`` when the file ran
        without the sandbox; ``error`` is null unless the verdict is ``error``.
        """
        return {
            "file": self.file,
            "verdict": self.verdict,
            "findings": [f.as_dict() for f in self.sorted_findings()],
            "counterexample": self.counterexample,
            "submission_output": self.output,
            "seed": self.seed,
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "sandbox": self.sandbox if self.sandbox else False,
            "style": self.style,
            "error": self.error or None,
        }
