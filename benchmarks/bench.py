"""Speed of the hand-written backpropagation against JAX, PyTorch and scikit-learn.

One run times, on the same weights and data, the float64 loss and gradient of

- ``manual_backprop.loss_and_grad`` (the reference, ``network.py``: every
  argument checked and new arrays on every call, no threads),
- ``manual_backprop.Objective`` (the engine, ``engine.py``: the data checked
  once, working arrays reused, a large batch in parts run in threads; what
  ``train`` hands to ``scipy.optimize.minimize``),
- JAX (``jit`` of ``value_and_grad``, compiled first), PyTorch autograd and
  scikit-learn's own MLP backpropagation (``benchmarks/peers.py``),

on the cases S1-S5, interleaving the implementations round by round so that
a noisy machine slows them all alike, and reports medians. Ratios are taken
against the fastest peer; speed is never asserted in the tests, only here.

Usage::

    python benchmarks/bench.py [--rounds 7] [--cases S1,S2] [--json out/bench.json]
"""

import argparse
import json
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from manual_backprop.gradcheck import gradient_scale

sys.path.insert(0, str(Path(__file__).parent))
from peers import make_jax, make_sklearn, make_torch

Array = NDArray[np.float64]
LAM = 1e-4
# A peer is timed only if it computes the same numbers: the loss to 1e-12 of
# itself and the gradient to 1e-10 of the gradient's scale (independent float64
# implementations agree to ~1e-13 of it; see backprop_oracle/tolerances.py).
PEER_LOSS_RTOL = 1e-12
PEER_GRAD_RTOL = 1e-10


@dataclass(frozen=True)
class Case:
    """One benchmark problem."""

    name: str
    layer_sizes: list[int]
    n_samples: int
    note: str

    def data(self) -> tuple[Array, Array, Array]:
        """``(W, X, T)``: the exercise's initialisation, standard normal inputs, random labels."""
        rng = np.random.default_rng(0)
        X = rng.normal(size=(self.n_samples, self.layer_sizes[0]))
        n_out = self.layer_sizes[-1]
        labels = rng.integers(0, max(n_out, 2), self.n_samples)
        T = labels.astype(np.float64) if n_out == 1 else np.eye(n_out)[labels]
        return mb.init_weights(self.layer_sizes, 0), X, T

    def flops(self) -> int:
        """Multiply-adds x 2 of the matrix products in one loss-and-gradient evaluation.

        Forward ``Z_{l-1} W_l`` for every layer, backward ``Z_{l-1}^T delta_l``
        for every layer and ``delta_l W_l^T`` for all but the first.
        """
        pairs = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))
        products = sum(a * b for a, b in pairs)
        return 2 * self.n_samples * (2 * products + sum(a * b for a, b in pairs[1:]))


CASES = [
    Case("S1", [2, 4, 1], 200, "Exercise 1"),
    Case("S2", [2, 10, 10, 10, 10, 1], 200, "Exercise 2"),
    Case("S3", [2, 10, 3], 300, "Exercise 3, softmax"),
    Case("S4", [64, 128, 128, 1], 2000, "sigmoid"),
    Case("S5", [784, 256, 256, 10], 10000, "softmax"),
]


def _per_call(f: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - start) / calls


def _calls_for(f: Callable[[], Any], budget: float) -> int:
    """How many calls of ``f`` take about ``budget`` seconds (at least one)."""
    once = _per_call(f, 1)
    return max(1, int(budget / max(once, 1e-7)))


def time_interleaved(
    functions: dict[str, Callable[[], Any]], rounds: int, budget: float
) -> dict[str, float]:
    """Median seconds per call of each function, measured round by round in turn."""
    for f in functions.values():
        f()  # warm up: caches, lazy imports, first-call allocations
    calls = {name: _calls_for(f, budget) for name, f in functions.items()}
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, f in functions.items():
            samples[name].append(_per_call(f, calls[name]))
    return {name: float(np.median(values)) for name, values in samples.items()}


def peak_memory(f: Callable[[], Any]) -> int:
    """Peak bytes numpy allocates during one call (tracemalloc sees numpy's buffers)."""
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def matmul_rate(case: Case, rounds: int) -> float:
    """numpy.matmul's FLOP rate on this case's largest product, ``X W_1``, in this run."""
    rng = np.random.default_rng(1)
    n_in, n_out = case.layer_sizes[0], case.layer_sizes[1]
    A, B = rng.normal(size=(case.n_samples, n_in)), rng.normal(size=(n_in, n_out))
    out = np.empty((case.n_samples, n_out))
    seconds = time_interleaved({"matmul": lambda: np.matmul(A, B, out=out)}, rounds, 0.05)
    return 2 * case.n_samples * n_in * n_out / seconds["matmul"]


def peers_for(case: Case, X: Array, T: Array) -> dict[str, Callable[[Array], tuple[float, Array]]]:
    """The peers that are installed, each made ready for this case."""
    peers = {}
    for name, make in (("jax", make_jax), ("torch", make_torch), ("sklearn", make_sklearn)):
        try:
            peers[name] = make(X, T, case.layer_sizes, LAM)[0]
        except ImportError as exc:
            print(f"  {name}: not installed ({exc.name}); skipped", file=sys.stderr)
    return peers


