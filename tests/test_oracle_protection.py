"""Issue 15, the oracle's side: what a submission cannot do to the verdict or the report.

- One deadline per file covers every phase, and names the phase it stops.
- A search cut short by its time budget is a ``timeout`` finding, never a pass.
- A failure while handling one file is that file's ``error``; the batch goes on.
- No grading without the sandbox, unless ``--no-sandbox`` (said in every report).
- Reports are inert: control characters escaped, no path of the grader's machine.
- A ``fun(W)`` is ``consistent`` at best, never ``pass``.
- Complex-step and finite-difference "backprop" get a ``warning`` for a teacher.

The sandbox's own guarantees (the jail, the limits, nothing survives) are
tested in ``test_sandbox.py``.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backprop_oracle import KINDS, Finding, Options, Result, check_file, json_report
from backprop_oracle import checks as checks_module
from backprop_oracle import cli as cli_module
from backprop_oracle.cli import check_files, main
from backprop_oracle.findings import INFORMATIVE
from backprop_oracle.inert import PathHider, display_name, escape_controls
from backprop_oracle.report import NOT_SANDBOXED, report_name, summary_table, text_report
from backprop_oracle.rubric import parse_rubric
from backprop_oracle.sandbox import sandbox_available
from backprop_oracle.search import MIN_EXAMPLES, minimum_examples
from backprop_oracle.static import gradient_shortcuts

CORPUS = Path(__file__).with_name("oracle_corpus")
CORRECT = (CORPUS / "correct" / "vectorised_sigmoid.py").read_text()
WRONG = (CORPUS / "wrong" / "bias_regularized_vectorised.py").read_text()

#: Raw control characters a terminal acts on (newline excepted): none may reach a report.
RAW_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


def _sandboxed() -> bool:
    return sandbox_available() is None


#: One part over every problem family (0 to 5 hidden layers, both output kinds, every
#: lam, ordinary weights): a file's whole time budget goes to one search, as these
#: tests of deadlines and protection assume. A test that needs the default rubric
#: says so (``parts=None``).
ONE_PART = tuple(parse_rubric('[[part]]\nname = "all"\nmax_score = 1\n'))


def _options(**changes: object) -> Options:
    """The oracle's options for these tests: jailed where the jail can be set up."""
    settings: dict[str, object] = {"seed": 0, "isolate": _sandboxed(), "parts": ONE_PART}
    settings.update(changes)
    return Options(**settings)


def _wrapped(source: str, body: str) -> str:
    """``source`` whose ``loss_and_grad`` first runs ``body`` (which sees its arguments)."""
    return source + textwrap.dedent(
        f"""

        _checked = loss_and_grad


        def loss_and_grad(W, X, T, layer_sizes, lam):
            {body}
            return _checked(W, X, T, layer_sizes, lam)
        """
    )


def _write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(source)
    return path


# -------------------------------------------------------- one deadline per file


def test_a_correct_but_slow_file_does_not_pass(tmp_path):
    """Two seconds a call: correct numbers, but far too few examples within the budget."""
    path = _write(tmp_path, "slow.py", "import time\n" + _wrapped(CORRECT, "time.sleep(2)"))
    # The search draws problems for 6 s: one or two examples of two calls each; a
    # second one ends by 10 s, before the deadline.
    result = check_file(path, _options(timeout=30.0, file_timeout=12.0))
    assert result.verdict == "fail"
    (finding,) = result.all_findings()
    assert finding.kind == "timeout"
    # The part's share is what is left of the 12 s once the worker has started.
    assert re.match(
        f"only {result.examples} of the minimum {MIN_EXAMPLES} examples ran within the "
        r"budget \(5\.\d s, this part's share of the file's 12 s, --file-timeout\)",
        finding.message,
    )
    assert finding.details == {
        "phase": "the search",
        "examples": result.examples,
        "minimum": MIN_EXAMPLES,
    }
    assert result.examples < MIN_EXAMPLES


def test_the_minimum_is_the_smaller_of_examples_and_its_constant(tmp_path):
    assert minimum_examples(200) == MIN_EXAMPLES == 100
    assert minimum_examples(7) == 7
    path = _write(tmp_path, "correct.py", CORRECT)
    result = check_file(path, _options(examples=7))
    assert (result.verdict, result.examples, result.all_findings()) == ("pass", 7, [])


