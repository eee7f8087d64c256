"""The forms of a report: text for a person, JSON for a program, Gradescope's ``results.json``.

A text report leads with the file's verdict and score, then a table of its
parts, then a section for each part that did not pass: its findings, its
smallest counterexample, and three lines of Python that reproduce it.

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
from dataclasses import replace
from typing import Any

from backprop_oracle.findings import KINDS, VERDICTS, Finding, PartResult, Result
from backprop_oracle.inert import escape_controls
from backprop_oracle.notebook import NOTEBOOK_SUFFIX

__all__ = [
    "NOT_SANDBOXED",
    "RELATIVE_ERROR",
    "for_student",
    "gradescope_report",
    "json_report",
    "part_report",
    "report_name",
    "summary_table",
    "text_report",
]

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


#: How a report defines the relative error of a gradient block, where it first shows one.
RELATIVE_ERROR = (
    "rel. error: the largest |yours - reference| in the block, divided by S, the size of "
    "the terms summed into the gradient (not of their sum, which may cancel)"
)

#: Inline the counterexample's arrays in the reproduction when they hold at most this many numbers.
MAX_INLINE_NUMBERS = 300


def _native_reproduction(file: str, example: dict[str, Any]) -> list[str]:
    """Lines of Python that call a course convention's function or class on its
    counterexample, with the convention's own arguments."""
    call = example["call"]
    names = ("nn_params", "X", "y") if example["convention"] == "ex4" else ("X", "y")
    params = call.get("params", {})
    count = sum(len(json.dumps(call[name]).split(",")) for name in names)
    count += sum(len(json.dumps(value).split(",")) for value in params.values())
    if count > MAX_INLINE_NUMBERS:
        return ["  reproduce: the arguments of this example are in the --json report ('call')"]
    path = escape_controls(file, one_line=True)
    load = f"from runpy import run_path; f = run_path({path!r})[{example['function']!r}]"
    values = ", ".join(
        f"np.array({json.dumps(call[name])}{', dtype=int' if name == 'y' else ''})"
        for name in names
    )
    lines = [
        "  reproduce:",
        f"    import numpy as np; {load}",
        f"    {', '.join(names)} = {values}",
    ]
    reference = (example.get("loss") or {}).get("reference")
    comment = f"  # the reference loss: {reference!r}" if reference is not None else ""
    if example["convention"] == "ex4":
        sizes = f"{call['input_layer_size']}, {call['hidden_layer_size']}, {call['num_labels']}"
        lines.append(f"    print(f(nn_params, {sizes}, X, y, {call['lambda_']!r})){comment}")
        return lines
    sizes = call["layer_sizes"]
    if call["hidden_dims"]:
        build = f"f(hidden_dims={sizes[1:-1]}, input_dim={sizes[0]}, num_classes={sizes[-1]})"
    else:
        build = f"f({sizes[0]}, {sizes[1]}, {sizes[-1]})"
    update = ", ".join(f"{name}=np.array({json.dumps(value)})" for name, value in params.items())
    lines.append(f"    net = {build}; net.params.update({update})")
    either = f"or net.reg = {call['reg']!r}; net.loss(X, y)"
    comment = f"  # {either}" + (
        f"; the reference loss: {reference!r}" if reference is not None else ""
    )
    lines.append(f"    print(net.loss(X, y, reg={call['reg']!r})){comment}")
    return lines


