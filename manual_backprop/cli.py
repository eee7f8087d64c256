"""The main job: ``manual-backprop train`` works every exercise of the seed end to end.

For each exercise: load its data, initialise by the exercise's rule, train with
``scipy.optimize.minimize(jac=True)``, check the hand-written gradient at the
initial and the final weights (against ``jax.grad`` of the independent twin when
it is installed, against finite differences, and per-sample against vectorised),
then print a summary table and write ``summary.json`` and the figures.

The reference hook
------------------
``manual_backprop`` never imports its checker ``jax_reference``. The main job
finds the gradient it compares with through the entry point group
``manual_backprop.references`` (:data:`REFERENCE_GROUP`), by the name ``jax``;
the project's ``pyproject.toml`` registers the twin there::

    [project.entry-points."manual_backprop.references"]
    jax = "jax_reference:loss_and_grad"

The function registered must take the arguments of
:func:`manual_backprop.loss_and_grad` and return ``(loss, grad)``.
:func:`reference_entry_points` is the one place where the group is read, and
:func:`load_reference` loads the function. When it cannot be loaded (the
``jax`` extra is not installed, so ``jax_reference`` cannot import jax),
``train`` still runs: ``gradient_check.vs_jax`` is ``null`` in
``summary.json``, the table shows ``skipped``, and the progress output says
once that the comparison was skipped and how to get it.

Figures need matplotlib (the ``plots`` extra): :mod:`manual_backprop.figures`
is imported only when figures are made. Without matplotlib, ``train`` stops
before training with a one-line message naming the extra and ``--no-plots``.
"""

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

from manual_backprop.arguments import Parser, number
from manual_backprop.data import load_binary_dataset, load_multiclass_dataset
from manual_backprop.gradcheck import (
    finite_difference_grad,
    gradient_scale,
    relative_error,
    relu_piece,
)
from manual_backprop.layout import init_weights
from manual_backprop.network import (
    loss,
    loss_and_grad,
    loss_and_grad_per_sample,
    predict,
    predict_proba,
)
from manual_backprop.training import GRADIENT_METHODS, train

__all__ = [
    "EXERCISES",
    "REFERENCE_GROUP",
    "Exercise",
    "ReferenceUnavailable",
    "load_reference",
    "main",
    "reference_entry_points",
]

Array = NDArray[np.float64]
# loss_and_grad(W, X, T, layer_sizes, lam, activation) -> (loss, grad), as in SPEC section 4.
LossAndGrad = Callable[[Array, Array, Array, list[int], float, str], tuple[float, Array]]

REFERENCE_GROUP = "manual_backprop.references"
"""Entry point group in which the main job looks for its reference gradient."""
REFERENCE_NAME = "jax"
"""The name under which the JAX twin is registered; the summary's key is ``vs_jax``."""
_REFERENCE_HINT = "install the jax extra to get it: python -m pip install -e '.[jax]'"
_PLOTS_HINT = "install the plots extra (python -m pip install -e '.[plots]') or run with --no-plots"


@dataclass(frozen=True)
class Exercise:
    """One exercise of the seed: its data, network and training settings."""

    name: str
    title: str
    dataset: Literal["binary", "multiclass"]
    hidden: tuple[int, ...]
    activation: str
    lam: float
    gradient: Literal["vectorized", "per-sample"] = "vectorized"
    # Deep sigmoid stacks start with tiny gradients (each layer multiplies by
    # sigma' <= 1/4; ex2's is ~5e-6 at the start): a gradient tolerance below
    # that keeps minimize from stopping before it has begun.
    gtol: float | None = None
    classes: tuple[str, ...] = field(default=("class 1 (t = 0)", "class 2 (t = 1)"))

    @property
    def layer_sizes(self) -> list[int]:
        return [2, *self.hidden, len(self.classes) if len(self.classes) > 2 else 1]


