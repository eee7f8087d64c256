"""What a student or teacher reads from the grader: messages that say what happened.

Each test writes a file as a student would and checks the words of the report,
or checks that nothing unasked-for reaches the user (a numpy warning from the
reference, a folder the oracle leaves behind).
"""

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis.configuration import storage_directory

import manual_backprop as mb
from backprop_oracle import Options, check_file
from backprop_oracle.cli import main
from backprop_oracle.jail import Limits
from backprop_oracle.sandbox import sandbox_available, validate_header
from manual_backprop import losses
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES

CORPUS = Path(__file__).parent / "oracle_corpus"
CORRECT_FILE = CORPUS / "correct" / "vectorised_sigmoid.py"
#: The worker's output limit in MiB, as the report should state it.
OUTPUT_MIB = Limits.output_bytes >> 20
ISOLATE = sandbox_available() is None


def _student_file(tmp_path: Path, name: str, before: str = "", in_call: str = "") -> Path:
    """The correct corpus file, with ``before`` at module level (after the imports) and
    ``in_call`` as the first line of ``loss_and_grad``."""
    source = CORRECT_FILE.read_text()
    head = "def loss_and_grad(W, X, T, layer_sizes, lam):\n"
    assert head in source
    if in_call:
        source = source.replace(head, head + f"    {in_call}\n")
    if before:
        source = source.replace("import numpy as np\n", f"import numpy as np\n{before}\n", 1)
    path = tmp_path / name
    path.write_text(source)
    return path


# --------------------------------------------------------- output over the limit


@pytest.mark.parametrize(
    "in_call",
    [
        # a big debug dump in every call: 1 MiB a call
        "print('W =', 'x' * (1 << 20))",
        # a debug line in a loop, many times a call
        "for i in range(2000): print('debug', i, W[:3], X.shape, '-' * 1000)",
    ],
    ids=["dump", "loop"],
)
def test_printing_past_the_limit_in_the_calls_says_so(in_call, tmp_path):
    """A right answer printed with too much debug output: the report says how much is
    too much, and no other finding (not-repeatable, a raw OSError) follows from it."""
    path = _student_file(tmp_path, "chatty.py", in_call=in_call)
    result = check_file(path, Options(examples=20, seed=1, timeout=20.0, isolate=ISOLATE))
    findings = result.all_findings()  # the file's own and every part's
    kinds = [f.kind for f in findings]
    messages = " | ".join(f.message for f in findings)
    assert result.verdict == "fail"
    assert f"your file printed more than {OUTPUT_MIB} MiB" in messages
    assert set(kinds) == {"crash"}, messages
    assert "OSError" not in messages
    assert "File too large" not in messages
    # Its numbers were right: no counterexample for a file stopped by what it printed.
    assert result.counterexample is None
    assert all(part.counterexample is None for part in result.parts)


def test_printing_past_the_limit_at_import_says_so(tmp_path, capsys):
    """The same dump at module level: the report says so, through the command line."""
    path = _student_file(tmp_path, "chatty_import.py", before="print('x' * (40 << 20))")
    argv = ["check", "--json", str(path), "--examples", "20", "--seed", "1"]
    assert main(argv + ([] if ISOLATE else ["--no-sandbox"])) == 1
    (result,) = json.loads(capsys.readouterr().out)["results"]
    findings = result["findings"] + [f for part in result["parts"] for f in part["findings"]]
    kinds = [f["kind"] for f in findings]
    messages = " | ".join(f["message"] for f in findings)
    assert result["verdict"] == "fail"
    assert f"your file printed more than {OUTPUT_MIB} MiB" in result["findings"][0]["message"]
    assert "not-repeatable" not in kinds
    assert "crash" not in kinds  # the import failed: nothing was called
    assert "OSError" not in messages
    assert "File too large" not in messages


#: The most a submission may write into files (per file, and its scratch folder in all).
FILES_MIB = Limits.scratch_bytes >> 20


@pytest.mark.parametrize(
    "in_call",
    [
        # a debug log appended to at every call
        "open('debug.log', 'a').write('W = ' + 'x' * (4 << 20))",
        # standard output sent to a file, then a big dump printed
        "import sys; sys.stdout = open('out.txt', 'a'); print('x' * (4 << 20))",
    ],
    ids=["log", "stdout-to-file"],
)
def test_writing_past_the_file_limit_in_the_calls_says_so(in_call, tmp_path):
    """A right answer that logs too much into a file of its working folder: the write
    fails (EFBIG or ENOSPC), and the report says what happened in words a student can
    act on, not a raw OSError followed by not-repeatable or "not implemented"."""
    path = _student_file(tmp_path, "logger.py", in_call=in_call)
    result = check_file(path, Options(examples=20, seed=1, timeout=20.0, isolate=ISOLATE))
    findings = result.all_findings()
    messages = " | ".join(f.message for f in findings)
    assert result.verdict == "fail"
    assert f"your file wrote more than {FILES_MIB} MiB into files" in messages
    assert "the write that failed: line " in messages
    assert {f.kind for f in findings} == {"crash"}, messages
    for raw in ("OSError", "File too large", "No space left"):
        assert raw not in messages
    assert all(part.verdict != "not-implemented" for part in result.parts)


