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

from backprop_oracle import checks
from backprop_oracle.checks import Options, check_file
from backprop_oracle.findings import Case
from backprop_oracle.rubric import parse_rubric

CORPUS = Path(__file__).with_name("oracle_corpus")
#: One part over every family (0 to 5 hidden layers, both outputs, every lam) at each
#: weight scale: the margins of the ordinary and of the saturating problems.
RUBRICS = {
    weights: tuple(parse_rubric(f'[[part]]\nname = "all"\nmax_score = 1\nweights = "{weights}"\n'))
    for weights in ("ordinary", "saturating")
}


class _Ratios:
    """The largest error / tolerance seen, for the loss and for the gradient."""

    def __init__(self) -> None:
        self.loss = 0.0
        self.gradient = 0.0

    def record(self, case: Case) -> None:
        self.loss = max(self.loss, case.loss_ratio)
        self.gradient = max(self.gradient, case.gradient_ratio)


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
    evaluate = checks._PartCheck.evaluate
    print(f"{'file':<55} {'weights':>10} {'verdict':>7} {'loss err/tol':>13} {'grad err/tol':>13}")
    for name in names:
        entry = manifest[name]
        for weights, rubric in RUBRICS.items():
            ratios = _Ratios()

            def recording(
                self: checks._PartCheck, problem: object, ratios: _Ratios = ratios
            ) -> Case:
                case = evaluate(self, problem)  # type: ignore[arg-type]
                ratios.record(case)
                return case

            checks._PartCheck.evaluate = recording  # type: ignore[method-assign]
            options = Options(
                activation=entry.get("activation", "sigmoid"),
                layout=entry.get("layout", "canonical"),
                examples=args.examples,
                seed=args.seed,
                isolate=False,
                file_timeout=600.0,
                parts=rubric,
            )
            try:
                result = check_file(CORPUS / name, options)
            finally:
                checks._PartCheck.evaluate = evaluate  # type: ignore[method-assign]
            print(
                f"{name:<55} {weights:>10} {result.verdict:>7} {ratios.loss:13.2e} "
                f"{ratios.gradient:13.2e}"
            )


if __name__ == "__main__":
    main()