def _reproduction(file: str, example: dict[str, Any]) -> list[str]:
    """Three lines of Python that call the submission on its counterexample."""
    if "call" in example:
        return _native_reproduction(file, example)
    own_data = example.get("style") in ("closure", "objective")
    arrays = ("W",) if own_data else ("W", "X", "T")
    count = sum(len(json.dumps(example[name]).split(",")) for name in arrays)
    if count > MAX_INLINE_NUMBERS:
        return [f"  reproduce: {', '.join(arrays)} of this example are in the --json report"]
    load = (
        "from runpy import run_path; "
        f"f = run_path({escape_controls(file, one_line=True)!r})[{example['function']!r}]"
    )
    if file.endswith(NOTEBOOK_SUFFIX):  # in the notebook itself, after its cells have run
        load = f"f = {example['function']}  # in a cell after the notebook's own"
    values = ", ".join(f"np.array({json.dumps(example[name])})" for name in arrays)
    if len(arrays) == 1:
        call, comment = "print(f(W))", ""
    else:
        call = f"print(f(W, X, T, {example['layer_sizes']}, {example['lam']!r}))"
        reference = (example.get("loss") or {}).get("reference")
        comment = f"  # the reference loss: {reference!r}" if reference is not None else ""
    return [
        "  reproduce:",
        f"    import numpy as np; {load}",
        f"    {', '.join(arrays)} = {values}",
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
    where = f"layout {example['layout']}"
    call = example.get("call")
    if call is not None:
        native = "lambda_" if "lambda_" in call else "reg"
        where = f"{native} = {call[native]:g} in {example['convention']}'s terms"
    lines = [
        f"  smallest counterexample: layer sizes {sizes} {hidden}, "
        f"N = {example['n_samples']}, lam = {example['lam']:g}, {where}"
    ]
    loss = example.get("loss") or {}
    if loss.get("submission") is not None:
        lines.append(f"    loss: yours {loss['submission']!r}, reference {loss['reference']!r}")
    if example.get("blocks"):
        scale = example.get("gradient_scale")
        lines.append(
            "    " + RELATIVE_ERROR + (f" (here S = {scale:.3g})" if scale is not None else "")
        )
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


_VERDICT_WORDS = {"not-implemented": "NOT IMPLEMENTED"}


def _score(value: float) -> str:
    return f"{value:g}"


def _findings_lines(findings: list[Any], indent: str = "  ") -> list[str]:
    width = max((len(f.kind) for f in findings), default=0)
    lines = []
    for finding in findings:
        text = escape_controls(finding.message).replace("\n", "\n" + indent + " " * (width + 2))
        lines.append(f"{indent}{finding.kind:<{width}}  {text}")
    return lines


def part_report(part: PartResult, file: str) -> list[str]:
    """One part's section: its verdict and score, findings, counterexample, reproduction."""
    verdict = _VERDICT_WORDS.get(part.verdict, part.verdict.upper())
    title = f" ({escape_controls(part.title, one_line=True)})" if part.title else ""
    lines = [f"{part.name}{title}: {verdict}, {_score(part.score)}/{_score(part.max_score)} points"]
    if part.problem or part.verified:
        lines.append(f"  {_verified(part)}")
    if part.reason and part.verdict not in ("skipped", "not-implemented"):
        lines.append(f"  {escape_controls(part.reason, one_line=True)}")
    lines += _findings_lines(part.sorted_findings())
    if part.counterexample is not None:
        lines.extend(_counterexample_lines(part.counterexample))
        lines.extend(_reproduction(file, part.counterexample))
    return lines


def _verified(part: PartResult) -> str:
    """What a ``fun(W)``'s part was judged on, and how: "fun(W): 2-4-1 sigmoid, ...;
    verified: reference"."""
    problem = escape_controls(part.problem, one_line=True)
    said = f"verified: {part.verified}" if part.verified else ""
    return "; ".join(text for text in (problem, said) if text)


def _what(part: PartResult) -> str:
    """A part's line in the table: its mistakes, its most important finding, or its problems."""
    names = [str(f.details["mistake"]) for f in part.findings if f.kind == "diagnosis"]
    if names:
        return ", ".join(names)
    if part.verdict in ("skipped", "not-implemented", "error"):
        return escape_controls(part.reason, one_line=True)[:120]
    failing = [f.kind for f in part.sorted_findings() if f.kind != "note"]
    if failing:
        return f"({failing[0]})"
    return escape_controls(part.reason, one_line=True)[:120]  # e.g. the file did not import


def _parts_table(result: Result) -> list[str]:
    width = max(len(p.name) for p in result.parts)
    lines = [f"  {'part':<{width}}  {'verdict':<15}  {'score':>7}  mistakes or why"]
    for part in result.parts:
        verdict = _VERDICT_WORDS.get(part.verdict, part.verdict.upper())
        score = f"{_score(part.score)}/{_score(part.max_score)}"
        lines.append(f"  {part.name:<{width}}  {verdict:<15}  {score:>7}  {_what(part)}")
    return lines


def for_student(result: Result) -> Result:
    """``result`` as handed to the student: the file named by its own name, not by the
    grader's path to it (in the reproduction, messages and output too)."""
    name = result.file.rsplit("/", 1)[-1]
    if name == result.file:
        return result

    def own(text: str) -> str:
        return text.replace(result.file, name)

    def findings(found: list[Finding]) -> list[Finding]:
        return [Finding(f.kind, own(f.message), f.details) for f in found]

    parts = [replace(p, findings=findings(p.findings), reason=own(p.reason)) for p in result.parts]
    return replace(
        result,
        file=name,
        findings=findings(result.findings),
        output=own(result.output),
        error=own(result.error),
        parts=parts,
    )


def text_report(result: Result) -> str:
    """The verdict and score first, the parts, the file's findings, then each part that
    did not pass, in full; the submission's output last.

    Preceded by :data:`NOT_SANDBOXED` when the file ran without the sandbox.
    """
    file = escape_controls(result.file, one_line=True)
    lines = [] if result.sandbox else [NOT_SANDBOXED]
    score = f"score {_score(result.score)}/{_score(result.max_score)}, " if result.parts else ""
    lines.append(
        f"{result.verdict.upper()}  {file}  ({score}{result.examples} examples, seed "
        f"{result.seed}, {result.seconds:.1f} s)"
    )
    if result.verdict == "error" and result.error:
        lines.append(f"  error  {escape_controls(result.error, one_line=True)}")
    if result.verdict == "consistent":
        lines.append("  consistent  checked for self-consistency only (see the note): not a pass")
    if not result.parts:  # no part was judged: the file's findings are all there is
        lines += _findings_lines(result.sorted_findings())
        if result.counterexample is not None:
            lines.extend(_counterexample_lines(result.counterexample))
            lines.extend(_reproduction(result.file, result.counterexample))
    else:
        lines += _parts_table(result)
        objectives = [p for p in result.parts if p.verified and "like" not in p.family]
        if objectives:
            lines.append("  one-argument functions found, each judged on the problem it answers:")
            lines += [f"    {p.name}: {_verified(p)}" for p in objectives]
        lines += _findings_lines(sorted(result.findings, key=lambda f: KINDS.index(f.kind)))
        for part in result.parts:
            if part.verdict != "pass":
                lines.append("")
                lines += part_report(part, result.file)
    if result.output:
        lines.append("")
        lines.append("  the submission printed (not part of the verdict):")
        lines.extend("    | " + line for line in escape_controls(result.output).split("\n"))
    return "\n".join(lines)


def gradescope_report(result: Result) -> str:
    """Gradescope's ``results.json`` for one file: ``score``, ``output`` and one test per
    part (``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``).

    A file the oracle could not judge scores 0, and ``output`` says why. The file
    is named as the student knows it (:func:`for_student`).
    """
    result = for_student(result)
    header = text_report(result).split("\n\n")[0]
    tests = []
    for part in result.parts:
        title = f": {part.title}" if part.title else ""
        tests.append(
            {
                "name": f"{part.name}{title}",
                "score": part.score,
                "max_score": part.max_score,
                "status": "passed" if part.verdict == "pass" else "failed",
                "output": "\n".join(part_report(part, result.file)),
                "visibility": part.visibility,
            }
        )
    document = {
        "score": result.score,
        "output": header,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(_finite(document), indent=2, allow_nan=False, ensure_ascii=True)


def _mistakes(result: Result) -> str:
    """The diagnosed mistakes, else the most important finding's kind."""
    names = list(
        dict.fromkeys(
            str(f.details["mistake"]) for f in result.all_findings() if f.kind == "diagnosis"
        )
    )
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
    lines.append(f"{'file':<{width}}  verdict     {'score':>7}  mistakes")
    lines += [
        f"{name:<{width}}  {r.verdict.upper():<10}  "
        f"{_score(r.score) + '/' + _score(r.max_score) if r.parts else '':>7}  {_mistakes(r)}"
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
