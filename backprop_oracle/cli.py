"""``backprop-oracle``: check submissions (``check``) or print a starter file (``template``)."""

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from backprop_oracle.checks import Options, check_file
from backprop_oracle.layouts import LAYOUTS
from backprop_oracle.report import json_report, text_report
from backprop_oracle.template import template
from manual_backprop._arguments import Parser, number

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
        choices=LAYOUTS,
        default="canonical",
        help="the submission's parameter layout (SPEC section 2)",
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
        "--json",
        action="store_true",
        help="print one JSON document on standard output, and nothing else",
    )

    show = commands.add_parser("template", help="print a starter file with the contract")
    show.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid")
    return parser


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
    results = []
    for path in args.files:
        result = check_file(path, options)
        results.append(result)
        if not args.json:
            print(text_report(result), flush=True)
    if args.json:
        print(json_report(results))
    return 0 if all(r.verdict == "pass" for r in results) else 1