def test_writing_past_the_file_limit_at_import_says_so(tmp_path):
    path = _student_file(
        tmp_path, "logger_import.py", before="open('debug.log', 'w').write('x' * (70 << 20))"
    )
    result = check_file(path, Options(examples=20, seed=1, timeout=20.0, isolate=ISOLATE))
    (first, *_) = result.findings
    assert first.kind == "import-error"
    assert first.message.startswith(
        f"while importing the submission: your file wrote more than {FILES_MIB} MiB into files"
    )
    assert "OSError" not in first.message


@pytest.mark.parametrize(
    ("header", "stage", "accepted"),
    [
        ({"status": "exception", "message": "m", "full": True}, "reply", True),
        ({"status": "import-error", "message": "m", "full": True}, "hello", True),
        ({"status": "ok", "full": True}, "reply", False),  # a full write with an answer
        ({"status": "exception", "full": 1}, "reply", False),  # not the worker's True
        ({"status": "exception", "full": False}, "reply", False),
        ({"status": "ready", "style": "full", "full": True}, "hello", False),
    ],
)
def test_only_an_exception_can_say_its_files_were_full(header, stage, accepted):
    """The oracle reads "full" only where the worker writes it; anything else is forged."""
    raw = json.dumps({**header, "payload": 0}).encode()
    if accepted:
        assert validate_header(raw, stage)["full"] is True
    else:
        with pytest.raises(ValueError, match="full"):
            validate_header(raw, stage)


# ------------------------------------------------- no numpy warning from the reference

_FMAX = np.finfo(np.float64).max
_TINY = np.finfo(np.float64).tiny
#: Magnitudes around the float64 limits: subnormals, exp's edge (709.78 overflows,
#: 745.13 underflows), cosh's (710.48), squares that overflow (1e154), and the largest.
_MAGNITUDES = (
    0.0, 5e-324, 1e-310, _TINY, 1e-300, 1.0, 19.0, 37.0, 300.0,
    *np.arange(700.0, 750.25, 0.25),
    709.78, 709.79, 710.47, 710.48, 745.13, 745.14,
    1e154, 1e155, 1e200, 1e300, 1e308, _FMAX,
)  # fmt: skip
EXTREMES = np.array(sorted({*_MAGNITUDES, *(-m for m in _MAGNITUDES)}))
#: A shorter list for the network and the losses, whose sweeps are over pairs and rows.
_FEW = (0.0, 5e-324, 1e-300, 1.0, 37.0, 709.79, 710.48, 745.14, 750.0, 1e154, 1e300, _FMAX)
FEW = np.array(sorted({*_FEW, *(-m for m in _FEW)}))
INFINITIES = np.array([-np.inf, np.inf])


def _silently(call, *args, **kwargs):
    """``call(*args, **kwargs)`` with every warning an error; a ValueError (the reference
    refusing an overflow by name) is an answer too."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return call(*args, **kwargs)
        except ValueError as refused:  # a RuntimeWarning made an error is no ValueError
            return refused


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_activations_and_derivatives_never_warn(name):
    """Entrywise, for every value near the float64 limits and +-inf, one by one and at once."""
    for function in (ACTIVATIONS[name], DERIVATIVES[name]):
        for value in [*EXTREMES, *INFINITIES]:
            _silently(function, np.array(value))
            _silently(function, np.array([value]))
        _silently(function, np.concatenate([EXTREMES, INFINITIES]))
        inplace = EXTREMES.copy()
        _silently(function, inplace, out=inplace)


def test_binary_loss_and_delta_never_warn():
    """Two samples' logits from the extremes (+-inf too), targets 0, 1/2 and 1."""
    logits = np.concatenate([FEW, INFINITIES])
    for a1 in logits:
        for a2 in logits:
            a = np.array([[a1], [a2]])
            for t1 in (0.0, 0.5, 1.0):
                for t2 in (0.0, 1.0):
                    t = np.array([[t1], [t2]])
                    _silently(losses.binary_cross_entropy, a, t)
                    _silently(losses.binary_output_delta, a, t)


def test_softmax_loss_and_delta_never_warn():
    """Rows of three logits from the extremes (+-inf too), one-hot and uniform targets."""
    logits = np.concatenate([FEW, INFINITIES])
    targets = [*np.eye(3)[:, np.newaxis, :], np.full((1, 3), 1 / 3)]
    for a1 in logits:
        for a2 in logits:
            for a3 in logits:
                A = np.array([[a1, a2, a3]])
                for T in targets:
                    _silently(losses.softmax_cross_entropy, A, T)
                    _silently(losses.softmax_output_delta, A, T)


