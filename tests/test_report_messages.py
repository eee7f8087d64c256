"""Messages a student or a teacher acts on: help without markup, a folder named as a
folder, the relative error defined where it is first shown, no path of the grader's
machine in a student's report, and a reader that stops early ends the command quietly.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_oracle.cli import build_parser, main
from backprop_oracle.sandbox import sandbox_available

CORPUS = Path(__file__).with_name("oracle_corpus")
CORRECT = (CORPUS / "correct" / "vectorised_sigmoid.py").read_text()
WRONG = (CORPUS / "wrong" / "bias_regularized_vectorised.py").read_text()
NO_SANDBOX = [] if sandbox_available() is None else ["--no-sandbox"]
FAST = ["--examples", "10", "--seed", "0", *NO_SANDBOX]


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["rubric", "--help"]])
def test_help_has_no_markup_and_names_no_document_users_lack(argv, capsys):
    text = _help(argv, capsys)
    for markup in ("``", ":func:", ":mod:", ":data:", "SPEC", "section "):
        assert markup not in text, markup


def test_check_help_explains_parts_rubrics_scores_formats_and_determinism(capsys):
    text = " ".join(_help(["check", "--help"], capsys).split())
    for words in (
        "A check is a list of parts (a rubric)",
        "A part scores its points when it passes and 0 otherwise",
        '"not implemented"',
        "--rubric FILE",
        "--hidden-layers N|A-B",
        "--format {text,json,gradescope}",
        "the same file gets the same report",
    ):
        assert words in text, words


def test_a_folder_says_it_is_a_folder_and_what_to_pass(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("submissions").mkdir()
    assert main(["check", "submissions", *FAST]) == 1
    out = capsys.readouterr().out
    assert out.startswith("ERROR  submissions")
    assert "it is a directory; pass submissions/*.py to check its files" in out


def test_the_relative_error_is_defined_where_it_is_first_shown(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("wrong.py").write_text(WRONG)
    assert main(["check", "wrong.py", *FAST]) == 1
    out = capsys.readouterr().out
    first = out.index("relative error")
    assert out[first:].startswith("relative error ")
    # "relative error 0.37, that is the largest |yours - reference| over S = 0.95, the
    # size of the terms summed into the gradient"
    definition = out[first : out.index("\n", first)]
    assert ", that is the largest |yours - reference| over S = " in definition
    assert "the size of the terms summed into the gradient" in definition
    assert "rel. error: the largest |yours - reference| in the block, divided by S" in out


LEAKY = (
    CORRECT
    + """

print("loaded from", __file__)
_checked = loss_and_grad


def loss_and_grad(W, X, T, layer_sizes, lam):
    if len(layer_sizes) > 3:
        raise ValueError("only one hidden layer, in " + __file__)
    return _checked(W, X, T, layer_sizes, lam)
"""
)


def test_a_students_report_holds_no_path_of_the_graders_machine(tmp_path, monkeypatch, capsys):
    """The file is given by its absolute path from another folder; what it printed and
    raised names its own path. Reports, JSON and Gradescope's document name the file
    only by its name (the table and JSON for the teacher by the path as given)."""
    folder = tmp_path / "class" / "alice"
    folder.mkdir(parents=True)
    path = folder / "mine.py"
    path.write_text(LEAKY)
    elsewhere = tmp_path / "grader"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    reports = elsewhere / "reports"
    assert main(["check", str(path), "--reports", str(reports), *FAST]) == 1
    text = capsys.readouterr().out
    assert main(["check", str(path), "--format", "gradescope", *FAST]) == 1
    gradescope = capsys.readouterr().out
    assert main(["check", str(path), "--json", *FAST]) == 1
    document = capsys.readouterr().out
    (report,) = [p.read_text() for p in reports.iterdir()]
    for shown in (text, gradescope, document, report):
        assert str(tmp_path) not in shown
        assert "/class/alice" not in shown
    assert "loaded from mine.py" in report  # what it printed, with its own name
    assert "only one hidden layer, in mine.py" in report
    assert json.loads(document)["results"][0]["file"] == "mine.py"


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    """``backprop-oracle check ... | head -1``: no BrokenPipeError, no traceback."""
    (tmp_path / "wrong.py").write_text(WRONG)
    command = [sys.executable, "-m", "backprop_oracle", "check", "wrong.py", "--json", *FAST]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before anything is written
    _, err = process.communicate(timeout=300)
    assert err == b""
    assert process.returncode == 1  # the verdict's status, as if the reader had read it


def test_activation_auto_finds_the_activation_and_the_file_passes(monkeypatch, capsys):
    monkeypatch.chdir(CORPUS)
    assert main(["check", "correct/relu_vectorised.py", "--activation", "auto", *FAST]) == 0
    out = capsys.readouterr().out
    assert "--activation auto: the submission matches a network of relu hidden units" in out


def test_right_for_another_activation_is_named_with_the_option_to_use(monkeypatch, capsys):
    """A correct tanh file checked as sigmoid: every part that checks numbers names
    wrong-activation and says which option judges it right, not "not a known mistake"."""
    monkeypatch.chdir(CORPUS)
    assert main(["check", "correct/tanh_vectorised.py", "--json", *FAST]) == 1
    (result,) = json.loads(capsys.readouterr().out)["results"]
    for part in result["parts"][:4]:  # ex1, ex2, ex3, stability
        (diagnosis,) = [f for f in part["findings"] if f["kind"] == "diagnosis"]
        assert (diagnosis["mistake"], diagnosis["activation"]) == ("wrong-activation", "tanh")
        assert "check it with --activation tanh" in diagnosis["message"]
    assert result["parts"][4]["verdict"] == "pass"  # the contract holds all the same