EXERCISES = {
    "ex1": Exercise(
        "ex1", "Exercise 1: one hidden layer, sigmoid", "binary", (4,), "sigmoid", 1e-4
    ),
    "ex1-relu": Exercise(
        "ex1-relu", "Bonus 1: one hidden layer, ReLU", "binary", (4,), "relu", 1e-4
    ),
    "ex2": Exercise(
        "ex2",
        "Exercise 2: four hidden layers of 10 (per-sample backprop)",
        "binary",
        (10, 10, 10, 10),
        "sigmoid",
        1e-6,
        gradient="per-sample",
        gtol=1e-6,
    ),
    "ex3": Exercise(
        "ex3",
        "Exercise 3: three classes, softmax",
        "multiclass",
        (10,),
        "sigmoid",
        1e-4,
        classes=("class 1", "class 2", "class 3"),
    ),
}

# minimize methods whose options include a gradient tolerance named gtol.
_GTOL_METHODS = {"L-BFGS-B", "BFGS", "CG", "TNC", "trust-constr"}


_positive_int = number(int, lambda n: n >= 1, "a positive integer")
_seed = number(int, lambda n: n >= 0, "an integer >= 0")
_lam = number(float, lambda x: bool(np.isfinite(x)) and x >= 0.0, "a finite number >= 0")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="manual-backprop", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run = commands.add_parser("train", help="train every exercise of the seed, check, plot")
    run.add_argument(
        "--exercise",
        choices=[*EXERCISES, "all"],
        default="all",
        help="which exercise to run (default: all)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("out"),
        help="folder for summary.json and the figures (default: out)",
    )
    run.add_argument("--seed", type=_seed, default=0, help="seed of the initialisation")
    run.add_argument(
        "--lam",
        type=_lam,
        default=None,
        help="L2 penalty for every exercise run (default: each exercise's own)",
    )
    run.add_argument(
        "--hidden",
        type=_positive_int,
        default=None,
        help="hidden units of ex1 and ex1-relu (default: 4)",
    )
    run.add_argument(
        "--method",
        choices=GRADIENT_METHODS,
        default="L-BFGS-B",
        help="scipy.optimize.minimize method (default: L-BFGS-B)",
    )
    run.add_argument("--no-plots", action="store_true", help="write no figures")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return parser


class ReferenceUnavailable(Exception):
    """No reference gradient could be loaded; the message says why."""


def reference_entry_points(name: str = REFERENCE_NAME) -> list[EntryPoint]:
    """The installed entry points called ``name`` in :data:`REFERENCE_GROUP`.

    The one place where the hook is looked up: a test replaces this function
    to see a machine on which no reference is installed.
    """
    return list(entry_points(group=REFERENCE_GROUP, name=name))


def load_reference(name: str = REFERENCE_NAME) -> LossAndGrad:
    """Load the reference ``loss_and_grad`` registered as ``name``.

    Parameters
    ----------
    name : str
        Entry point name in :data:`REFERENCE_GROUP` (``"jax"``: the twin).

    Returns
    -------
    callable
        ``f(W, X, T, layer_sizes, lam, activation) -> (loss, grad)`` with
        ``W`` and ``grad`` of shape ``(n_params,)``, ``X`` ``(N, n_0)``.

    Raises
    ------
    ReferenceUnavailable
        No entry point has that name, the module it names needs a module
        that is not installed (``jax_reference`` without jax), or what it
        names is not a function.
    """
    found = reference_entry_points(name)
    if not found:
        raise ReferenceUnavailable(
            f"no reference named {name!r} is installed (entry point group {REFERENCE_GROUP})"
        )
    entry = found[0]
    try:
        function = entry.load()
    except ModuleNotFoundError as error:
        raise ReferenceUnavailable(
            f"the reference {name!r} ({entry.value}) needs {error.name}, which is not installed"
        ) from error
    if not callable(function):
        raise ReferenceUnavailable(f"the reference {name!r} ({entry.value}) is not a function")
    return cast(LossAndGrad, function)


