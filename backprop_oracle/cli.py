"""``backprop-oracle``: check submissions (``check``), print a rubric (``rubric``) or a starter
file (``template``).

Exit status of ``check``: 0 every file passed; 1 at least one file failed, was
only self-consistent (a ``fun(W)``) or could not be judged (``error``); 2 the
command was misused, or the sandbox cannot be set up here and ``--no-sandbox``
was not given (nothing is judged then).
"""

import argparse
import ctypes
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from backprop_oracle.checks import (
    DEFAULT_EXAMPLES,
    FILE_SECONDS,
    NOTEBOOK_SECONDS,
    Options,
    check_file,
)
from backprop_oracle.conventions import CONVENTIONS, DEFAULT_NAMES
from backprop_oracle.findings import Result
from backprop_oracle.inert import display_name, escape_controls
from backprop_oracle.layouts import LAYOUTS
from backprop_oracle.report import (
    for_student,
    gradescope_report,
    json_report,
    report_name,
    summary_table,
    text_report,
)
from backprop_oracle.rubric import (
    EXAMPLES,
    OUTPUTS,
    Part,
    RubricError,
    default_rubric,
    narrow,
    parse_hidden_layers,
    parse_rubric,
    rubric_text,
)
from backprop_oracle.sandbox import BACKENDS, resolve_backend, sandbox_available
from backprop_oracle.search import MIN_EXAMPLES
from backprop_oracle.template import template
from manual_backprop.arguments import Parser, number

__all__ = ["build_parser", "check_files", "main"]

#: What checks one file: :func:`~backprop_oracle.checks.check_file`, or a stand-in (tests).
Check = Callable[[Path, Options], Result]

ACTIVATIONS = ("sigmoid", "relu", "tanh")

_positive_int = number(int, lambda n: n >= 1, "a positive integer")
_seed = number(int, lambda n: 0 <= n < 2**32, "an integer from 0 to 2**32 - 1")
_mebibytes = number(int, lambda n: n >= 64, "a whole number of MiB, at least 64")
_seconds = number(float, lambda x: math.isfinite(x) and x > 0.0, "a positive number of seconds")
_lam = number(float, lambda x: math.isfinite(x) and x >= 0.0, "a number >= 0")


def _hidden_layers(text: str) -> tuple[int, int]:
    """``N`` or ``A-B`` hidden layers, for ``--hidden-layers``."""
    try:
        return parse_hidden_layers(text, "--hidden-layers")
    except RubricError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--hidden-layers: ")) from None


DESCRIPTION = """\
Check a student's backpropagation against the reference, in a sandbox.

A check is a list of parts (a rubric), each with its own problems, verdict,
smallest counterexample, diagnosis and points. The default rubric is the
Week 6 exercise: ex1 (one hidden layer, binary), ex2 (2 to 5 hidden layers,
binary), ex3 (one hidden layer, softmax), stability (the same networks at
saturating weights) and contract (pure, repeatable, inputs unchanged, finite).
A part scores its points when it passes and 0 otherwise; a file passes when
every part that was not skipped passes. A part whose every problem the file
refuses (raises on) is "not implemented". The seed of the search comes from
the file's content unless --seed is given: the same file gets the same report.

A file may be a Jupyter notebook (.ipynb): its code cells run in order, a cell
that raises is reported and the next one runs. The working folder shows the
data (--data), read-only; plots are drawn with matplotlib's Agg backend. A file
without loss_and_grad is judged through its one-argument functions fun(W) ->
(loss, grad): the problem each answers (data, layer sizes, activation, lam,
targets, layout) is inferred and the function judged against the reference as
the part it answers; one whose problem cannot be inferred is checked for
self-consistency only, which is never a pass.

Code written for another course is checked as it is with --convention: ex4
(Coursera ML's nnCostFunction; K sigmoid outputs; its Theta unrolling, first
label and shape of y are found and reported) or cs231n (a TwoLayerNet class, or
with --class one taking hidden_dims; its penalty factor is found). Each has its
own rubric (backprop-oracle rubric --convention ...) and starter file
(backprop-oracle template --convention ...).
"""


