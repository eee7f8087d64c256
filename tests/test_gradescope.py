"""Gradescope: the ``results.json`` document of ``--format gradescope``, and the two-file
autograder of ``autograder/`` run end to end on a fake ``/autograder`` tree.

The document's fields are Gradescope's (its "Autograder specifications"): a
top-level ``score``, ``output``, ``visibility`` and ``stdout_visibility``, and
``tests``, each with ``name``, ``score``, ``max_score``, ``status``, ``output``
and ``visibility``.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_oracle.cli import main
from backprop_oracle.rubric import rubric_text
from backprop_oracle.sandbox import sandbox_available

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).with_name("oracle_corpus")
CORRECT = (CORPUS / "correct" / "vectorised_sigmoid.py").read_text()
UNSTABLE = (CORPUS / "wrong" / "unstable_loss_vectorised.py").read_text()
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}
NO_SANDBOX = [] if sandbox_available() is None else ["--no-sandbox"]


def _valid(document: dict) -> None:
    """Assert that ``document`` is a results.json Gradescope accepts, with our fields."""
    assert set(document) == {"score", "output", "visibility", "stdout_visibility", "tests"}
    assert isinstance(document["score"], int | float)
    assert isinstance(document["output"], str)
    assert document["visibility"] in VISIBILITIES
    assert document["stdout_visibility"] in VISIBILITIES
    for test in document["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["name"], str)
        assert isinstance(test["score"], int | float)
        assert isinstance(test["max_score"], int | float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0)
        assert isinstance(test["output"], str)
        assert test["visibility"] in VISIBILITIES
    assert document["score"] == sum(t["score"] for t in document["tests"])


def test_the_document_of_an_unstable_file(tmp_path, monkeypatch, capsys):
    """Right at ordinary weights, unstable at saturating ones: 95 of 100 points, and the
    stability test's output names the mistake and shows the counterexample."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(UNSTABLE)
    argv = ["check", "mine.py", "--format", "gradescope", "--examples", "30", *NO_SANDBOX]
    assert main(argv) == 1
    document = json.loads(capsys.readouterr().out)
    _valid(document)
    assert document["score"] == 95
    tests = {t["name"].split(":")[0]: t for t in document["tests"]}
    assert list(tests) == ["ex1", "ex2", "ex3", "stability", "contract"]
    assert [tests[n]["status"] for n in tests] == ["passed"] * 3 + ["failed", "passed"]
    stability = tests["stability"]["output"]
    assert stability.startswith("stability (")
    assert "unstable-loss" in stability
    assert "smallest counterexample" in stability
    assert document["output"].startswith("FAIL  mine.py  (score 95/100,")


def test_gradescope_grades_one_file(tmp_path, capsys):
    files = [tmp_path / "a.py", tmp_path / "b.py"]
    for path in files:
        path.write_text(CORRECT)
    with pytest.raises(SystemExit) as stopped:
        main(["check", *map(str, files), "--format", "gradescope"])
    assert stopped.value.code == 2
    assert "--format gradescope grades one submission; 2 files were given" in (
        capsys.readouterr().err
    )