def test_penalty_and_its_gradient_never_warn():
    """lam from 0 to the largest float64 (a Python float or a numpy one), weights at the limits."""
    for lam in (0.0, 1e-300, 1.0, 1e300, _FMAX, np.float64(1e300), np.float64(_FMAX)):
        for value in FEW:
            W = np.array([[value, 0.0], [-value, 1.0]])
            _silently(losses.l2_penalty, [W, W], lam)
            gradient = _silently(losses.l2_penalty_grad, W, lam)
            # 2 lam * 0 is 0 however large lam is
            assert gradient[0, 1] == 0.0


def test_penalty_gradient_keeps_its_bits():
    """The penalty's gradient is 2 lam W exactly as before, subnormals included."""
    rng = np.random.default_rng(0)
    W = np.concatenate([rng.normal(size=50), [5e-324, 3e-323, -1e-310, 1e300, -1e-300]])
    for lam in (0.0, 1e-300, 0.1, 1.0, 10.0, 1e3, 1e300):
        with np.errstate(over="ignore"):
            expected = 2.0 * lam * W  # the formula it had, 1e300 * 1e300 = inf included
        np.testing.assert_array_equal(losses.l2_penalty_grad(W, lam), expected)


def _network_cases():
    """(W, X, T, layer_sizes) with weights and inputs at the float64 limits."""
    rng = np.random.default_rng(0)
    for sizes in ([1, 1], [1, 3], [2, 2, 1], [1, 2, 2, 3]):
        n = mb.n_params(sizes)
        K = sizes[-1]
        T = np.array([1.0, 0.0]) if K == 1 else np.eye(K)[[0, K - 1]]
        for value in FEW:
            for W in (
                np.full(n, value),
                np.where(np.arange(n) % 2 == 0, value, -value),
                rng.uniform(-1.0, 1.0, n) * value,
            ):
                for X in (
                    np.array([[1.0] * sizes[0], [-1.0] * sizes[0]]),
                    np.full((2, sizes[0]), value),
                ):
                    yield W, X, T, sizes


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_network_never_warns(activation):
    """loss, loss_and_grad (whole batch and per sample), forward, predict, and Objective
    on one part: an answer or a ValueError that names the overflow, never a warning."""
    for W, X, T, sizes in _network_cases():
        for lam in (0.0, 1.0, 1e300, _FMAX):
            args = (W, X, T, sizes, lam, activation)
            _silently(mb.loss, *args)
            _silently(mb.loss_and_grad, *args)
            _silently(mb.loss_and_grad_per_sample, *args)
            objective = mb.Objective(X, T, sizes, lam, activation, parts=1)
            _silently(objective, W)
            _silently(objective.loss, W)
        _silently(mb.forward, W, X, sizes, activation)
        _silently(mb.predict, W, X, sizes, activation)


def test_objective_in_parts_never_warns():
    """Two parts, a data gradient and a penalty gradient each near 1e308: their sum overflows."""
    X, T = np.array([[1.7e308], [1.7e308]]), np.array([0.0, 0.0])
    objective = mb.Objective(X, T, [1, 1], 0.8e308, parts=2)
    _silently(objective, np.array([1.0, 0.0]))


def test_predict_proba_never_warns():
    """Logits 1e308 and -1e308: their difference overflows, the probabilities are 1 and 0."""
    W = np.array([1e308, -1e308, 0.0, 0.0])  # [1, 2]: W1 = [[1e308, -1e308]], b1 = [0, 0]
    _silently(mb.predict_proba, W, np.array([[1.0]]), [1, 2])


# ------------------------------------------------- nothing written into the folder


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_command_writes_nothing_into_the_current_folder_or_home(jobs, tmp_path):
    """``python -m backprop_oracle check`` run in an empty folder leaves it empty (no
    ``.hypothesis``), and writes nothing into HOME or the submission's own folder; with
    ``--jobs 2`` its worker processes write nothing either."""
    here, home, submissions = tmp_path / "here", tmp_path / "home", tmp_path / "submissions"
    for folder in (here, home, submissions):
        folder.mkdir()
    files = []
    for name in ("alice.py", "bob.py")[:jobs]:
        shutil.copyfile(CORRECT_FILE, submissions / name)
        files.append(str(submissions / name))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS_", "XDG_"))}
    env["HOME"] = str(home)
    command = [sys.executable, "-m", "backprop_oracle", "check", "--examples", "20"]
    command += ["--seed", "1", "--jobs", str(jobs), *files]
    done = subprocess.run(
        command + ([] if ISOLATE else ["--no-sandbox"]),
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stderr  # no Hypothesis warning about its storage
    assert _listing(here) == []
    assert _listing(home) == []
    assert _listing(submissions) == sorted(Path(f).name for f in files)


@pytest.mark.skipif(
    bool(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")), reason="storage chosen by the user"
)
def test_a_test_session_keeps_its_own_hypothesis_folder():
    """Importing the oracle in a pytest process (this one) leaves Hypothesis's storage
    where the tests keep it: .hypothesis in the current folder."""
    assert "backprop_oracle" in sys.modules
    assert "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ
    where = storage_directory("examples", intent_to_write=False).path
    assert where == Path.cwd() / ".hypothesis" / "examples"
