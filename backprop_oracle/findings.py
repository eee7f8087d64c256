"""Findings, the cases they come from, results, and the order in which a report lists them."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["KINDS", "Case", "Finding", "Result"]

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
)
#: Kinds that do not fail a submission on their own.
INFORMATIVE = frozenset({"note"})


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
    """The verdict on one file, with the evidence."""

    file: str
    findings: list[Finding]
    counterexample: dict[str, Any] | None = None
    output: str = ""
    seed: int | None = None
    examples: int = 0
    seconds: float = 0.0
    sandbox: str = ""

    @property
    def verdict(self) -> str:
        """``"pass"`` when no finding fails the submission, else ``"fail"``."""
        return "fail" if any(f.kind not in INFORMATIVE for f in self.findings) else "pass"

    def sorted_findings(self) -> list[Finding]:
        """The findings in order of importance (stable within a kind)."""
        return sorted(self.findings, key=lambda f: KINDS.index(f.kind))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of SPEC section 5, plus how the check was run."""
        return {
            "file": self.file,
            "verdict": self.verdict,
            "findings": [f.as_dict() for f in self.sorted_findings()],
            "counterexample": self.counterexample,
            "submission_output": self.output,
            "seed": self.seed,
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "sandbox": self.sandbox,
        }
