"""The main job, ``manual-backprop train``: options, output, figures, and its numbers."""

import json
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint

import pytest

import jax_reference
from manual_backprop import cli
from manual_backprop.cli import EXERCISES, REFERENCE_GROUP, ReferenceUnavailable, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# What every exercise must reach with the defaults (the acceptance bar).
MIN_ACCURACY = {"ex1": 0.95, "ex1-relu": 0.95, "ex2": 0.95, "ex3": 0.90}
# Gradient-check bounds: against JAX, two float64 evaluations of the same sums
# (~1e-13 measured); against 4th-order finite differences, whose own error is
# ~eps^(4/5) ~ 3e-13 of the loss's scale, large next to the residual gradient
# (~1e-6) of a converged run; per-sample against vectorised, the same sums in
# another order.
MAX_VS_JAX = 1e-9
MAX_VS_FINITE_DIFFERENCES = 1e-5
MAX_PER_SAMPLE_VS_VECTORIZED = 1e-12


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """One run of every exercise with figures, shared by the tests below."""
    out = tmp_path_factory.mktemp("out")
    assert main(["train", "--out", str(out), "--quiet"]) == 0
    return out, json.loads((out / "summary.json").read_text())


def test_summary_json_has_the_spec_shape(full_run):
    """summary.json lists every exercise with the keys of SPEC section 6."""
    _, summary = full_run
    assert [e["name"] for e in summary["exercises"]] == list(EXERCISES)
    for entry in summary["exercises"]:
        exercise = EXERCISES[entry["name"]]
        assert entry["layer_sizes"] == exercise.layer_sizes
        assert entry["activation"] == exercise.activation
        assert entry["lam"] == exercise.lam
        assert isinstance(entry["iterations"], int)
        assert entry["iterations"] > 0
        assert entry["seconds"] > 0
        assert 0.0 < entry["final_loss"] < 0.7  # below log(2), the loss of a coin toss
        assert set(entry["gradient_check"]) == {
            "vs_jax",
            "vs_finite_differences",
            "per_sample_vs_vectorized",
        }


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_exercise_converges_and_its_gradient_checks(full_run, name):
    """Accuracy above the exercise's bar; gradient errors within their bounds."""
    _, summary = full_run
    entry = next(e for e in summary["exercises"] if e["name"] == name)
    assert entry["train_accuracy"] >= MIN_ACCURACY[name]
    check = entry["gradient_check"]
    # The test extra installs jax: the comparison must have been made, not skipped.
    assert check["vs_jax"] is not None
    assert check["vs_jax"] <= MAX_VS_JAX
    assert check["vs_finite_differences"] <= MAX_VS_FINITE_DIFFERENCES
    assert check["per_sample_vs_vectorized"] <= MAX_PER_SAMPLE_VS_VECTORIZED


def test_ex2_trains_on_the_per_sample_gradient(full_run):
    """Exercise 2's gradient comes from the per-sample algorithm, as the seed asks."""
    _, summary = full_run
    assert next(e for e in summary["exercises"] if e["name"] == "ex2")["gradient"] == "per-sample"


def test_three_png_figures_per_exercise(full_run):
    """Data scatter, decision regions and loss curve for each exercise: 12 PNG files."""
    out, summary = full_run
    figures = sorted(out.glob("*.png"))
    assert len(figures) == 3 * len(EXERCISES)
    for entry in summary["exercises"]:
        assert len(entry["figures"]) == 3
    for path in figures:
        assert path.read_bytes()[:8] == PNG_MAGIC, path.name
        assert path.stat().st_size > 10_000, path.name  # a real picture, not an empty canvas