#: The default memory limit with --allow-autodiff: an XLA compilation per new shape
#: grows the process's address space over a search (measured: a JAX submission ran
#: out of memory after 19 problems under 2 GiB, after 119 under 4 GiB).
AUTODIFF_MEMORY = 8 << 30


def build_parser() -> argparse.ArgumentParser:
    """The command line of SPEC section 5."""
    parser = Parser(
        prog="backprop-oracle",
        description=DESCRIPTION.splitlines()[0],
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    check = commands.add_parser(
        "check",
        help="check submission files",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit status: 0 every file passed; 1 a file failed, was only self-consistent\n"
        "(a fun(W)) or could not be judged; 2 misuse, or no sandbox (nothing judged)",
    )
    check.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="the submissions, Python files or notebooks",
    )
    check.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="spec",
        help="the interface the files are written in: spec (loss_and_grad(W, X, T, "
        "layer_sizes, lam)); ex4 (Coursera ML's nnCostFunction(nn_params, "
        "input_layer_size, hidden_layer_size, num_labels, X, y, lambda_), K sigmoid "
        "outputs, its unrolling and labels found); cs231n (a class such as TwoLayerNet "
        "whose loss(X, y, reg) returns (loss, grads)) (default: spec)",
    )
    check.add_argument(
        "--function",
        default=None,
        metavar="NAME",
        help="the function to check, in the parts that do not name their own "
        "(default: loss_and_grad; nnCostFunction with --convention ex4)",
    )
    check.add_argument(
        "--class",
        dest="class_name",
        default=None,
        metavar="NAME",
        help="with --convention cs231n: the class to check (default: TwoLayerNet; a class "
        "taking hidden_dims, such as FullyConnectedNet, is judged at several depths)",
    )
    check.add_argument(
        "--penalty-factor",
        type=float,
        choices=(1.0, 0.5),
        default=None,
        help="with --convention cs231n: the penalty is reg * sum W^2 (1) or "
        "0.5 * reg * sum W^2 (0.5) (default: found from the file's numbers)",
    )
    check.add_argument(
        "--activation",
        choices=(*ACTIVATIONS, "auto"),
        default=None,
        help="the hidden activation, in the parts that do not fix their own; auto: find "
        "the one the submission's numbers fit (default: sigmoid)",
    )
    check.add_argument(
        "--layout",
        choices=(*LAYOUTS, "auto"),
        default="canonical",
        help="the order of the parameters in W: canonical (W1 row by row, b1, W2, b2, ...), "
        "weights-then-biases (all weights, then all biases), ng (MATLAB's unrolled "
        "Theta = [b | W^T], column by column); auto: find it (default: canonical)",
    )
    check.add_argument(
        "--rubric",
        type=Path,
        default=None,
        metavar="FILE",
        help="the parts to judge and their points, a TOML file (see: backprop-oracle "
        "rubric); default: the Week 6 exercise",
    )
    check.add_argument(
        "--hidden-layers",
        type=_hidden_layers,
        default=None,
        metavar="N|A-B",
        help="judge only networks with N (or A to B) hidden layers, in every part; a "
        "part left without problems is skipped",
    )
    check.add_argument(
        "--outputs",
        choices=OUTPUTS,
        default=None,
        help="judge only binary (one sigmoid output) or multiclass (softmax) networks, in "
        "every part; a part left without problems is skipped",
    )
    check.add_argument(
        "--lam-max",
        type=_lam,
        default=None,
        metavar="L",
        help="judge only lam <= L, in every part (0: lam = 0 only)",
    )
    check.add_argument(
        "--examples",
        type=_positive_int,
        default=None,
        help=f"random problems to try in each part (default: the rubric's, else "
        f"{DEFAULT_EXAMPLES})",
    )
    check.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of the search (default: derived from the file's content, so that the "
        "same file always gets the same problems; the report prints it)",
    )
    check.add_argument(
        "--timeout",
        type=_seconds,
        default=Options.timeout,
        metavar="SECONDS",
        help=f"limit for the import and each call (default: {Options.timeout:g})",
    )
    check.add_argument(
        "--file-timeout",
        type=_seconds,
        default=FILE_SECONDS,
        metavar="SECONDS",
        help="deadline for one whole file, every part included; a part whose search it "
        f"cuts short before min(--examples, {MIN_EXAMPLES}) examples fails "
        f"(default: {FILE_SECONDS:g})",
    )
    check.add_argument(
        "--notebook-timeout",
        type=_seconds,
        default=NOTEBOOK_SECONDS,
        metavar="SECONDS",
        help="limit for running a notebook's cells, added to the file's deadline "
        f"(default: {NOTEBOOK_SECONDS:g}); a .py file's import has --timeout",
    )
    check.add_argument(
        "--data",
        default=None,
        metavar="DIR|seed",
        help="the folder the submission reads its data from by relative paths, read-only; "
        "seed: the exercise's own files (default: the data files beside the submission: "
        ".mat, .npy, .npz, .csv, .txt and the like, never another submission)",
    )
    check.add_argument(
        "--memory",
        type=_mebibytes,
        default=None,
        metavar="MIB",
        help=(
            f"memory limit of the submission's process (default: {Options.memory >> 20} MiB, "
            f"{AUTODIFF_MEMORY >> 20} MiB with --allow-autodiff)"
        ),
    )
    check.add_argument(
        "--allow-autodiff",
        action="store_true",
        help="let the submission import jax, torch, tensorflow or autograd",
    )
    check.add_argument(
        "--sandbox",
        choices=("auto", *BACKENDS),
        default="auto",
        help="how to jail the submission: bwrap (bubblewrap), unshare (util-linux), or "
        "auto (bwrap where usable, else unshare); when it cannot be set up, nothing is "
        "judged and the exit status is 2 (default: auto)",
    )
    check.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade without the sandbox, as an ordinary process: unsafe for files you do "
        "not trust; every report says so",
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
        "--format",
        choices=("text", "json", "gradescope"),
        default="text",
        help="text: a report (one file) or a table (several); json: one JSON document; "
        "gradescope: Gradescope's results.json for one file (default: text)",
    )
    check.add_argument(
        "--json",
        action="store_true",
        help="the same as --format json",
    )

    rubric = commands.add_parser(
        "rubric",
        help="print the default rubric (TOML, with comments), to edit and give to --rubric",
    )
    rubric.add_argument(
        "--example",
        choices=sorted(EXAMPLES),
        default=None,
        help="print an example rubric instead: seed-bonus adds Bonus 1, a function "
        "loss_and_grad_relu checked with ReLU",
    )
    rubric.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="spec",
        help="print the rubric a convention judges with (default: spec, the Week 6 exercise)",
    )
    rubric.add_argument(
        "--deep",
        action="store_true",
        help="with --convention cs231n: the rubric of a class taking hidden_dims",
    )

    show = commands.add_parser("template", help="print a starter file with the contract")
    show.add_argument("--activation", choices=ACTIVATIONS, default=None)
    show.add_argument(
        "--convention",
        choices=CONVENTIONS,
        default="spec",
        help="the interface of the starter file: spec (loss_and_grad), ex4 "
        "(nnCostFunction) or cs231n (TwoLayerNet) (default: spec)",
    )
    return parser


