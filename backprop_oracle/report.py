"""The two forms of a report: text for a person, JSON for a program (SPEC section 5).

Reports are inert: every text that came from a submission (its output, its
exception messages and tracebacks, descriptions of what it returned, the
guard's messages, names) is shown with its control characters escaped
(:func:`~backprop_oracle.inert.escape_controls`), so that nothing it printed
can move the cursor or redraw a verdict on a terminal; JSON escapes every
control and non-ASCII character itself (``ensure_ascii``). A file checked
without the sandbox is announced by :data:`NOT_SANDBOXED` at the top of its
report and of the summary table.
"""

import json
import math
import re
from typing import Any

from backprop_oracle.findings import VERDICTS, Result
from backprop_oracle.inert import escape_controls

__all__ = ["NOT_SANDBOXED", "json_report", "report_name", "summary_table", "text_report"]

#: The banner over every text report of a file checked with ``--no-sandbox``.
NOT_SANDBOXED = (
    "!! NOT SANDBOXED (--no-sandbox): the submission ran as an ordinary process of the "
    "grader's user. It could read every file that user can read, change what that user "
    "can change, reach the network and local sockets, leave processes running, and write "
    "to this output; only the time, memory and output limits and an audit hook (which "
    "its own code can switch off) applied. Do not trust this verdict for a file you do "
    "not trust."
)


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
    """One JSON document: ``{"results": [...]}``, in ASCII (every control character escaped)."""
    document = {"results": [_finite(r.as_dict()) for r in results]}
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=True)


def report_name(result: Result) -> str:
    """A file name for ``result``'s report in ``--reports DIR``: its path, flattened,
    with only letters, digits, ``.``, ``_`` and ``-``."""
    flat = result.file.replace("/", "__").removesuffix(".py")
    return re.sub(r"[^A-Za-z0-9._-]", "_", flat).lstrip(".") + ".txt"


#: Inline the counterexample's arrays in the reproduction when they hold at most this many numbers.
MAX_INLINE_NUMBERS = 300


def _reproduction(file: str, example: dict[str, Any]) -> list[str]:
    """Three lines of Python that call the submission on its counterexample."""
    arrays = ("W",) if example.get("style") == "closure" else ("W", "X", "T")
    count = sum(len(json.dumps(example[name]).split(",")) for name in arrays)
    if count > MAX_INLINE_NUMBERS:
        return ["  reproduce: W, X and T of this example are in the --json report"]
    load = f"f = run_path({escape_controls(file, one_line=True)!r})[{example['function']!r}]"
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
    """The verdict first, then the findings by importance, the counterexample, the output.

    Preceded by :data:`NOT_SANDBOXED` when the file ran without the sandbox.
    """
    file = escape_controls(result.file, one_line=True)
    lines = [] if result.sandbox else [NOT_SANDBOXED]
    lines.append(
        f"{result.verdict.upper()}  {file}  ({result.examples} examples, seed "
        f"{result.seed}, {result.seconds:.1f} s)"
    )
    if result.verdict == "error":
        lines.append(f"  error  {escape_controls(result.error, one_line=True)}")
    if result.verdict == "consistent":
        lines.append("  consistent  checked for self-consistency only (see the note): not a pass")
    findings = result.sorted_findings()
    width = max((len(f.kind) for f in findings), default=0)
    for finding in findings:
        text = escape_controls(finding.message).replace("\n", "\n" + " " * (width + 4))
        lines.append(f"  {finding.kind:<{width}}  {text}")
    if result.counterexample is not None:
        lines.extend(_counterexample_lines(result.counterexample))
        lines.extend(_reproduction(result.file, result.counterexample))
    if result.output:
        lines.append("  the submission printed (not part of the verdict):")
        lines.extend("    | " + line for line in escape_controls(result.output).split("\n"))
    return "\n".join(lines)


def _mistakes(result: Result) -> str:
    """The diagnosed mistakes, else the most important finding's kind."""
    names = [str(f.details["mistake"]) for f in result.findings if f.kind == "diagnosis"]
    if names:
        return ", ".join(names)
    failing = [f.kind for f in result.sorted_findings() if f.kind != "note"]
    return f"({failing[0]})" if failing else ""


def summary_table(results: list[Result]) -> str:
    """One line per file: the file, its verdict and its mistakes; then the totals.

    Preceded by :data:`NOT_SANDBOXED` when any file ran without the sandbox.
    """
    names = [escape_controls(r.file, one_line=True) for r in results]
    width = max(len(name) for name in names)
    lines = [] if all(r.sandbox for r in results) else [NOT_SANDBOXED]
    lines.append(f"{'file':<{width}}  verdict     mistakes")
    lines += [
        f"{name:<{width}}  {r.verdict.upper():<10}  {_mistakes(r)}"
        for name, r in zip(names, results, strict=True)
    ]
    count = {verdict: sum(r.verdict == verdict for r in results) for verdict in VERDICTS}
    totals = f"{len(results)} files: {count['pass']} passed, {count['fail']} failed"
    if count["consistent"]:
        totals += f", {count['consistent']} only self-consistent (not passed)"
    if count["error"]:
        totals += f", {count['error']} could not be judged (error)"
    lines.append(totals)
    return "\n".join(lines)