def gradient_check(
    W: Array, X: Array, T: Array, exercise: Exercise, lam: float, reference: LossAndGrad | None
) -> dict[str, float | None]:
    """Largest relative errors of the hand-written gradient at ``W``.

    Compares ``loss_and_grad`` with the ``reference`` (the JAX twin; ``vs_jax``
    is ``None`` without one) and with fourth-order finite differences of
    ``loss``, and ``loss_and_grad_per_sample`` with ``loss_and_grad``. ``W`` is
    ``(n_params,)``, ``X`` ``(N, 2)``, ``T`` ``(N,)``. Each error is
    ``max|difference|`` over
    :func:`manual_backprop.gradcheck.gradient_scale`, the size of the numbers
    added up into the gradient: at a trained point the data and penalty terms
    nearly cancel (that is what being at a minimum means), so the gradient
    itself is a poor yardstick for rounding errors made while computing terms a
    thousand times larger.
    """
    args = (X, T, exercise.layer_sizes, lam, exercise.activation)
    _, grad = loss_and_grad(W, *args)
    _, grad_per_sample = loss_and_grad_per_sample(W, *args)
    piece = relu_piece(X, exercise.layer_sizes) if exercise.activation == "relu" else None
    grad_fd = finite_difference_grad(lambda w: loss(w, *args), W, piece)
    scale = gradient_scale(W, *args)
    vs_jax: float | None = None  # no reference installed: the comparison is skipped
    if reference is not None:
        _, grad_jax = reference(W, *args)
        vs_jax = relative_error(grad, grad_jax, scale)
    return {
        "vs_jax": vs_jax,
        "vs_finite_differences": relative_error(grad, grad_fd, scale),
        "per_sample_vs_vectorized": relative_error(grad_per_sample, grad, scale),
    }


class _Progress:
    """Live ``iteration / loss`` display on standard error."""

    def __init__(self, name: str, quiet: bool) -> None:
        self.name, self.quiet = name, quiet
        self.live = sys.stderr.isatty()

    def __call__(self, iteration: int, J: float) -> None:
        if self.quiet:
            return
        line = f"  {self.name:9s} iteration {iteration:5d}   loss {J:.6f}"
        if self.live:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif iteration % 50 == 0:
            print(line, file=sys.stderr, flush=True)

    def done(self, iterations: int, J: float, seconds: float) -> None:
        if self.quiet:
            return
        line = f"  {self.name:9s} done: {iterations} iterations, loss {J:.6f}, {seconds:.1f} s"
        print(f"\r{line:60s}" if self.live else line, file=sys.stderr, flush=True)


def run_exercise(
    exercise: Exercise,
    seed: int,
    method: str,
    out: Path,
    plots: bool,
    quiet: bool,
    reference: LossAndGrad | None,
) -> dict[str, Any]:
    """Train, check and plot one exercise; return its summary.json entry.

    ``reference`` is the gradient to compare with (:func:`load_reference`),
    or ``None`` to leave ``vs_jax`` out (``null``).
    """
    if exercise.dataset == "binary":
        X, T = load_binary_dataset()
        labels = T.astype(np.intp)
    else:
        X, labels = load_multiclass_dataset()
        T = labels.astype(np.float64)  # integer labels, as loss_and_grad accepts them
    sizes, lam = exercise.layer_sizes, exercise.lam
    options = {"gtol": exercise.gtol} if exercise.gtol and method in _GTOL_METHODS else {}
    progress = _Progress(exercise.name, quiet)
    start = time.perf_counter()
    result = train(
        X,
        T,
        sizes,
        lam,
        exercise.activation,
        seed=seed,
        method=method,
        gradient=exercise.gradient,
        options=options,
        progress=progress,
    )
    seconds = time.perf_counter() - start
    progress.done(len(result.losses) - 1, result.losses[-1], seconds)

    checks = [
        gradient_check(W, X, T, exercise, lam, reference)
        for W in (init_weights(sizes, seed), result.W)
    ]
    entry: dict[str, Any] = {
        "name": exercise.name,
        "layer_sizes": sizes,
        "activation": exercise.activation,
        "lam": lam,
        "gradient": exercise.gradient,
        "method": method,
        "final_loss": result.losses[-1],
        "train_accuracy": float(
            np.mean(predict(result.W, X, sizes, exercise.activation) == labels)
        ),
        "iterations": len(result.losses) - 1,
        "seconds": seconds,
        "gradient_check": {key: _largest(c[key] for c in checks) for key in checks[0]},
        "figures": [],
    }
    if plots:
        from manual_backprop import figures  # here: --no-plots needs no matplotlib

        title = f"{exercise.title}\n{sizes}, lam = {lam:g}"
        entry["figures"] = [
            str(
                figures.plot_data(
                    X, labels, exercise.classes, exercise.title, out / f"{exercise.name}_data.png"
                )
            ),
            str(
                figures.plot_decision_regions(
                    X,
                    labels,
                    exercise.classes,
                    lambda grid: predict_proba(result.W, grid, sizes, exercise.activation),
                    title,
                    out / f"{exercise.name}_decision_regions.png",
                )
            ),
            str(figures.plot_loss(result.losses, title, out / f"{exercise.name}_loss.png")),
        ]
    return entry