def _progress(done: int, total: int, result: Result) -> None:
    """One line on standard error per file checked (only when checking several)."""
    if total > 1:
        name = escape_controls(result.file, one_line=True)
        print(f"[{done}/{total}] {result.verdict.upper()}  {name}", file=sys.stderr, flush=True)


def _error(path: Path, options: Options, message: str) -> Result:
    """The verdict ``error`` for ``path``, which the oracle could not judge."""
    return Result(
        display_name(path),
        [],
        seed=options.seed,
        sandbox=options.sandbox if options.isolate else None,
        error=message,
    )


def _check_safely(check: Check, path: Path, options: Options) -> Result:
    """``check(path, options)``; an exception it lets out is that file's ``error``."""
    try:
        return check(path, options)
    except Exception as exc:
        return _error(path, options, f"the oracle failed on this file: {type(exc).__name__}")


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In a pool process: die when the oracle does, so that no checker outlives it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the oracle died before the signal was armed
        os._exit(1)


def _pool(jobs: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")  # no state of this process is inherited
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )


def check_files(
    paths: Sequence[Path], options: Options, jobs: int, check: Check = check_file
) -> list[Result]:
    """Check every file, ``jobs`` at a time; results in the order of ``paths``.

    With ``jobs > 1``, each file is checked in a pool process. Whatever goes
    wrong while one file is handled is that file's verdict ``error``, never
    the end of the batch: an exception, in this process or a pool's; or a pool
    process that dies. A dying process breaks the whole pool, so the files it
    left unfinished are checked again one at a time, each in a fresh process:
    the one that kills its process again gets ``error``, the others their verdicts.
    """
    total = len(paths)
    if jobs == 1 or total == 1:
        results = []
        for done, path in enumerate(paths, start=1):
            results.append(_check_safely(check, path, options))
            _progress(done, total, results[-1])
        return results
    finished: dict[int, Result] = {}
    unfinished: list[int] = []
    with _pool(jobs) as pool:
        futures: dict[Future[Result], int] = {
            pool.submit(_check_safely, check, path, options): i for i, path in enumerate(paths)
        }
        for future in as_completed(futures):
            i = futures[future]
            try:
                finished[i] = future.result()
            except BrokenProcessPool:
                unfinished.append(i)
                continue
            _progress(len(finished), total, finished[i])
    for i in sorted(unfinished):  # one at a time: a broken pool now names its file
        with _pool(1) as pool:
            try:
                finished[i] = pool.submit(_check_safely, check, paths[i], options).result()
            except BrokenProcessPool:
                finished[i] = _error(
                    paths[i],
                    options,
                    "the process checking this file died (killed, or crashed inside the "
                    "oracle); it was checked alone a second time and died again",
                )
        _progress(len(finished), total, finished[i])
    return [finished[i] for i in range(total)]


