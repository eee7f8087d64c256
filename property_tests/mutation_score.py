"""Mutation score of the last ``mutmut run``: counts by status and by module, and the score.

Reads the results through mutmut's own commands: ``mutmut results --all true`` (one
``    <name>: <status>`` line per mutant) and, for every mutant that was not killed,
``mutmut show <name>`` (the mutant as a diff against the original function). A mutant
that was not killed is *equivalent* when ``property_tests/EQUIVALENT_MUTANTS.md`` lists
its content: the module, the function, the original line and the mutated line, one
entry per line as::

    - `module` `function`: `original line` -> `mutated line` reason

(a method as ``Class.method``; lines stripped of their indentation; a change of several
lines has them joined with `` ; ``). Mutant numbers are not part of the key: they shift
with every edit of a module, while an entry stays valid until its own line changes.

    score = killed / (total - equivalent)

Run from the project root, after ``mutmut run``::

    python property_tests/mutation_score.py [--equivalent FILE] [--mutmut PATH]
        [--fail-under PERCENT]
"""

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

RESULT_LINE = re.compile(r"^\s*(?P<name>\S+__mutmut_\d+): (?P<status>.+?)\s*$")
EQUIVALENT_LINE = re.compile(
    r"^- `(?P<module>[^`]+)` `(?P<function>[^`]+)`: `(?P<original>.*?)` -> `(?P<mutated>.*?)`"
    r"(?:\s+(?P<reason>.*))?$"
)
# Verdicts mutmut reports; "killed" is the only one the score counts as detected.
STATUSES = (
    "killed",
    "survived",
    "timeout",
    "suspicious",
    "no tests",
    "skipped",
    "caught by type check",
    "segfault",
    "check was interrupted by user",
    "not checked",
)
CLASS_SEPARATOR = "\u01c1"  # mutmut's name of a method: x<sep>Class<sep>method
JOIN = " ; "  # between the lines of a change that spans several


class Change(NamedTuple):
    """What a mutant changes: the key of EQUIVALENT_MUTANTS.md."""

    module: str
    function: str
    original: str
    mutated: str

    def entry(self, reason: str = "REASON") -> str:
        """The line that lists this change (by default, with its reason left to be written)."""
        key = f"- `{self.module}` `{self.function}`: `{self.original}` -> `{self.mutated}`"
        return f"{key} {reason}"


def mutmut_results(mutmut: str) -> dict[str, str]:
    """Status of every mutant, by name, from ``mutmut results --all true``."""
    completed = subprocess.run(
        [mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True
    )
    results = {}
    for line in completed.stdout.splitlines():
        match = RESULT_LINE.match(line)
        if match:
            results[match["name"]] = match["status"]
    if not results:
        sys.exit("mutation_score: no mutants in `mutmut results`; run `mutmut run` first")
    return results


def module_of(name: str) -> str:
    """``manual_backprop.network.x_loss__mutmut_3`` -> ``manual_backprop.network``."""
    parts = name.split(".")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].startswith(("x_", "x" + CLASS_SEPARATOR)):
            return ".".join(parts[:i])
    return name.rpartition(".")[0]


def function_of(name: str) -> str:
    """``...x_loss__mutmut_3`` -> ``loss``; ``...x<sep>Objective<sep>loss__mutmut_3`` ->
    ``Objective.loss``."""
    mangled = name[len(module_of(name)) + 1 :].partition("__mutmut_")[0]
    if mangled.startswith("x" + CLASS_SEPARATOR):
        _, class_name, method = mangled.split(CLASS_SEPARATOR)
        return f"{class_name}.{method}"
    return mangled.removeprefix("x_")


def change_in(name: str, diff: str) -> Change:
    """The change a mutant makes, from its diff (``mutmut show``): removed and added lines."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
    return Change(module_of(name), function_of(name), JOIN.join(removed), JOIN.join(added))


def mutant_change(mutmut: str, name: str) -> Change:
    """:func:`change_in` of ``mutmut show name``."""
    completed = subprocess.run([mutmut, "show", name], capture_output=True, text=True, check=True)
    return change_in(name, completed.stdout)


def equivalent_changes(path: Path) -> dict[Change, str]:
    """The changes listed in ``path``, each with its reason (none if the file does not exist)."""
    if not path.exists():
        return {}
    listed = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("- `"):
            continue
        match = EQUIVALENT_LINE.match(line.strip())
        if match is None:
            sys.exit(
                f"mutation_score: {path}:{number}: not an entry of the form "
                "- `module` `function`: `original` -> `mutated` reason"
            )
        change = Change(match["module"], match["function"], match["original"], match["mutated"])
        listed[change] = match["reason"] or ""
    return listed


def natural(name: str) -> tuple[str, int]:
    """Sort key: ``x_f__mutmut_9`` before ``x_f__mutmut_10``."""
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else -1


def score(killed: int, total: int, equivalent: int) -> float:
    denominator = total - equivalent
    return 100.0 * killed / denominator if denominator else 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--equivalent", type=Path, default=Path("property_tests/EQUIVALENT_MUTANTS.md")
    )
    parser.add_argument("--mutmut", default=shutil.which("mutmut") or "mutmut")
    parser.add_argument("--fail-under", type=float, default=None, metavar="PERCENT")
    args = parser.parse_args()

    results = mutmut_results(args.mutmut)
    listed = equivalent_changes(args.equivalent)
    not_killed = sorted((n for n, s in results.items() if s != "killed"), key=natural)
    changes = {name: mutant_change(args.mutmut, name) for name in not_killed}
    equivalent = {name for name, change in changes.items() if change in listed}
    used = {changes[name] for name in equivalent}

    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in results.items():
        module = module_of(name)
        by_module[module][status] += 1
        by_module[module]["total"] += 1
        if name in equivalent:
            by_module[module]["equivalent"] += 1
    overall: Counter[str] = sum(by_module.values(), Counter())

    others = set(overall) - {*STATUSES, "total", "equivalent"}
    shown = [s for s in STATUSES if overall[s]] + sorted(others)
    columns = ["total", *shown, "equivalent", "score %"]
    width = max(len(m) for m in [*by_module, "all"])
    print(f"{'module':<{width}}  " + "  ".join(f"{c:>10}" for c in columns))
    for module, counts in [*sorted(by_module.items()), ("all", overall)]:
        value = score(counts["killed"], counts["total"], counts["equivalent"])
        cells = [str(counts[c]) for c in columns[:-1]] + [f"{value:.1f}"]
        print(f"{module:<{width}}  " + "  ".join(f"{c:>10}" for c in cells))

    total_score = score(overall["killed"], overall["total"], len(equivalent))
    print()
    print(
        f"equivalent changes listed in {args.equivalent}: {len(listed)}, matching "
        f"{len(equivalent)} mutants that were not killed"
    )
    for change in sorted(set(listed) - used):
        print(
            f"  warning: no surviving mutant makes the listed change {change.entry(listed[change])}"
        )
    undetected = [name for name in not_killed if name not in equivalent]
    print(f"not killed and not listed as equivalent: {len(undetected)}")
    for name in undetected:
        print(f"  {name}: {results[name]}")
        print(f"    {changes[name].entry()}")
    print()
    print(
        f"mutation score: killed / (total - equivalent) = {overall['killed']} / "
        f"({overall['total']} - {len(equivalent)}) = {total_score:.1f}%"
    )
    if args.fail_under is not None and total_score < args.fail_under:
        print(f"mutation score {total_score:.1f}% is below --fail-under {args.fail_under}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
