"""Findings, results, and the order in which a report lists them."""

from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "Finding", "Result"]

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