def _rubric(
    args: argparse.Namespace, parser: argparse.ArgumentParser, rubric: str | None = None
) -> tuple[Part, ...]:
    """The rubric to judge with (``rubric``: a convention's default), narrowed; a misuse
    ends the command (exit 2)."""
    if args.rubric is None:
        parts = default_rubric(rubric or args.convention)
    else:
        try:
            text = args.rubric.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            parser.error(f"--rubric {args.rubric}: cannot be read: {exc}")
        try:
            parts = parse_rubric(text, f"--rubric {args.rubric}")
        except RubricError as exc:
            parser.error(str(exc))
    if args.convention == "ex4":  # nnCostFunction has one hidden layer by its signature
        other = [
            p.name
            for p in parts
            if p.checks == "numbers" and not p.family.hidden[0] <= 1 <= p.family.hidden[1]
        ]
        if other:
            parser.error(
                f"the ex4 convention has one hidden layer; the rubric's part(s) "
                f"{', '.join(other)} ask for another number"
            )
        parts = [
            replace(p, family=replace(p.family, hidden=(1, 1))) if p.checks == "numbers" else p
            for p in parts
        ]
    parts = narrow(parts, args.hidden_layers, args.outputs, args.lam_max)
    if all(p.skipped for p in parts if p.checks == "numbers"):
        why = "; ".join(f"{p.name}: {p.skipped}" for p in parts if p.skipped)
        parser.error(f"the narrowing flags leave no part to judge ({why})")
    return tuple(parts)


