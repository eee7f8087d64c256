"""The notebook corpus (tests/notebook_corpus): every notebook checked as a class would be,
each judged function with the part, inferred problem, verdict and mistake its manifest says.

The notebooks load the exercise's data by relative paths; they are checked with
``--data seed``, the project's own copies, as a teacher would with ``--data DIR``.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from backprop_oracle.sandbox import sandbox_available

CORPUS = Path(__file__).parent / "notebook_corpus"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text())["notebook"]
BY_FILE = {entry["file"]: entry for entry in MANIFEST}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every notebook of the corpus, checked in one command as a class is (two at a time)."""
    flags = [] if sandbox_available() is None else ["--no-sandbox"]
    notebooks = [str(CORPUS / name) for name in sorted(BY_FILE)]
    run = subprocess.run(
        [sys.executable, "-m", "backprop_oracle", "check", *notebooks, "--data", "seed",
         "--jobs", "2", "--json", *flags],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=tmp_path_factory.mktemp("corpus"),
    )  # fmt: skip
    document = json.loads(run.stdout)  # exactly one JSON document: nothing printed around it
    assert run.returncode == 1  # most of the corpus fails: no single-exercise notebook passes
    return {Path(r["file"]).name: r for r in document["results"]}


def _judged_part(result: dict[str, Any], function: str, verified: str) -> dict[str, Any]:
    """The part that judged ``function``: by the function its problem names."""
    found = [
        p
        for p in result["parts"]
        if p["verified"] == verified
        and "like" not in p["problem_family"]
        and p["problem_family"].get("function", p["name"]) == function
    ]
    assert len(found) == 1, [(p["name"], p["verified"], p["problem"]) for p in result["parts"]]
    return found[0]


def test_the_manifest_names_every_notebook_once():
    files = sorted(p.name for p in CORPUS.glob("*.ipynb"))
    assert sorted(BY_FILE) == files
    assert len(MANIFEST) == len(BY_FILE)


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_notebook(results: dict[str, dict[str, Any]], name: str) -> None:
    entry, result = BY_FILE[name], results[name]
    said = [(p["name"], p["verdict"], p["problem"]) for p in result["parts"]]
    assert result["verdict"] == entry["verdict"], said
    warnings = [f for f in result["findings"] if f["kind"] == "warning" and "cell" in f]
    assert sorted({f["cell"] for f in warnings}) == entry["cell_errors"]
    if entry["missing_file"]:
        assert any(
            f"the file {entry['missing_file']!r} is not there: the oracle looked in the "
            "exercise's data files (--data seed)" in f["message"]
            for f in warnings
        ), warnings
    assert not {f["kind"] for f in result["findings"]} & {"tampering", "forbidden-import"}
    for judged in entry.get("judged", []):
        part = _judged_part(result, judged["function"], judged["verified"])
        assert part["verdict"] == judged["verdict"], part["findings"]
        mistakes = sorted({f["mistake"] for f in part["findings"] if f["kind"] == "diagnosis"})
        assert mistakes == sorted(judged["mistakes"]), part["findings"]
        if judged["verified"] == "self-consistency":
            assert part["score"] == 0
            continue
        # Named as the part it answers: the rubric's own, or "part:function" beside it.
        assert part["name"] in (judged["part"], f"{judged['part']}:{judged['function']}")
        problem = part["problem_family"]
        assert problem["part"] == judged["part"]
        assert problem["layer_sizes"] == judged["layer_sizes"]
        assert problem["activation"] == judged["activation"]
        assert problem["lam"] == judged["lam"]  # a value the notebook holds, read back exactly
        assert problem["layout"] == judged["layout"]
        assert problem["target"] == judged["target"]
        assert part["problem"].startswith(f"{judged['function']}(W): ")


def test_the_bias_penalising_closure_is_named_bias_regularized(results):
    part = _judged_part(results["mistake_bias_regularized_ex1.ipynb"], "fun", "reference")
    (diagnosis,) = [f for f in part["findings"] if f["kind"] == "diagnosis"]
    assert diagnosis["mistake"] == "bias-regularized"
    assert part["problem"] == (
        "fun(W): 2-4-1 sigmoid, lam = 0.01 (the notebook's lam), t as given: 1 for data2's "
        "points, canonical layout; inputs X"
    )
