"""The two forms of a report: text for a person, JSON for a program (SPEC section 5)."""

import json
import math
from typing import Any

from backprop_oracle.findings import Result

__all__ = ["json_report", "summary_table", "text_report"]


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its name, so that JSON stays valid."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_report(results: list[Result]) -> str:
    """One JSON document: ``{"results": [...]}``."""
    document = {"results": [_finite(r.as_dict()) for r in results]}
    return json.dumps(document, indent=2, allow_nan=False)


#: Inline the counterexample's arrays in the reproduction when they hold at most this many numbers.
MAX_INLINE_NUMBERS = 300


def _reproduction(file: str, example: dict[str, Any]) -> list[str]:
    """Three lines of Python that call the submission on its counterexample."""
    arrays = ("W",) if example.get("style") == "closure" else ("W", "X", "T")
    count = sum(len(json.dumps(example[name]).split(",")) for name in arrays)
    if count > MAX_INLINE_NUMBERS:
        return ["  reproduce: W, X and T of this example are in the --json report"]
    load = f"f = run_path({file!r})[{example['function']!r}]"
    values = ", ".join(f"np.array({json.dumps(example[name])})" for name in arrays)
    if len(arrays) == 1:
        call, comment = "print(f(W))", ""
    else:
        call = f"print(f(W, X, T, {example['layer_sizes']}, {example['lam']!r}))"
        reference = (example.get("loss") or {}).get("reference")
        comment = f"  # the reference loss: {reference!r}" if reference is not None else ""
    return [
        "  reproduce:",
        f"    import numpy as np; from runpy import run_path; {load}",
        f"    {', '.join(arrays)}{',' if len(arrays) == 1 else ''} = {values}",
        f"    {call}{comment}",
    ]


def _counterexample_lines(example: dict[str, Any]) -> list[str]:
    if example.get("style") == "closure":
        return [f"  smallest counterexample: W of length {example['n_params']}"]
    sizes = "-".join(str(n) for n in example["layer_sizes"])
    hidden = (
        f"{example['activation']} hidden units"
        if len(example["layer_sizes"]) > 2
        else "(no hidden layer)"
    )
    lines = [
        f"  smallest counterexample: layer sizes {sizes} {hidden}, "
        f"N = {example['n_samples']}, lam = {example['lam']:g}, layout {example['layout']}"
    ]
    loss = example.get("loss") or {}
    if loss.get("submission") is not None:
        lines.append(f"    loss: yours {loss['submission']!r}, reference {loss['reference']!r}")
    if example.get("blocks"):
        lines.append(
            f"    {'block':<6} {'rel. error':>10}  {'entry':<12} {'yours':>24} {'reference':>24}"
        )
        for block in example["blocks"]:
            for k, entry in enumerate(block["worst"]):
                name, error = (
                    (block["block"], f"{block['relative_error']:.2e}") if k == 0 else ("", "")
                )
                lines.append(
                    f"    {name:<6} {error:>10}  {entry['entry']:<12} "
                    f"{entry['submission']!r:>24} {entry['reference']!r:>24}"
                )
    return lines


def text_report(result: Result) -> str:
    """The verdict first, then the findings by importance, the counterexample, the output."""
    lines = [
        f"{result.verdict.upper()}  {result.file}  ({result.examples} examples, seed "
        f"{result.seed}, {result.seconds:.1f} s)"
    ]
    findings = result.sorted_findings()
    width = max((len(f.kind) for f in findings), default=0)
    for finding in findings:
        text = finding.message.replace("\n", "\n" + " " * (width + 4))
        lines.append(f"  {finding.kind:<{width}}  {text}")
    if result.counterexample is not None:
        lines.extend(_counterexample_lines(result.counterexample))
        lines.extend(_reproduction(result.file, result.counterexample))
    if result.output:
        lines.append("  the submission printed (not part of the verdict):")
        lines.extend("    | " + line for line in result.output.splitlines())
    return "\n".join(lines)


def _mistakes(result: Result) -> str:
    """The diagnosed mistakes, else the most important finding's kind."""
    names = [str(f.details["mistake"]) for f in result.findings if f.kind == "diagnosis"]
    if names:
        return ", ".join(names)
    failing = [f.kind for f in result.sorted_findings() if f.kind != "note"]
    return f"({failing[0]})" if failing else ""


def summary_table(results: list[Result]) -> str:
    """One line per file: the file, its verdict and its mistakes; then the totals."""
    width = max(len(r.file) for r in results)
    lines = [f"{'file':<{width}}  verdict  mistakes"]
    lines += [f"{r.file:<{width}}  {r.verdict.upper():<7}  {_mistakes(r)}" for r in results]
    passed = sum(r.verdict == "pass" for r in results)
    lines.append(f"{len(results)} files: {passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)
