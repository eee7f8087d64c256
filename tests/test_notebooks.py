"""Notebooks as students hand them in: cells run in order in the sandbox, the data beside
them, plots harmless, IPython syntax turned into Python, and their fun(W) judged against
the reference on the problem inferred for it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from backprop_oracle.checks import Options, check_file
from backprop_oracle.cli import main
from backprop_oracle.notebook import NotebookError, code_cells
from backprop_oracle.sandbox import sandbox_available

DATA = Path(__file__).resolve().parent.parent / "data"
# Twenty problems a part: these tests are about running notebooks, not about the search
# (the corpus tests run the default number).
EXAMPLES = 20

LOAD = """\
import numpy as np
import scipy.io as sio
from scipy.optimize import minimize
data1 = sio.loadmat('pointsClass1Week6.mat')['pointsClass1Week6']
data2 = sio.loadmat('pointsClass2Week6.mat')['pointsClass2Week6']
X = np.vstack([data1, data2])
t = np.concatenate([np.zeros(len(data1)), np.ones(len(data2))])
lam = 0.01
"""
FUN = """\
def sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))

def fun(W):
    W1 = W[:8].reshape(2, 4); b1 = W[8:12]; W2 = W[12:16].reshape(4, 1); b2 = W[16:17]
    z1 = sigmoid(X @ W1 + b1)
    a2 = (z1 @ W2 + b2).ravel()
    p = sigmoid(a2)
    N = len(t)
    loss = np.mean(np.logaddexp(0, -a2) * t + np.logaddexp(0, a2) * (1 - t))
    loss += lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    d2 = ((p - t) / N)[:, None]
    d1 = d2 @ W2.T * z1 * (1 - z1)
    grad = np.concatenate([(X.T @ d1 + 2 * lam * W1).ravel(), d1.sum(0),
                           (z1.T @ d2 + 2 * lam * W2).ravel(), d2.sum(0)])
    return loss, grad
"""
TRAIN = """\
W0 = np.random.default_rng(0).uniform(-1, 1, 17)
res = minimize(fun, W0, jac=True, options={'maxiter': 30})
print('final loss', res.fun)
"""


def _notebook(folder: Path, name: str, *cells: str, data: bool = True) -> Path:
    """A notebook of code cells (and one markdown cell first), the exercise's data beside it."""
    notebook = new_notebook()
    notebook.cells = [new_markdown_cell("## Week 6"), *(new_code_cell(c) for c in cells)]
    path = folder / name
    nbformat.write(notebook, path)
    if data:
        for mat in DATA.glob("*.mat"):
            shutil.copy(mat, folder / mat.name)
    return path


def _options(**changes: object) -> Options:
    isolate = sandbox_available() is None
    return Options(examples=EXAMPLES, seed=0, isolate=isolate, **changes)  # type: ignore[arg-type]


def _kinds(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.kind for f in result.all_findings()}


# ------------------------------------------------------------- IPython syntax


def test_ipython_syntax_becomes_python_and_cells_are_numbered_among_code_cells(tmp_path):
    path = _notebook(
        tmp_path,
        "syntax.ipynb",
        "%matplotlib inline\nimport numpy as np",
        "!ls -l\nfiles = !ls\nnp.shape?",
        "%%time\nx = 1",
        data=False,
    )
    cells = code_cells(path.read_bytes())
    assert [number for number, _ in cells] == [1, 2, 3]  # the markdown cell is not counted
    assert cells[0][1] == (
        "get_ipython().run_line_magic('matplotlib', 'inline')\nimport numpy as np\n"
    )
    assert cells[1][1] == (
        "get_ipython().system('ls -l')\nfiles = get_ipython().getoutput('ls')\n"
        "get_ipython().run_line_magic('pinfo', 'np.shape')\n"
    )
    assert cells[2][1] == "get_ipython().run_cell_magic('time', '', 'x = 1\\n')\n"