def test_a_search_cut_short_after_the_minimum_passes_with_a_note(tmp_path):
    """0.02 s a call (about 0.05 s an example): some 250 of the 400 examples asked for
    fit into the search's 15 s; a machine twice as slow still judges more than the
    100 a pass needs."""
    path = _write(tmp_path, "slowish.py", "import time\n" + _wrapped(CORRECT, "time.sleep(0.02)"))
    result = check_file(path, _options(examples=400, file_timeout=30.0))
    assert result.verdict == "pass"
    assert MIN_EXAMPLES <= result.examples < 400
    (note,) = result.all_findings()
    assert note.kind == "note"
    assert re.fullmatch(
        r"the search's time budget \(14\.\d s, this part's share of the file's 30 s, "
        f"--file-timeout\\) ended it after {result.examples} of the 400 examples asked for "
        r"\(a pass needs 100\)",
        note.message,
    )


#: A call that never ends on its own: only the file's deadline stops it.
HANG = "time.sleep(600)"
SHRINKING_HANGS = (
    "import time\n"
    + CORRECT
    + textwrap.dedent(
        """

        _checked = loss_and_grad
        _calls = []


        def loss_and_grad(W, X, T, layer_sizes, lam):
            _calls.append(1)
            if len(_calls) > 2:
                time.sleep(600)
            J, g = _checked(W, X, T, layer_sizes, lam)
            return J + 1.0, g
        """
    )
)


@pytest.mark.parametrize(
    ("source", "changes", "phase"),
    [
        ("import time\ntime.sleep(600)\n" + CORRECT, {}, "the import"),
        ("import time\n" + _wrapped(CORRECT, HANG), {}, "the search"),
        (
            "import time\n" + _wrapped(CORRECT, HANG),
            {"layout": "auto"},
            "layout detection (--layout auto)",
        ),
        # lam = 0.05 is drawn only by the diagnosis (the search's lams are 0, 1e-3,
        # 1e-8, 0.1, 10 and 1000): the search, the shrinking and the finite
        # differences run, and the diagnosis hangs.
        # Wrong on every call (the loss is 1 too large); from the third call on, that
        # is once the first example and its repeat have failed, every call hangs.
        (SHRINKING_HANGS, {}, "shrinking the counterexample"),
        ("import time\n" + _wrapped(WRONG, f"if lam == 0.05: {HANG}"), {}, "the diagnosis"),
    ],
    ids=["import", "search", "layout-auto", "shrinking", "diagnosis"],
)
def test_the_deadline_stops_every_phase_and_names_it(source, changes, phase, tmp_path):
    """The per-call limit (60 s) is capped by what is left of the file's deadline."""
    deadline = 15.0 if phase == "the diagnosis" else 4.0
    path = _write(tmp_path, "hangs.py", source)
    result = check_file(path, _options(timeout=60.0, file_timeout=deadline, **changes))
    assert result.verdict == "fail"
    timeouts = [f for f in result.all_findings() if f.kind == "timeout"]
    assert len(timeouts) == 1, [f.message for f in result.all_findings()]
    assert timeouts[0].details["phase"] == phase
    assert f"deadline of {deadline:g} s" in timeouts[0].message
    if phase != "the import":
        assert timeouts[0].message.startswith(f"during {phase}: ")
    # The jail is torn down within a second or two after the deadline.
    assert result.seconds < deadline + 5.0


# ------------------------------------------------------------ error, not a crash


def _check_or_fault(path: Path, options: Options) -> Result:
    """check_file, except for files named to make the handling fail (for the batch tests):
    ``raise*.py`` raises inside the oracle, ``die*.py`` kills the process checking it."""
    if path.name.startswith("raise"):
        raise RuntimeError("a fault of the oracle's, simulated")
    if path.name.startswith("die"):
        os._exit(70)
    return check_file(path, options)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_fault_while_handling_one_file_is_its_error_and_the_batch_goes_on(jobs, tmp_path):
    names = ["raise.py", "correct.py", "wrong.py"]
    paths = [_write(tmp_path, n, WRONG if n == "wrong.py" else CORRECT) for n in names]
    results = check_files(paths, _options(examples=20), jobs, check=_check_or_fault)
    assert [r.verdict for r in results] == ["error", "pass", "fail"]
    assert results[0].error == "the oracle failed on this file: RuntimeError"
    assert results[0].file == display_name(paths[0])


