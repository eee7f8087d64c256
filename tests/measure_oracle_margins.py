"""How far correct submissions stay below the oracle's tolerances, and wrong ones above.

A measurement, not a test: for each corpus file, runs the oracle's search with
many examples and prints the largest ``error / tolerance`` seen for the loss
and for the gradient. Correct files should stay far below 1; the margin is
the tolerance's headroom. Usage::

    python tests/measure_oracle_margins.py [--examples N] [FILE ...]
"""

import argparse
import tomllib
from pathlib import Path

from backprop_oracle.checks import Options, _Check
from backprop_oracle.findings import Case

CORPUS = Path(__file__).with_name("oracle_corpus")


class _Measure(_Check):
    """A check that also records every case's ratios."""

    def __init__(self, path: Path, options: Options) -> None:
        super().__init__(path, options)
        self.loss_ratio = 0.0
        self.gradient_ratio = 0.0

    def evaluate(self, problem):  # type: ignore[no-untyped-def]
        case: Case = super().evaluate(problem)
        self.loss_ratio = max(self.loss_ratio, case.loss_ratio)
        self.gradient_ratio = max(self.gradient_ratio, case.gradient_ratio)
        return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text())
    names = [str(f.resolve().relative_to(CORPUS)) for f in args.files] or [
        name
        for name, entry in manifest.items()
        if name.startswith(("correct/", "wrong/")) and "function" not in entry
    ]
    print(f"{'file':<55} {'verdict':>7} {'loss err/tol':>13} {'grad err/tol':>13}")
    for name in names:
        entry = manifest[name]
        options = Options(
            activation=entry.get("activation", "sigmoid"),
            layout=entry.get("layout", "canonical"),
            examples=args.examples,
            seed=args.seed,
        )
        check = _Measure(CORPUS / name, options)
        try:
            check.run()
        finally:
            check.submission.worker.cleanup()
        verdict = "fail" if check.findings else "pass"
        print(f"{name:<55} {verdict:>7} {check.loss_ratio:13.2e} {check.gradient_ratio:13.2e}")


if __name__ == "__main__":
    main()