def _largest(errors: Iterable[float | None]) -> float | None:
    """The largest error, or ``None`` where the comparison was skipped."""
    measured = list(errors)
    if any(error is None for error in measured):
        return None
    return max(error for error in measured if error is not None)


def _error(value: float | None, width: int) -> str:
    return f"{'skipped':>{width}s}" if value is None else f"{value:{width}.1e}"


def format_table(entries: Sequence[dict[str, Any]]) -> str:
    """The summary table printed at the end."""
    header = (
        f"{'exercise':9s} {'layer sizes':20s} {'activation':10s} {'lam':>7s} "
        f"{'loss':>8s} {'accuracy':>8s} {'iters':>5s} {'time':>6s} "
        f"{'vs jax':>8s} {'vs FD':>8s} {'per-sample':>10s}"
    )
    lines = [header, "-" * len(header)]
    for e in entries:
        check = e["gradient_check"]
        sizes = "-".join(map(str, e["layer_sizes"]))
        lines.append(
            f"{e['name']:9s} {sizes:20s} {e['activation']:10s} {e['lam']:7.0e} "
            f"{e['final_loss']:8.4f} {e['train_accuracy']:8.1%} {e['iterations']:5d} "
            f"{e['seconds']:5.1f}s {_error(check['vs_jax'], 8)} "
            f"{_error(check['vs_finite_differences'], 8)} "
            f"{_error(check['per_sample_vs_vectorized'], 10)}"
        )
    lines.append(
        "gradient check: largest error at the initial and the final weights, relative to the "
        "size of the terms summed into the gradient"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    names = list(EXERCISES) if args.exercise == "all" else [args.exercise]
    exercises = [EXERCISES[name] for name in names]
    if args.lam is not None:
        exercises = [replace(e, lam=args.lam) for e in exercises]
    if args.hidden is not None:
        exercises = [
            replace(e, hidden=(args.hidden,)) if e.name in ("ex1", "ex1-relu") else e
            for e in exercises
        ]
    if not args.no_plots:
        try:
            # Imported before training, so that a missing matplotlib is said at once.
            import manual_backprop.figures  # noqa: F401
        except ModuleNotFoundError as error:
            if error.name is None or error.name.partition(".")[0] != "matplotlib":
                raise
            print(
                f"manual-backprop: error: the figures need matplotlib: {_PLOTS_HINT}",
                file=sys.stderr,
            )
            return 1
    try:
        reference: LossAndGrad | None = load_reference()
    except ReferenceUnavailable as why:
        reference = None
        if not args.quiet:
            print(f"JAX comparison skipped: {why}; {_REFERENCE_HINT}", file=sys.stderr)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        entries = [
            run_exercise(
                e, args.seed, args.method, args.out, not args.no_plots, args.quiet, reference
            )
            for e in exercises
        ]
        summary_path = args.out / "summary.json"
        summary_path.write_text(json.dumps({"exercises": entries}, indent=2) + "\n")
    except (OSError, ValueError) as error:
        print(f"manual-backprop: error: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(format_table(entries))
        print(f"wrote {summary_path}" + ("" if args.no_plots else " and the figures beside it"))
    return 0
