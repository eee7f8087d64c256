"""``backprop-oracle``: check submissions (``check``) or print a starter file (``template``)."""

import argparse
import math
import multiprocessing
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from backprop_oracle.checks import Options, check_file
from backprop_oracle.findings import Finding, Result
from backprop_oracle.layouts import LAYOUTS
from backprop_oracle.report import json_report, summary_table, text_report
from backprop_oracle.template import template
from manual_backprop.arguments import Parser, number

__all__ = ["build_parser", "main"]

ACTIVATIONS = ("sigmoid", "relu", "tanh")

_positive_int = number(int, lambda n: n >= 1, "a positive integer")
_seed = number(int, lambda n: 0 <= n < 2**32, "an integer from 0 to 2**32 - 1")
_mebibytes = number(int, lambda n: n >= 64, "a whole number of MiB, at least 64")
_seconds = number(float, lambda x: math.isfinite(x) and x > 0.0, "a positive number of seconds")


def build_parser() -> argparse.ArgumentParser:
    """The command line of SPEC section 5."""
    parser = Parser(prog="backprop-oracle", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    check = commands.add_parser("check", help="check submission files")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument(
        "--function",
        default="loss_and_grad",
        metavar="NAME",
        help="the function to check (default: loss_and_grad)",
    )
    check.add_argument(
        "--activation",
        choices=ACTIVATIONS,
        default="sigmoid",
        help="the hidden activation the submission implements",
    )
    check.add_argument(
        "--layout",
        choices=(*LAYOUTS, "auto"),
        default="canonical",
        help="the submission's parameter layout (SPEC section 2); auto: find it",
    )
    check.add_argument(
        "--examples",
        type=_positive_int,
        default=Options.examples,
        help=f"random problems to try (default: {Options.examples})",
    )
    check.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of the search, to reproduce a run (default: random)",
    )
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=Options.timeout,
        metavar="SECONDS",
        help=f"limit for the import and each call (default: {Options.timeout:g})",
    )
    check.add_argument(
        "--memory",
        type=_mebibytes,
        default=Options.memory >> 20,
        metavar="MIB",
        help=f"memory limit of the submission's process (default: {Options.memory >> 20} MiB)",
    )
    check.add_argument(
        "--allow-autodiff",
        action="store_true",
        help="let the submission import jax, torch, tensorflow or autograd",
    )
    check.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        metavar="N",
        help="check N files at a time (default: 1)",
    )
    check.add_argument(
        "--reports",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write each file's full report to DIR, to hand back",
    )
    check.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document on standard output, and nothing else",
    )

    show = commands.add_parser("template", help="print a starter file with the contract")
    show.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid")
    return parser


def _progress(done: int, total: int, result: Result) -> None:
    """One line on standard error per file checked (only when checking several)."""
    if total > 1:
        print(
            f"[{done}/{total}] {result.verdict.upper()}  {result.file}", file=sys.stderr, flush=True
        )


def check_files(paths: Sequence[Path], options: Options, jobs: int) -> list[Result]:
    """Check every file, ``jobs`` at a time; results in the order of ``paths``.

    Each file is checked in a process of its own (with its own workers), so
    one submission's hang or crash only costs its own time limit.
    """
    if jobs == 1 or len(paths) == 1:
        results = []
        for done, path in enumerate(paths, start=1):
            results.append(check_file(path, options))
            _progress(done, len(paths), results[-1])
        return results
    finished: dict[Path, Result] = {}
    context = multiprocessing.get_context("spawn")  # no state of this process is inherited
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(check_file, path, options): path for path in paths}
        for done, future in enumerate(as_completed(futures), start=1):
            path = futures[future]
            try:
                finished[path] = future.result()
            except Exception as exc:  # the check itself failed: say so for this file only
                message = f"the oracle could not check this file: {type(exc).__name__}: {exc}"
                finished[path] = Result(str(path), [Finding("crash", message)])
            _progress(done, len(paths), finished[path])
    return [finished[path] for path in paths]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 pass, 1 a file failed, 2 misuse)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "template":
        sys.stdout.write(template(args.activation))
        return 0
    for path in args.files:
        if not path.is_file():
            parser.error(f"{path}: no such file")
    options = Options(
        function=args.function,
        activation=args.activation,
        layout=args.layout,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        memory=args.memory << 20,
        allow_autodiff=args.allow_autodiff,
    )
    if args.reports is not None:
        try:
            args.reports.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parser.error(f"--reports {args.reports}: {exc.strerror}")
    results = check_files(args.files, options, args.jobs)
    if args.reports is not None:
        for result in results:
            name = str(result.file).replace("/", "__").removesuffix(".py") + ".txt"
            (args.reports / name).write_text(text_report(result) + "\n")
    if args.json:
        print(json_report(results))
    elif len(results) == 1:
        print(text_report(results[0]))
    else:
        print(summary_table(results))
    return 0 if all(r.verdict == "pass" for r in results) else 1