def test_a_pool_process_that_dies_is_that_files_error(tmp_path, capsys):
    """The dead process breaks the pool; the files it left are checked again alone."""
    names = ["correct.py", "die.py", "wrong.py", "correct_too.py"]
    paths = [_write(tmp_path, n, WRONG if n == "wrong.py" else CORRECT) for n in names]
    results = check_files(paths, _options(examples=20), 2, check=_check_or_fault)
    assert [r.verdict for r in results] == ["pass", "error", "fail", "pass"]
    assert results[1].error.startswith("the process checking this file died")
    progress = capsys.readouterr().err.splitlines()
    assert sorted(line.split("]")[0] for line in progress) == [f"[{i}/4" for i in range(1, 5)]


def test_a_fault_inside_check_file_is_the_error_verdict(tmp_path, monkeypatch):
    def broken(*args: object, **keywords: object) -> None:
        raise ZeroDivisionError("simulated")

    monkeypatch.setattr(checks_module, "diagnose", broken)
    path = _write(tmp_path, "wrong.py", WRONG)
    result = check_file(path, _options(examples=20))
    assert result.verdict == "error"
    assert result.all_findings() == []
    assert re.fullmatch(
        r"the oracle failed while checking this file \(ZeroDivisionError at checks\.py line "
        r"\d+: simulated\); this is a fault of the oracle, not of the file: please report it "
        r"with the file",
        result.error,
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fifo_a_folder_and_links_are_errors_and_do_not_stop_the_batch(
    jobs, tmp_path, monkeypatch, capsys
):
    """A FIFO is never opened for a blocking read; a link is not followed (it could
    point the oracle at a file its author may not read)."""
    monkeypatch.chdir(tmp_path)
    os.mkfifo("fifo.py")
    Path("folder.py").mkdir()
    secret = _write(tmp_path, "secret.txt", "the grader's secret\n")
    Path("link.py").symlink_to(secret)
    Path("dangling.py").symlink_to(tmp_path / "nowhere.py")
    _write(tmp_path, "correct.py", CORRECT)
    names = ["fifo.py", "folder.py", "link.py", "dangling.py", "correct.py"]
    flags = ["--json", "--jobs", jobs, "--examples", "10", "--seed", "0"]
    if not _sandboxed():
        flags.append("--no-sandbox")
    assert main(["check", *names, *flags]) == 1
    out = capsys.readouterr().out
    results = json.loads(out)["results"]
    assert [r["verdict"] for r in results] == ["error"] * 4 + ["pass"]
    assert [r["error"] for r in results[:4]] == [
        "not judged: it is not a regular file (a FIFO, socket or device)",
        "not judged: it is a directory; pass folder.py/*.py to check its files",
        "not judged: it is a symbolic link; the oracle checks only a regular file of its own "
        "(give the file itself)",
        "not judged: it is a symbolic link; the oracle checks only a regular file of its own "
        "(give the file itself)",
    ]
    assert "secret" not in out


def test_a_file_too_large_to_read_is_not_judged(tmp_path):
    path = tmp_path / "huge.py"
    path.write_text("x = 1\n" + "#" * checks_module.MAX_SOURCE_BYTES)
    result = check_file(path, _options())
    assert result.verdict == "error"
    assert result.error.startswith("not judged: it is ")
    assert result.error.endswith("bytes long; a submission may be at most 4 MiB")


# ----------------------------------------------------------- no sandbox, no grade


def test_without_the_backend_nothing_is_judged_and_the_exit_status_is_2(tmp_path):
    """--sandbox bwrap with no bwrap on PATH: one line on standard error, nothing else."""
    path = _write(tmp_path, "correct.py", CORRECT)
    command = [sys.executable, "-m", "backprop_oracle", "check", str(path), "--examples", "5"]
    env = {"PATH": str(tmp_path / "no-programs-here"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [*command, "--sandbox", "bwrap"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "backprop-oracle: error: the sandbox (--sandbox bwrap) cannot be set up here: bwrap"
    )
    assert "not installed" in line
    assert line.endswith(
        "nothing was judged (install bubblewrap, or give --no-sandbox to grade without protection)"
    )
    # --no-sandbox grades anyway, and says so.
    done = subprocess.run(
        [*command, "--sandbox", "bwrap", "--no-sandbox", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["results"]
    assert (result["verdict"], result["sandbox"]) == ("pass", False)


def test_the_refusal_judges_nothing(monkeypatch, tmp_path, capsys):
    def judged(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was checked without the sandbox")

    monkeypatch.setattr(cli_module, "sandbox_available", lambda backend: "unshare: no luck")
    monkeypatch.setattr(cli_module, "check_files", judged)
    path = _write(tmp_path, "correct.py", CORRECT)
    assert main(["check", str(path), "--sandbox", "unshare"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "backprop-oracle: error: the sandbox (--sandbox unshare) cannot be set up here: "
        "unshare: no luck; nothing was judged (install bubblewrap, or give --no-sandbox to "
        "grade without protection)"
    ]


def test_check_file_never_grades_unprotected_when_the_sandbox_was_asked_for(monkeypatch, tmp_path):
    monkeypatch.setattr(checks_module, "sandbox_available", lambda backend: "no namespaces")
    result = check_file(_write(tmp_path, "correct.py", CORRECT), Options(seed=0))
    assert result.verdict == "error"
    assert result.error == (
        "not judged: the sandbox (auto) cannot be set up here: no namespaces; nothing was "
        "run (--no-sandbox grades without it, unprotected)"
    )
    assert result.examples == 0


def test_no_sandbox_is_in_the_json_and_a_banner_on_every_text_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "correct.py", CORRECT)
    _write(tmp_path, "wrong.py", WRONG)
    base = ["check", "correct.py", "wrong.py", "--examples", "20", "--seed", "0"]
    assert main([*base, "--no-sandbox", "--json"]) == 1
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["sandbox"] for r in results] == [False, False]
    assert main([*base, "--no-sandbox", "--reports", "reports"]) == 1
    table = capsys.readouterr().out
    assert table.startswith(NOT_SANDBOXED + "\n")
    for report in sorted(Path("reports").iterdir()):
        assert report.read_text().startswith(NOT_SANDBOXED + "\n")
    assert main(["check", "correct.py", "--examples", "5", "--no-sandbox"]) == 0
    assert capsys.readouterr().out.startswith(
        NOT_SANDBOXED + "\nPASS  correct.py  (score 100/100, 30 examples"
    )


@pytest.mark.skipif(not _sandboxed(), reason="no namespaces here: the jail cannot be built")
def test_the_json_names_the_backend_and_text_reports_have_no_banner(tmp_path, capsys):
    path = _write(tmp_path, "correct.py", CORRECT)
    for backend in ("bwrap", "unshare"):
        if sandbox_available(backend) is not None:
            continue
        argv = ["check", str(path), "--examples", "5", "--sandbox", backend]
        assert main([*argv, "--json"]) == 0
        (result,) = json.loads(capsys.readouterr().out)["results"]
        assert result["sandbox"] == backend
        assert main(argv) == 0
        assert capsys.readouterr().out.startswith("PASS  ")


# ------------------------------------------------------------- inert reports

#: What a hostile file writes to redraw its FAIL as a green "PASS": return to the
#: start of the line, clear it, colour, and a right-to-left override.
REDRAW = "\r\x1b[2K\x1b[1;32mPASS\x1b[0m \u202etxt.exe\u202c \x9b2J\x07"


@pytest.mark.parametrize(
    "source",
    [
        f"print({REDRAW!r})\n" + _wrapped(CORRECT, "raise ValueError('x')"),
        _wrapped(CORRECT, f"raise ValueError({REDRAW!r})"),
        # a returned object whose type's name is the redraw
        _wrapped(CORRECT, f"return type({REDRAW!r}, (), {{}})()"),
        # the module's names, listed when the function is missing
        f"globals()[{REDRAW!r}] = print\n",
    ],
    ids=["printed", "exception-message", "returned-type", "defined-names"],
)
def test_control_characters_from_a_submission_are_escaped(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "redraws.py", source)
    result = check_file(Path("redraws.py"), _options(examples=5))
    assert result.verdict == "fail"
    texts = [result.output, *(f.message for f in result.all_findings())]
    assert any(REDRAW in text for text in texts)  # the text itself arrived intact
    report = text_report(result)
    assert RAW_CONTROLS.search(report) is None
    assert "\\x0d\\x1b[2K\\x1b[1;32mPASS\\x1b[0m \\u202etxt.exe\\u202c \\x9b2J\\x07" in report
    assert report.splitlines()[0].startswith(("FAIL  redraws.py", NOT_SANDBOXED))
    document = json_report([result])
    assert document.isascii()
    assert RAW_CONTROLS.search(document) is None
    assert json.loads(document)["results"][0] == json.loads(json.dumps(result.as_dict()))


def test_escape_controls_keeps_newlines_and_tabs_unless_one_line():
    text = "a\tb\nc\x00\x7f\x85\u2028\u2066"
    assert escape_controls(text) == "a\tb\nc\\x00\\x7f\\x85\\u2028\\u2066"
    assert escape_controls(text, one_line=True) == "a\\x09b\\x0ac\\x00\\x7f\\x85\\u2028\\u2066"
    assert escape_controls("plain ünïcode ✓") == "plain ünïcode ✓"


def test_file_names_with_control_characters_are_escaped_everywhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = "a\x1b[2Jb\r.py"
    _write(tmp_path, name, CORRECT)
    _write(tmp_path, "plain.py", CORRECT)
    argv = ["check", name, "plain.py", "--examples", "5", "--seed", "0", "--reports", "out"]
    if not _sandboxed():
        argv.append("--no-sandbox")
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert RAW_CONTROLS.search(out + err) is None
    assert "a\\x1b[2Jb\\x0d.py" in out
    assert "a\\x1b[2Jb\\x0d.py" in err  # the progress line
    assert sorted(p.name for p in Path("out").iterdir()) == ["a__2Jb_.txt", "plain.txt"]
    assert report_name(Result("../x\u202e.py", [])) == "__x_.txt"


def test_no_path_of_the_graders_machine_reaches_a_report(tmp_path, monkeypatch):
    """The file prints where it is and what it sees, and raises: the traceback names
    the file as the user gave it, and no host path (jail, scratch, Python, home) shows."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    source = (
        "import os, sys, numpy\n"
        "print(os.getcwd(), __file__, numpy.__file__, sys.prefix, sys.executable)\n"
        + _wrapped(CORRECT, "raise ValueError(__file__)")
    )
    _write(tmp_path / "sub", "where.py", source)
    runs = [False, True] if _sandboxed() else [False]
    for isolate in runs:
        result = check_file(Path("sub/where.py"), _options(examples=5, isolate=isolate))
        texts = [text_report(result), json_report([result])]
        for text in texts:
            for path in (str(tmp_path), "/submission/", "backprop-oracle-", sys.prefix):
                assert path not in text, (isolate, path)
        assert result.file == "sub/where.py"
        # It raises on every problem: not implemented, with the traceback kept.
        (refused,) = result.all_findings()
        assert refused.message.endswith("raised ValueError: sub/where.py (sub/where.py, line 73)")
        assert 'File "sub/where.py", line' in refused.details["traceback"]
        assert refused.details["traceback"].endswith("ValueError: sub/where.py\n")
        assert "<site-packages>/numpy/__init__.py" in result.output


def test_the_path_hider_matches_whole_paths_only(tmp_path, monkeypatch):
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    hide = PathHider(tmp_path / "a.py", "a.py", scratch="/tmp/backprop-oracle-x1")
    assert hide(f'File "{tmp_path}/a.py", line 3') == 'File "a.py", line 3'
    assert hide('File "/submission/a.py", line 3') == 'File "a.py", line 3'
    assert hide(f"{tmp_path}/a.pyc") == f"{tmp_path}/a.pyc"
    assert hide("/tmp/backprop-oracle-x1/f") == "<scratch>/f"
    assert hide("/tmp/backprop-oracle-x12") == "/tmp/backprop-oracle-x12"
    assert hide(f"{tmp_path}/elsewhere/b.py") == "./b.py"
    assert hide(f"{sys.base_prefix}/lib") == "<python>/lib"


# ----------------------------------------------------------------- closures


def test_a_closure_is_consistent_never_pass(tmp_path, monkeypatch, capsys):
    """fun(W) returning (W @ W, 2 W) is self-consistent, and that is all it can be."""
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        "closure.py",
        "import numpy as np\nW0 = np.zeros(5)\n\n\ndef fun(W):\n    return W @ W, 2 * W\n",
    )
    _write(tmp_path, "correct.py", CORRECT)
    flags = ["--examples", "10", "--seed", "0"] + ([] if _sandboxed() else ["--no-sandbox"])
    assert main(["check", "closure.py", "--function", "fun", *flags]) == 1
    report = capsys.readouterr().out
    assert "PASS" not in report
    # Worth nothing: it was compared with no reference.
    assert re.search(r"^CONSISTENT  closure\.py  \(score 0/100, 10 examples", report, re.M)
    assert "checked for self-consistency only (see the note): not a pass" in report
    assert main(["check", "closure.py", "--function", "fun", *flags, "--json"]) == 1
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert (result["verdict"], result["style"]) == ("consistent", "closure")
    table = summary_table(
        [
            Result("closure.py", [], style="closure", sandbox="bwrap"),
            Result("correct.py", [], sandbox="bwrap"),
            Result("gone.py", [], sandbox="bwrap", error="not judged: it is a FIFO"),
        ]
    )
    assert table.splitlines() == [  # results without parts have no score
        "file        verdict       score  mistakes",
        "closure.py  CONSISTENT           ",
        "correct.py  PASS                 ",
        "gone.py     ERROR                ",
        "3 files: 1 passed, 0 failed, 1 only self-consistent (not passed), "
        "1 could not be judged (error)",
    ]


@pytest.mark.parametrize(
    ("findings", "style", "error", "verdict"),
    [
        ([], "full", "", "pass"),
        ([Finding("warning", "w"), Finding("note", "n")], "full", "", "pass"),
        ([], "closure", "", "consistent"),
        ([Finding("note", "n")], "closure", "", "consistent"),
        ([Finding("gradient-inconsistent", "g")], "closure", "", "fail"),
        ([Finding("timeout", "t")], "full", "", "fail"),
        ([Finding("crash", "c")], "full", "the oracle failed", "error"),
    ],
)
def test_verdict_words(findings, style, error, verdict):
    result = Result("f.py", findings, style=style, error=error)
    assert result.verdict == verdict
    assert result.passed == (verdict == "pass")
    assert result.as_dict()["verdict"] == verdict


# ---------------------------------------------------- complex step, differences


def test_warning_is_the_last_kind_and_does_not_fail_a_file():
    assert KINDS[-2:] == ("note", "warning")
    assert "warning" in INFORMATIVE


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("g = np.imag(f(W + 1e-20j)) / 1e-20\n", ["line 1: the complex number 1e-20j", "imag"]),
        ("z = complex(1, 2)\n", ["line 1: complex(...)"]),
        ("g = f(W + h * 1j).imag / h\n", [".imag"]),
        ("W = W.astype(np.complex128)\n", ["complex128"]),
        ("W = np.zeros(3, dtype='complex128')\n", ["dtype='complex128'"]),
        ("W = W.astype('c16')\n", ["astype('c16')"]),
        ("import cmath\n", ["the cmath module"]),
        ("x = 1.5 + 2\ny = np.real(x)\n", []),
    ],
)
def test_complex_arithmetic_is_found_in_the_source(source, found):
    sentences = gradient_shortcuts(source)
    if not found:
        assert sentences == []
        return
    (sentence,) = sentences
    assert sentence.startswith("the source uses complex arithmetic (")
    assert all(part in sentence for part in found)


DIFFERENCES = {
    "inline": "g[i] = (loss(W + e, X) - loss(W - e, X)) / (2 * h)\n",
    "named": "def grad(W):\n    lp = loss(W + e)\n    lm = loss(W - e)\n    return (lp - lm) / h\n",
    "unpacked": "def grad(W):\n    lp, _ = f(W + e)\n    lm, _ = f(W)\n    return (lp - lm) / h\n",
    "indexed": "g = (f(W + e)[0] - f(W - e)[0]) / 2 / h\n",
    "method": "class A:\n    def g(self, W):\n        return (self.J(W + e) - self.J(W)) / h\n",
}
NOT_DIFFERENCES = {
    "tanh": "import numpy as np\nt = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))\n",
    "imported": "from numpy import exp\nt = (exp(a) - exp(-a)) / 2\n",
    "builtin": "d = (abs(a) - abs(b)) / 2\n",
    "two functions": "d = (f(W) - g(W)) / h\n",
    "same call": "d = (f(W) - f(W)) / h\n",
    "not divided": "d = f(W + e) - f(W - e)\n",
    "syntax error": "def f(:\n",
    "too deep": "x = " + "(" * 150 + "1" + ")" * 150 + "\n",
}


@pytest.mark.parametrize("source", DIFFERENCES.values(), ids=DIFFERENCES.keys())
def test_differences_of_the_submissions_own_function_are_found(source):
    (sentence,) = gradient_shortcuts(source)
    assert sentence.startswith(
        "the source divides the difference of two calls of one function at different "
        "arguments by a step (line "
    )


@pytest.mark.parametrize("source", NOT_DIFFERENCES.values(), ids=NOT_DIFFERENCES.keys())
def test_other_differences_are_not_taken_for_finite_differences(source):
    assert gradient_shortcuts(source) == []


def test_a_correct_file_with_a_complex_step_and_differences_passes_with_warnings(tmp_path):
    helpers = textwrap.dedent(
        """

        def complex_step(f, x, h=1e-20):
            return np.imag(f(x + 1j * h)) / h


        def central(f, W, i, h=1e-6):
            e = np.zeros_like(W)
            e[i] = h
            return (f(W + e) - f(W - e)) / (2 * h)
        """
    )
    path = _write(tmp_path, "shortcuts.py", CORRECT + helpers)
    result = check_file(path, _options(examples=10))
    assert result.verdict == "pass"
    warnings = [f.message for f in result.all_findings() if f.kind == "warning"]
    assert len(warnings) == 2
    lines = CORRECT.count("\n")
    assert f"line {lines + 4}: .imag" in warnings[0]
    assert f"line {lines + 10}: f(...)" in warnings[1]


def test_a_finite_difference_gradient_gets_the_warning(tmp_path):
    """Central differences of the assignment's own loss: the warning names the line."""
    source = CORRECT + textwrap.dedent(
        """

        _exact = loss_and_grad


        def loss_and_grad(W, X, T, layer_sizes, lam):
            def own(V):
                return _exact(V, X, T, layer_sizes, lam)[0]

            g = np.zeros_like(W)
            for i in range(W.size):
                e = np.zeros_like(W)
                e[i] = 1e-6
                g[i] = (own(W + e) - own(W - e)) / 2e-6
            return own(W), g
        """
    )
    path = _write(tmp_path, "differences.py", source)
    result = check_file(path, _options(examples=10))
    (warning,) = [f for f in result.all_findings() if f.kind == "warning"]
    assert f"line {CORRECT.count(chr(10)) + 14}: own(...)" in warning.message


# ------------------------------------------------------------- nothing survives


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (this test's own excepted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_the_pool_processes_die_with_the_oracle(tmp_path):
    """--jobs 2 with slow files; the oracle is killed (SIGKILL: nothing of it runs
    afterwards) while both pool processes check a file: none of them outlives it."""
    marker = f"BACKPROP_ORACLE_TEST_{os.getpid()}_{id(tmp_path)}"
    slow = "import time\n" + _wrapped(CORRECT, "time.sleep(0.5)")
    paths = [str(_write(tmp_path, f"slow{i}.py", slow)) for i in range(2)]
    flags = ["--jobs", "2", "--examples", "50"] + ([] if _sandboxed() else ["--no-sandbox"])
    oracle = subprocess.Popen(
        [sys.executable, "-m", "backprop_oracle", "check", *paths, *flags],
        env={**os.environ, marker: "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Wait until both pool processes are up (the oracle and two spawned children).
        for _ in range(300):
            if len(_processes_with(marker)) >= 3:
                break
            time.sleep(0.1)
        assert len(_processes_with(marker)) >= 3, "the pool never started"
        time.sleep(2.0)  # into the checks
    finally:
        oracle.kill()
        oracle.wait()
    for _ in range(50):  # the kernel delivers the parent-death signal at once; allow 5 s
        if not _processes_with(marker):
            break
        time.sleep(0.1)
    assert _processes_with(marker) == []