def _print(text: str) -> None:
    """Print ``text``; a reader that stops early (``| head``) ends the command quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Nothing more can be written; let the interpreter's last flush write nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (see the module's docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "template":
        if args.convention != "spec" and args.activation is not None:
            parser.error(f"--activation: the {args.convention} template has its own")
        _print(template(args.activation or "sigmoid", args.convention).rstrip("\n"))
        return 0
    if args.command == "rubric":
        if args.deep and args.convention != "cs231n":
            parser.error("--deep is for --convention cs231n")
        convention = "cs231n-deep" if args.deep else args.convention
        if args.example is not None and args.convention != "spec":
            parser.error("--example and --convention: give one of them")
        _print(rubric_text(args.example, convention).rstrip("\n"))
        return 0
    output = "json" if args.json else args.format
    if output == "gradescope" and len(args.files) != 1:
        parser.error(
            f"--format gradescope grades one submission; {len(args.files)} files were given"
        )
    for path in args.files:
        # Only a name that leads nowhere is a misuse; a folder, a FIFO or a link is
        # that file's verdict ``error``, and the other files are still checked.
        if not (path.exists() or path.is_symlink()):
            parser.error(f"{escape_controls(str(path), one_line=True)}: no such file")
    if args.data not in (None, "seed") and not Path(args.data).is_dir():
        parser.error(f"--data {escape_controls(args.data, one_line=True)}: no such folder")
    cs231n = args.convention == "cs231n"
    if args.class_name is not None and not cs231n:
        parser.error("--class is for --convention cs231n (the other conventions call a function)")
    if args.penalty_factor is not None and not cs231n:
        parser.error("--penalty-factor is for --convention cs231n")
    if cs231n and args.function is not None:
        parser.error("--convention cs231n checks a class: name it with --class, not --function")
    if args.convention != "spec" and args.activation is not None:
        parser.error(
            f"--activation is for --convention spec; the {args.convention} convention fixes "
            "its own (ex4: sigmoid, cs231n: relu)"
        )
    if args.convention != "spec" and args.layout != "canonical":
        parser.error(
            f"--layout is for --convention spec; the {args.convention} convention fixes "
            "its own (ex4's unrolling is found by itself)"
        )
    function = args.class_name or args.function or DEFAULT_NAMES[args.convention]
    deep = None
    if cs231n and args.rubric is None:
        deep = _rubric(args, parser, "cs231n-deep")
    options = Options(
        function=function,
        convention=args.convention,
        penalty_factor=args.penalty_factor,
        deep_parts=deep,
        activation=args.activation or "sigmoid",
        layout=args.layout,
        examples=args.examples,
        seed=args.seed,
        timeout=args.timeout,
        memory=(
            args.memory << 20
            if args.memory is not None
            else (AUTODIFF_MEMORY if args.allow_autodiff else Options.memory)
        ),
        allow_autodiff=args.allow_autodiff,
        isolate=not args.no_sandbox,
        file_timeout=args.file_timeout,
        sandbox=args.sandbox,
        parts=_rubric(args, parser),
        notebook_timeout=args.notebook_timeout,
        data=args.data,
    )
    if options.isolate and (why := sandbox_available(options.sandbox)) is not None:
        print(
            f"{parser.prog}: error: the sandbox (--sandbox {options.sandbox}) cannot be set up "
            f"here: {why}; nothing was judged (install bubblewrap, or give --no-sandbox to "
            "grade without protection)",
            file=sys.stderr,
        )
        return 2
    if options.isolate:  # auto is bwrap or unshare from here on: each result names it
        options = replace(options, sandbox=resolve_backend(options.sandbox) or options.sandbox)
    if args.reports is not None:
        try:
            args.reports.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parser.error(f"--reports {args.reports}: {exc.strerror}")
    results = check_files(args.files, options, args.jobs)
    if args.reports is not None:
        taken: set[str] = set()
        for result in results:
            # Two names may flatten alike (zoë and zo_): the later one gets a number.
            name, n = report_name(result), 1
            while name in taken:
                n += 1
                name = report_name(result).removesuffix(".txt") + f"-{n}.txt"
            taken.add(name)
            (args.reports / name).write_text(text_report(for_student(result)) + "\n")
    if output == "json":
        _print(json_report(results))
    elif output == "gradescope":
        _print(gradescope_report(results[0]))
    elif len(results) == 1:
        _print(text_report(results[0]))
    else:
        _print(summary_table(results))
    return 0 if all(r.passed for r in results) else 1
