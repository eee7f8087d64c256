"""Mutation score of the last ``mutmut run``: counts by status and by module, and the score.

Reads the results through mutmut's own command (``mutmut results --all true``, one
``    <name>: <status>`` line per mutant) and the equivalent mutants listed in
``property_tests/EQUIVALENT_MUTANTS.md``, one per line as ``- `<name>` ...``.

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

RESULT_LINE = re.compile(r"^\s*(?P<name>\S+__mutmut_\d+): (?P<status>.+?)\s*$")
EQUIVALENT_LINE = re.compile(r"^- `(?P<name>[^`]+)`")
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
        if parts[i].startswith(("x_", "x\u01c1")):  # functions x_f, methods x<sep>Class<sep>m
            return ".".join(parts[:i])
    return name.rpartition(".")[0]


def equivalent_mutants(path: Path) -> set[str]:
    """Names listed as ``- `name``` lines in ``path`` (none if it does not exist)."""
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EQUIVALENT_LINE.match(line.strip())
        if match:
            names.add(match["name"])
    return names


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
    listed = equivalent_mutants(args.equivalent)
    unknown = sorted(listed - results.keys())
    killed_but_listed = sorted(n for n in listed & results.keys() if results[n] == "killed")
    equivalent = {n for n in listed & results.keys() if results[n] != "killed"}

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
    print(f"equivalent mutants listed in {args.equivalent}: {len(listed)} ({len(equivalent)} used)")
    for name in unknown:
        print(f"  warning: {name} is listed as equivalent but is not a current mutant")
    for name in killed_but_listed:
        print(f"  warning: {name} is listed as equivalent but was killed (not counted)")
    undetected = sorted(
        (n for n, s in results.items() if s != "killed" and n not in equivalent), key=natural
    )
    print(f"not killed and not listed as equivalent: {len(undetected)}")
    for name in undetected:
        print(f"  {name}: {results[name]}")
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