def test_table_and_progress(tmp_path, capsys):
    """Without --quiet: the table on stdout, progress on stderr; --no-plots writes no PNG."""
    assert main(["train", "--exercise", "ex1", "--out", str(tmp_path), "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].split()[:3] == ["exercise", "layer", "sizes"]
    assert "ex1       2-4-1" in captured.out
    assert "ex1" in captured.err
    assert "done:" in captured.err
    assert not list(tmp_path.glob("*.png"))


def test_quiet_prints_nothing(tmp_path, capsys):
    """--quiet: nothing on either stream."""
    assert (
        main(["train", "--exercise", "ex3", "--out", str(tmp_path), "--quiet", "--no-plots"]) == 0
    )
    assert capsys.readouterr() == ("", "")


def test_lam_hidden_and_seed_options(tmp_path):
    """--lam, --hidden and --seed reach the run; the same seed gives the same numbers."""
    args = ["train", "--exercise", "ex1", "--quiet", "--no-plots", "--lam", "1e-3", "--hidden", "3"]
    runs = []
    for folder in ("a", "b"):
        assert main([*args, "--seed", "5", "--out", str(tmp_path / folder)]) == 0
        runs.append(json.loads((tmp_path / folder / "summary.json").read_text())["exercises"][0])
    assert runs[0]["lam"] == 1e-3
    assert runs[0]["layer_sizes"] == [2, 3, 1]
    for key in ("final_loss", "train_accuracy", "iterations", "gradient_check"):
        assert runs[0][key] == runs[1][key], key


def test_method_option(tmp_path):
    """--method picks another minimize method."""
    assert (
        main(
            [
                "train",
                "--exercise",
                "ex3",
                "--method",
                "BFGS",
                "--quiet",
                "--no-plots",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    entry = json.loads((tmp_path / "summary.json").read_text())["exercises"][0]
    assert entry["method"] == "BFGS"
    assert entry["train_accuracy"] >= MIN_ACCURACY["ex3"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--lam", "-1"], "--lam: expected a finite number >= 0"),
        (["--lam", "abc"], "--lam: expected a finite number >= 0, got 'abc'"),
        (["--lam", "nan"], "--lam: expected a finite number >= 0"),
        (["--hidden", "0"], "--hidden: expected a positive integer"),
        (["--hidden", "2.5"], "--hidden: expected a positive integer"),
        (["--seed", "-2"], "--seed: expected an integer >= 0"),
        (["--exercise", "ex9"], "--exercise: invalid choice"),
        (["--method", "Nelder-Mead"], "--method: invalid choice"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_option_values_exit_2_with_one_line(option, message, capsys):
    """A bad option is one error line on stderr and exit status 2, with no traceback."""
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *option])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_missing_subcommand_exits_2(capsys):
    """The subcommand is required."""
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "manual-backprop: error:" in capsys.readouterr().err


def test_out_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    """An --out that cannot be a folder fails with a message, status 1, nothing half-written."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "--exercise", "ex1", "--out", str(blocker), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("manual-backprop: error:")
    assert err.count("\n") == 1
    assert blocker.read_text() == "x"


def test_python_dash_m_runs_the_same_command():
    """python -m manual_backprop is the same command line."""
    done = subprocess.run(
        [sys.executable, "-m", "manual_backprop", "train", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "--exercise" in done.stdout


# ------------------------------------------------- the reference hook, the figures' extra

SKIPPED = "JAX comparison skipped"


def test_the_hook_finds_the_jax_twin():
    """The entry point named jax in manual_backprop.references loads the twin's loss_and_grad."""
    assert [entry.value for entry in cli.reference_entry_points("jax")] == [
        "jax_reference:loss_and_grad"
    ]
    assert cli.load_reference() is jax_reference.loss_and_grad


@pytest.mark.parametrize(
    ("installed", "message"),
    [
        (
            [],
            "no reference named 'jax' is installed (entry point group manual_backprop.references)",
        ),
        (
            ["no_such_module_for_the_hook:f"],
            "needs no_such_module_for_the_hook, which is not installed",
        ),
        (["math:pi"], "the reference 'jax' (math:pi) is not a function"),
    ],
)
def test_a_reference_that_cannot_be_loaded_is_said_why(monkeypatch, installed, message):
    """None installed, its module missing, or not a function: ReferenceUnavailable, saying which."""
    entries = [EntryPoint(name="jax", value=value, group=REFERENCE_GROUP) for value in installed]
    monkeypatch.setattr(cli, "reference_entry_points", lambda name: entries)
    with pytest.raises(ReferenceUnavailable) as raised:
        cli.load_reference()
    assert message in str(raised.value)


def test_without_a_reference_train_runs_and_says_so_once(monkeypatch, tmp_path, capsys):
    """No reference installed: vs_jax is null, the table says skipped, stderr says how to get it."""
    monkeypatch.setattr(cli, "reference_entry_points", lambda name: [])
    assert main(["train", "--exercise", "ex1", "--out", str(tmp_path), "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count(SKIPPED) == 1
    assert "install the jax extra to get it: python -m pip install -e '.[jax]'" in captured.err
    assert "ex1       2-4-1" in captured.out
    assert "skipped" in captured.out.splitlines()[2]  # the ex1 row, under the header and rule
    check = json.loads((tmp_path / "summary.json").read_text())["exercises"][0]["gradient_check"]
    assert check["vs_jax"] is None
    assert check["vs_finite_differences"] <= MAX_VS_FINITE_DIFFERENCES
    assert check["per_sample_vs_vectorized"] <= MAX_PER_SAMPLE_VS_VECTORIZED


def _run_without(modules, *args, cwd):
    """``main(args)`` in a fresh interpreter in which ``import`` of each of ``modules`` fails."""
    script = textwrap.dedent(
        f"""
        import sys
        for name in {list(modules)!r}:
            sys.modules[name] = None  # import of it raises ModuleNotFoundError, as if absent
        from manual_backprop.cli import main
        sys.exit(main({list(args)!r}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=cwd
    )


def test_without_jax_installed_train_skips_the_comparison(tmp_path):
    """jax missing (the twin's entry point is there, its import fails): train runs, vs_jax null."""
    out = tmp_path / "out"
    done = _run_without(
        ["jax"], "train", "--exercise", "ex1", "--out", str(out), "--no-plots", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count(SKIPPED) == 1
    assert "needs jax, which is not installed" in done.stderr
    check = json.loads((out / "summary.json").read_text())["exercises"][0]["gradient_check"]
    assert check["vs_jax"] is None
    assert check["vs_finite_differences"] <= MAX_VS_FINITE_DIFFERENCES


def test_without_matplotlib_figures_are_refused_before_training(tmp_path):
    """matplotlib missing: one line naming the plots extra and --no-plots, status 1, no training."""
    out = tmp_path / "out"
    done = _run_without(
        ["matplotlib"], "train", "--exercise", "ex1", "--out", str(out), cwd=tmp_path
    )
    assert done.returncode == 1
    assert done.stderr == (
        "manual-backprop: error: the figures need matplotlib: install the plots extra "
        "(python -m pip install -e '.[plots]') or run with --no-plots\n"
    )
    assert not out.exists()
