"""The two forms of a report: text for a person, JSON for a program (SPEC section 5)."""

import json
import math
from typing import Any

from backprop_oracle.findings import Result

__all__ = ["json_report", "text_report"]


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


def _counterexample_lines(example: dict[str, Any]) -> list[str]:
    if example.get("style") == "closure":
        return [
            f"  smallest counterexample: W of length {example['n_params']} (in the JSON report)"
        ]
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
    lines.append("    (W, X and T of this example are in the --json report)")
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
    if result.output:
        lines.append("  the submission printed (not part of the verdict):")
        lines.extend("    | " + line for line in result.output.splitlines())
    return "\n".join(lines)