def _autograder(
    tmp_path: Path, submission: dict[str, str], rubric: str | None = None, data: bool = False
) -> dict:
    """Run ``autograder/run_autograder`` on a fake tree (with the exercise's files in the
    zip's ``data/`` when ``data``); the results.json it wrote."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    for name in ("run_autograder", "setup.sh"):
        shutil.copy(ROOT / "autograder" / name, root / "source" / name)
    if rubric is not None:
        (root / "source" / "rubric.toml").write_text(rubric)
    if data:
        shutil.copytree(ROOT / "data", root / "source" / "data")
    for name, text in submission.items():
        (root / "submission" / name).write_text(text)
    bin_folder = Path(sys.executable).parent
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "ORACLE_FLAGS": " ".join(["--examples", "20", *NO_SANDBOX]),
        "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        cwd=root / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_the_submission_with_the_teachers_rubric(tmp_path):
    """The seed's Bonus-1 rubric, one part hidden from students: a file without
    loss_and_grad_relu gets every other part's points and "not implemented" for it."""
    rubric = rubric_text("seed-bonus").replace(
        'name = "contract"', 'name = "contract"\nvisibility = "hidden"'
    )
    document = _autograder(tmp_path, {"loss_and_grad.py": CORRECT}, rubric)
    _valid(document)
    tests = {t["name"].split(":")[0]: t for t in document["tests"]}
    assert list(tests) == ["ex1", "bonus-relu", "ex2", "ex3", "stability", "contract"]
    assert tests["bonus-relu"]["score"] == 0
    assert (
        "not implemented: no usable function 'loss_and_grad_relu'"
        in (tests["bonus-relu"]["output"])
    )
    assert tests["contract"]["visibility"] == "hidden"
    assert document["score"] == 90  # 100 points, less Bonus 1's 10
    # The student's report names the file as the student does, not by the grader's path.
    assert str(tmp_path) not in json.dumps(document)
    assert document["output"].startswith("FAIL  loss_and_grad.py  (score 90/100,")


def test_run_autograder_grades_a_notebook_with_the_zips_data(tmp_path):
    """A notebook upload, loading the exercise's files by relative paths: they come from
    the zip's data/ folder, and its fun(W) is judged as the part it answers."""
    notebook = (ROOT / "tests" / "notebook_corpus" / "correct_globals_ex1.ipynb").read_text()
    document = _autograder(tmp_path, {"week6.ipynb": notebook}, data=True)
    _valid(document)
    tests = {t["name"].split(":")[0]: t for t in document["tests"]}
    assert tests["ex1"]["status"] == "passed"
    assert "fun(W): 2-4-1 sigmoid, lam = 0.002" in tests["ex1"]["output"]
    assert document["output"].startswith("FAIL  week6.ipynb  (score ")


@pytest.mark.parametrize(
    ("files", "found"),
    [({}, 0), ({"a.py": CORRECT, "b.py": CORRECT}, 2), ({"notes.txt": "hello"}, 0)],
)
def test_run_autograder_asks_for_exactly_one_python_file(tmp_path, files, found):
    document = _autograder(tmp_path, files)
    assert document == {
        "score": 0,
        "output": "Upload exactly one Python file (.py) or notebook (.ipynb) with your "
        f"loss_and_grad or fun(W); found {found}.",
    }


def test_run_autograder_reports_a_grader_that_cannot_run(tmp_path):
    """No sandbox here (a backend that does not exist on PATH): the student is told that
    nothing was judged, with the oracle's own reason, and gets no score."""
    root = tmp_path / "autograder"
    document = _autograder_with_flags(tmp_path, root, "--sandbox bwrap", empty_path=True)
    assert document["score"] == 0
    assert document["output"].startswith(
        "The grader could not run (exit status 2); your file was not judged."
    )
    assert "sandbox" in document["output"]


def _autograder_with_flags(tmp_path: Path, root: Path, flags: str, empty_path: bool) -> dict:
    """run_autograder with ``ORACLE_FLAGS=flags``; with ``empty_path``, PATH holds only
    the oracle's own interpreter folder and the shell's basics (no bwrap)."""
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    shutil.copy(ROOT / "autograder" / "run_autograder", root / "source" / "run_autograder")
    (root / "submission" / "mine.py").write_text(CORRECT)
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("python3", "mkdir", "mv", "rm", "tail", "basename"):
        os.symlink(shutil.which(tool), tools / tool)
    os.symlink(Path(sys.executable).parent / "backprop-oracle", tools / "backprop-oracle")
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "ORACLE_FLAGS": flags,
        "PATH": str(tools) if empty_path else os.environ["PATH"],
    }
    subprocess.run(
        [shutil.which("bash"), str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    return json.loads((root / "results" / "results.json").read_text())