def agrees(
    name: str, result: tuple[float, Array], reference: tuple[float, Array], scale: float
) -> bool:
    """Whether a peer computes this project's loss and gradient (else it is not timed)."""
    (J, grad), (J_ref, grad_ref) = result, reference
    loss_error = abs(J - J_ref) / J_ref
    grad_error = float(np.max(np.abs(grad - grad_ref))) / scale
    if loss_error <= PEER_LOSS_RTOL and grad_error <= PEER_GRAD_RTOL:
        return True
    print(
        f"  {name}: loss error {loss_error:.2g}, gradient error {grad_error:.2g}: not timed",
        file=sys.stderr,
    )
    return False


def bench_case(case: Case, rounds: int) -> dict[str, Any]:
    """Every measurement of one case."""
    W, X, T = case.data()
    objective = mb.Objective(X, T, case.layer_sizes, LAM)
    reference = mb.loss_and_grad(W, X, T, case.layer_sizes, LAM)
    scale = gradient_scale(W, X, T, case.layer_sizes, LAM, "sigmoid")
    budget = 0.02 if case.n_samples * case.layer_sizes[1] < 1e5 else 0.2
    manual = {
        "manual loss_and_grad": lambda: mb.loss_and_grad(W, X, T, case.layer_sizes, LAM),
        "manual Objective": lambda: objective(W),
        "manual loss": lambda: mb.loss(W, X, T, case.layer_sizes, LAM),
        "manual Objective.loss": lambda: objective.loss(W),
    }
    if case.name in ("S1", "S2"):
        manual["manual per-sample"] = lambda: mb.loss_and_grad_per_sample(
            W, X, T, case.layer_sizes, LAM
        )
    peers = {
        name: (lambda f=f: f(W))
        for name, f in peers_for(case, X, T).items()
        if agrees(name, f(W), reference, scale)
    }
    seconds = time_interleaved({**manual, **peers}, rounds, budget)
    best_peer = min(peers, key=seconds.__getitem__) if peers else None
    rate = matmul_rate(case, rounds)
    result: dict[str, Any] = {
        "case": case.name,
        "layer_sizes": case.layer_sizes,
        "n_samples": case.n_samples,
        "seconds": seconds,
        "best_peer": best_peer,
        "flops": case.flops(),
        "numpy_matmul_gflops": rate / 1e9,
        "objective_gflops": case.flops() / seconds["manual Objective"] / 1e9,
        "matmul_share": case.flops() / seconds["manual Objective"] / rate,
        "cheap_gradient_ratio": seconds["manual Objective"] / seconds["manual Objective.loss"],
        "cheap_gradient_ratio_loss_and_grad": seconds["manual loss_and_grad"]
        / seconds["manual loss"],
        "peak_bytes_loss_and_grad": peak_memory(manual["manual loss_and_grad"]),
        "peak_bytes_objective_call": peak_memory(manual["manual Objective"]),
        # How many parts (threads) the Objective cuts the batch into here.
        "objective_parts": objective.parts,
    }
    if best_peer is not None:
        result["ratio_objective"] = seconds["manual Objective"] / seconds[best_peer]
        result["ratio_loss_and_grad"] = seconds["manual loss_and_grad"] / seconds[best_peer]
    return result


def training_data(case: Case) -> tuple[Array, Array]:
    """The exercise's own data for S1 and S3; the case's random data otherwise."""
    if case.name == "S1":
        return mb.load_binary_dataset()
    if case.name == "S3":
        X, labels = mb.load_multiclass_dataset()
        return X, np.eye(3)[labels]
    _, X, T = case.data()
    return X, T