def test_a_file_that_is_not_a_notebook_is_not_judged_and_says_why(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(NotebookError, match="not a notebook nbformat can read"):
        code_cells(path.read_bytes())
    result = check_file(path, _options())
    assert result.verdict == "error"
    assert "not a notebook nbformat can read" in result.error


def test_without_ipython_python_files_are_checked_and_notebooks_say_what_to_install(tmp_path):
    """The oracle imports nbformat and IPython only for a notebook."""
    correct = Path(__file__).parent / "oracle_corpus" / "correct" / "vectorised_sigmoid.py"
    shutil.copy(correct, tmp_path / "correct.py")
    _notebook(tmp_path, "week6.ipynb", LOAD, FUN, data=False)
    flags = ["--examples", "10", "--seed", "0", "--json"]
    flags += [] if sandbox_available() is None else ["--no-sandbox"]
    blocked = (
        "import sys; sys.modules['IPython'] = None; sys.modules['nbformat'] = None; "
        "from backprop_oracle.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    runs = {
        name: subprocess.run(
            [sys.executable, "-c", blocked, "check", name, *flags],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        for name in ("correct.py", "week6.ipynb")
    }
    python = json.loads(runs["correct.py"].stdout)["results"][0]
    assert (runs["correct.py"].returncode, python["verdict"]) == (0, "pass")
    notebook = json.loads(runs["week6.ipynb"].stdout)["results"][0]
    assert notebook["verdict"] == "error"
    assert "pip install 'manual-backprop[notebook]'" in notebook["error"]


# -------------------------------------------------------------- running cells


def test_a_cell_that_raises_is_reported_and_the_next_cells_still_run(tmp_path):
    path = _notebook(
        tmp_path, "week6.ipynb", LOAD, "plt.scatter(X[:, 0], X[:, 1])", FUN, TRAIN, "%who"
    )
    result = check_file(path, _options())
    parts = {p.name: p.verdict for p in result.parts}
    assert parts["ex1"] == "pass", [f.message for f in result.all_findings()]
    (warning,) = [f for f in result.findings if f.kind == "warning"]
    assert warning.message == (
        "cell 2 raised NameError: name 'plt' is not defined; the cells after it ran"
    )
    assert 'File "cell 2", line 1, in <module>' in warning.details["traceback"]
    # The cells after it ran: the training printed, and %who (not run) said so.
    assert "final loss" in result.output
    assert "[backprop-oracle] %who was not run" in result.output


def test_a_missing_data_file_is_named_with_where_the_oracle_looked(tmp_path):
    path = _notebook(
        tmp_path,
        "week6.ipynb",
        LOAD.replace("pointsClass1Week6.mat", "pointsClass1Week6_v2.mat"),
        FUN,
    )
    result = check_file(path, _options())
    (warning,) = [f for f in result.findings if f.kind == "warning"]
    assert warning.message.startswith("cell 1 raised FileNotFoundError")
    assert (
        "the file 'pointsClass1Week6_v2.mat' is not there: the oracle looked in the data "
        f"files beside the submission, in its folder {tmp_path.name!r}"
    ) in warning.message
    # fun(W) reads X, which the failed cell never made: nothing answers ex1.
    assert {p.name: p.verdict for p in result.parts}["ex1"] == "not-implemented"


def test_a_python_file_that_opens_a_missing_file_says_where_the_oracle_looked(tmp_path):
    _notebook(tmp_path, "unused.ipynb")  # the exercise's data beside it
    path = tmp_path / "week6.py"
    path.write_text(LOAD.replace("pointsClass2Week6.mat", "missing.mat") + FUN)
    result = check_file(path, _options())
    (error,) = [f for f in result.findings if f.kind == "import-error"]
    assert "\nthe file 'missing.mat' is not there: the oracle looked in" in error.message


def test_data_seed_offers_the_exercises_own_files(tmp_path):
    path = _notebook(tmp_path, "week6.ipynb", LOAD, FUN, data=False)
    result = check_file(path, _options(data="seed"))
    assert {p.name: p.verdict for p in result.parts}["ex1"] == "pass"
    assert "looked in" not in json.dumps(result.as_dict())


def test_an_unknown_data_folder_is_a_misuse(tmp_path, capsys):
    path = _notebook(tmp_path, "week6.ipynb", LOAD, data=False)
    with pytest.raises(SystemExit) as exited:
        main(["check", str(path), "--data", str(tmp_path / "nowhere")])
    assert exited.value.code == 2
    assert "no such folder" in capsys.readouterr().err


# ------------------------------------------------------------------- plots

PLOTS = """\
import matplotlib.pyplot as plt
plt.figure()
plt.scatter(data1[:, 0], data1[:, 1], c='r')
plt.scatter(data2[:, 0], data2[:, 1], c='b')
xx, yy = np.meshgrid(np.linspace(-2, 2, 50), np.linspace(-2, 2, 50))
plt.contourf(xx, yy, np.sin(xx * yy), alpha=0.3)
plt.title('Week 6')
plt.savefig('boundary.png')
plt.show()
"""


def test_a_correct_notebook_that_plots_and_saves_figures_passes(tmp_path):
    path = _notebook(tmp_path, "week6.ipynb", "%matplotlib inline\n" + LOAD, PLOTS, FUN, TRAIN)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = check_file(path, _options())
    assert {p.name: p.verdict for p in result.parts}["ex1"] == "pass"
    assert not _kinds(result) & {"tampering", "forbidden-import", "import-error", "warning"}
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the figure went to scratch


@pytest.mark.skipif(sandbox_available() is not None, reason="the data's binds need the jail")
def test_refused_operations_name_the_submissions_line_and_the_data_stays_read_only(tmp_path):
    attack = """\
import subprocess
open('pointsClass1Week6.mat', 'wb').write(b'overwritten')
"""
    spawn = "x = 1\nsubprocess.run(['ls'])"
    path = _notebook(tmp_path, "week6.ipynb", LOAD, attack, spawn, FUN)
    original = (DATA / "pointsClass1Week6.mat").read_bytes()
    result = check_file(path, _options())
    tampering = [f.message for f in result.findings if f.kind == "tampering"]
    assert len(tampering) == 1, tampering
    assert "write to pointsClass1Week6.mat at cell 2, line 2" in tampering[0]
    assert "start a process (subprocess.Popen) at cell 3, line 2" in tampering[0]
    assert (tmp_path / "pointsClass1Week6.mat").read_bytes() == original
    assert result.verdict == "fail"


@pytest.mark.skipif(sandbox_available() is not None, reason="the data's binds need the jail")
def test_a_notebook_sees_the_data_beside_it_but_no_other_submission(tmp_path):
    (tmp_path / "classmate.py").write_text("ANSWER = 'canary-4471'\n")
    (tmp_path / "classmate.ipynb").write_text('{"canary": "canary-4471"}')
    (tmp_path / "notes.txt").write_text("data the course handed out\n")
    (tmp_path / "linked.mat").symlink_to("/etc/hostname")
    look = """\
import os
print(sorted(os.listdir('.')))
for name in ('classmate.py', 'classmate.ipynb', 'linked.mat'):
    try:
        print(open(name).read())
    except OSError as exc:
        print(name, type(exc).__name__)
print(open('notes.txt').read())
"""
    path = _notebook(tmp_path, "week6.ipynb", LOAD, look, FUN)
    result = check_file(path, _options())
    assert "canary-4471" not in result.output
    assert "classmate.py FileNotFoundError" in result.output
    assert "linked.mat FileNotFoundError" in result.output
    assert "data the course handed out" in result.output
    assert {p.name: p.verdict for p in result.parts}["ex1"] == "pass"