def bench_training(case: Case, max_iter: int) -> dict[str, Any]:
    """End to end: train against MLPClassifier(solver="lbfgs"), to the loss it stops at.

    Both run scipy's L-BFGS-B on the same loss; scikit-learn goes first, and
    ``train`` is stopped as soon as its loss is as low as scikit-learn's final one.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, T = training_data(case)
    n_samples = X.shape[0]
    labels = T if case.layer_sizes[-1] == 1 else np.argmax(T, axis=1)
    model = MLPClassifier(
        hidden_layer_sizes=tuple(case.layer_sizes[1:-1]),
        activation="logistic",
        solver="lbfgs",
        alpha=2.0 * n_samples * LAM,  # its alpha / (2 N) sum ||W||^2 is lam sum ||W||^2
        max_iter=max_iter,
        tol=1e-9,
        random_state=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, labels)
    sklearn_seconds = time.perf_counter() - start
    target = float(model.loss_)

    reached: dict[str, int] = {}

    def stop_at_target(iteration: int, J: float) -> None:
        if J <= target:
            reached["iteration"] = iteration
            raise StopIteration  # scipy.optimize.minimize ends the run here

    start = time.perf_counter()
    result = mb.train(
        X,
        T,
        case.layer_sizes,
        LAM,
        seed=0,
        options={"maxiter": 5000, "gtol": 0.0, "ftol": 0.0},
        progress=stop_at_target,
    )
    manual_seconds = time.perf_counter() - start
    return {
        "case": case.name,
        "data": "the exercise's" if case.name in ("S1", "S3") else "random",
        "sklearn_seconds": sklearn_seconds,
        "sklearn_iterations": int(model.n_iter_),
        "target_loss": target,
        "manual_seconds": manual_seconds,
        "manual_iterations": reached.get("iteration", len(result.losses) - 1),
        "manual_final_loss": result.losses[-1],
        "manual_reached_target": "iteration" in reached,
        "ratio": manual_seconds / sklearn_seconds,
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.3f}"


def report(results: list[dict[str, Any]], training: list[dict[str, Any]]) -> str:
    """The table, the targets and the end-to-end runs, as text."""
    peers = ["jax", "torch", "sklearn"]
    header = (
        f"{'case':4} {'loss_and_grad':>13} {'Objective':>10} "
        + " ".join(f"{p:>9}" for p in peers)
        + f" {'best':>7} {'ratio':>6} {'ratio*':>6} {'lg/l':>5} {'matmul%':>7} {'peak MiB':>8}"
        + f" {'parts':>5}"
    )
    lines = [
        "times in ms per call (median); ratio = Objective / best peer, "
        "ratio* = loss_and_grad / best peer; lg/l = Objective / Objective.loss; "
        "parts = threads the batch is cut into",
        header,
    ]
    for r in results:
        s = r["seconds"]
        cells = " ".join(_ms(s[p]) if p in s else f"{'-':>9}" for p in peers)
        lines.append(
            f"{r['case']:4} {_ms(s['manual loss_and_grad']):>13} {_ms(s['manual Objective']):>10} "
            f"{cells} {r['best_peer'] or '-':>7} {r.get('ratio_objective', float('nan')):6.2f} "
            f"{r.get('ratio_loss_and_grad', float('nan')):6.2f} {r['cheap_gradient_ratio']:5.2f} "
            f"{100 * r['matmul_share']:6.0f}% {r['peak_bytes_objective_call'] / 2**20:8.1f}"
            f" {r['objective_parts']:>5}"
        )
    for r in results:
        if "manual per-sample" in r["seconds"]:
            s = r["seconds"]
            lines.append(
                f"{r['case']} per-sample loss_and_grad: {_ms(s['manual per-sample'])} ms, "
                f"{s['manual per-sample'] / s['manual loss_and_grad']:.0f} x the vectorised one"
            )
    for t in training:
        lines.append(
            f"{t['case']} ({t['data']} data) train to scikit-learn's final loss "
            f"{t['target_loss']:.6g}: manual "
            f"{t['manual_seconds']:.3f} s ({t['manual_iterations']} iterations"
            f"{'' if t['manual_reached_target'] else ', not reached'}), MLPClassifier "
            f"{t['sklearn_seconds']:.3f} s ({t['sklearn_iterations']} iterations): "
            f"ratio {t['ratio']:.2f}"
        )
    lines += targets(results)
    return "\n".join(lines)


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, each marked met or not."""
    by_case = {r["case"]: r for r in results}
    checks = []
    for name, bound in (("S1", 1.0), ("S2", 1.0), ("S3", 1.0), ("S4", 1.3), ("S5", 1.3)):
        if name in by_case and "ratio_objective" in by_case[name]:
            ratio = by_case[name]["ratio_objective"]
            checks.append((f"{name} Objective / best peer {ratio:.2f} <= {bound}", ratio <= bound))
    for name in ("S4", "S5"):
        if name in by_case:
            ratio = by_case[name]["cheap_gradient_ratio"]
            checks.append((f"{name} loss_and_grad / loss {ratio:.2f} <= 3.0", ratio <= 3.0))
    if "S5" in by_case:
        share = by_case["S5"]["matmul_share"]
        checks.append(
            (f"S5 at {100 * share:.0f}% of numpy.matmul's FLOP rate >= 60%", share >= 0.6)
        )
    return [f"target {'met    ' if ok else 'NOT met'}  {text}" for text, ok in checks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cases", default=",".join(c.name for c in CASES))
    parser.add_argument("--json", type=Path, default=Path("out/bench.json"))
    parser.add_argument("--no-training", action="store_true")
    args = parser.parse_args()
    chosen = [c for c in CASES if c.name in args.cases.split(",")]
    results = []
    for case in chosen:
        print(f"{case.name}: {case.layer_sizes}, N = {case.n_samples} ...", file=sys.stderr)
        results.append(bench_case(case, args.rounds))
    training = []
    if not args.no_training:
        for case in chosen:
            if case.name in ("S1", "S3", "S4"):
                training.append(bench_training(case, 200 if case.name == "S4" else 1000))
    print(report(results, training))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "processor": platform.processor(),
            "cores": __import__("os").cpu_count(),
        },
        "cases": results,
        "training": training,
        "targets": targets(results),
    }
    args.json.write_text(json.dumps(document, indent=2))
    print(f"written: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
