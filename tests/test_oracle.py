"""The oracle's parts: layouts, the source scan, localisation, reports and the command line.

The oracle's verdicts on whole submissions are tested on the corpus in
``test_oracle_corpus.py``; these tests pin down the pieces.
"""

import ast
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import manual_backprop as mb
from backprop_oracle import Finding, Options, Result, check_file, template
from backprop_oracle.cli import main
from backprop_oracle.layouts import LAYOUTS, from_layout, layout_order, to_layout
from backprop_oracle.mistakes import Variant, read_vector, write_vector
from backprop_oracle.rules import block_of, localise
from backprop_oracle.sandbox import sandbox_available
from backprop_oracle.static import forbidden_imports
from manual_backprop.gradcheck import gradient_scale

# ------------------------------------------------------------------ layouts


def test_layouts_of_a_2_2_1_network_written_out():
    """Canonical indices 0..8 of W1 (2x2), b1, W2 (2x1), b2 in each layout's order."""
    # canonical: W1 = [[0, 1], [2, 3]], b1 = [4, 5], W2 = [[6], [7]], b2 = [8]
    assert layout_order([2, 2, 1], "canonical").tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert layout_order([2, 2, 1], "weights-then-biases").tolist() == [0, 1, 2, 3, 6, 7, 4, 5, 8]
    # ng: Theta1 = [b1 | W1^T] = [[4, 0, 2], [5, 1, 3]] column-major, Theta2 = [[8, 6, 7]]
    assert layout_order([2, 2, 1], "ng").tolist() == [4, 5, 0, 1, 2, 3, 8, 6, 7]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("sizes", [[1, 1], [3, 2, 4], [2, 5, 5, 1], [4, 3, 2, 3, 5]])
def test_layout_conversion_round_trips(layout, sizes):
    """from_layout undoes to_layout exactly, and both are permutations."""
    W = np.random.default_rng(0).normal(size=mb.n_params(sizes))
    moved = to_layout(W, sizes, layout)
    assert sorted(moved.tolist()) == sorted(W.tolist())
    np.testing.assert_array_equal(from_layout(moved, sizes, layout), W)


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="^layout: expected one of"):
        layout_order([2, 1], "matlab")


# -------------------------------------------------------------- source scan


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import jax\n", [("jax", 1)]),
        ("import numpy as np\nimport jax.numpy as jnp\n", [("jax", 2)]),
        ("from torch import nn\n", [("torch", 1)]),
        ("x = 1\nm = __import__('autograd')\n", [("autograd", 2)]),
        (
            "import importlib\nimportlib.import_module('manual_backprop.network')\n",
            [("manual_backprop", 2)],
        ),
        ("def f():\n    from jax_reference import loss\n", [("jax_reference", 2)]),
        ("import numpy, scipy.special\nfrom .jax import x\n", []),  # relative: not the library
        ("import jaxtyping\n", []),  # a different top-level name
        ("def broken(:\n", []),  # does not parse: the import reports it
    ],
)
def test_forbidden_imports_found_in_the_source(source, expected):
    forbidden = ("jax", "torch", "autograd", "manual_backprop", "jax_reference")
    assert forbidden_imports(source, forbidden) == expected


# ------------------------------------------------------------- localisation


def test_entry_names_follow_the_canonical_layout():
    sizes = [2, 3, 1]  # W1: 0-5, b1: 6-8, W2: 9-11, b2: 12
    names = [block_of(i, sizes) for i in (0, 5, 6, 8, 9, 11, 12)]
    assert names == ["W1[0, 0]", "W1[1, 2]", "b1[0]", "b1[2]", "W2[0, 0]", "W2[2, 0]", "b2[0]"]
    with pytest.raises(IndexError):
        block_of(13, sizes)


def test_localise_names_the_wrong_block_and_its_worst_entries():
    sizes = [2, 3, 1]
    reference = np.linspace(-1.0, 1.0, 13)
    grad = reference.copy()
    grad[7] += 0.5  # b1[1]
    grad[6] += 0.1  # b1[0]
    grad[10] += 1e-12  # W2[1, 0]: rounding, below the tolerance
    blocks = localise(grad, reference, sizes, scale=1.0)
    assert [b["block"] for b in blocks] == ["b1"]
    assert blocks[0]["relative_error"] == pytest.approx(0.5, rel=1e-12)
    assert [w["entry"] for w in blocks[0]["worst"]] == ["b1[1]", "b1[0]", "b1[2]"]
    assert blocks[0]["worst"][0]["submission"] == grad[7]
    assert blocks[0]["worst"][0]["reference"] == reference[7]


# ----------------------------------------------------------------- results


def test_findings_of_unknown_kind_are_refused():
    with pytest.raises(ValueError, match="^kind: unknown finding kind"):
        Finding("wrong", "no such kind")


def test_a_note_alone_passes_and_anything_else_fails():
    assert Result("f.py", [Finding("note", "fyi")]).verdict == "pass"
    assert Result("f.py", [Finding("note", "fyi"), Finding("crash", "boom")]).verdict == "fail"
    ordered = Result(
        "f.py", [Finding("note", "n"), Finding("loss-mismatch", "l"), Finding("import-error", "i")]
    ).sorted_findings()
    assert [f.kind for f in ordered] == ["import-error", "loss-mismatch", "note"]


# ---------------------------------------------------------------- template


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_template_states_the_contract_and_parses(activation, capsys):
    assert main(["template", "--activation", activation]) == 0
    text = capsys.readouterr().out
    assert text == template(activation)
    ast.parse(text)
    assert "def loss_and_grad(W, X, T, layer_sizes, lam):" in text
    assert f"h = {activation}" in text
    assert ("relu'(0)" in text) == (activation == "relu")


def test_the_unfilled_template_is_not_implemented_in_every_part(tmp_path):
    path = tmp_path / "starter.py"
    path.write_text(template("sigmoid"))
    result = check_file(path, Options(examples=5, seed=0))
    assert (result.verdict, result.score) == ("fail", 0)
    verdicts = {p.name: p.verdict for p in result.parts}
    assert verdicts == {
        "ex1": "not-implemented",
        "ex2": "not-implemented",
        "ex3": "not-implemented",
        "stability": "not-implemented",  # no part it takes its problems from was implemented
        "contract": "not-implemented",  # no call was answered
    }
    assert "NotImplementedError" in result.parts[0].reason


# ------------------------------------------------------------ command line

CORRECT = textwrap.dedent(
    """
    import numpy as np
    from scipy.special import expit, log_softmax

    def loss_and_grad(W, X, T, layer_sizes, lam):
        params, start = [], 0
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            W_l = W[start:start + n_in * n_out].reshape(n_in, n_out)
            b_l = W[start + n_in * n_out:start + (n_in + 1) * n_out]
            params.append((W_l, b_l))
            start += (n_in + 1) * n_out
        Z, A = [X], []
        for l, (W_l, b_l) in enumerate(params):
            A.append(Z[-1] @ W_l + b_l)
            if l < len(params) - 1:
                Z.append(expit(A[-1]))
        N = X.shape[0]
        if layer_sizes[-1] == 1:
            a = A[-1][:, 0]
            J = np.mean(T * np.logaddexp(0, -a) + (1 - T) * np.logaddexp(0, a))
            delta = ((expit(a) - T) / N)[:, None]
        else:
            log_P = log_softmax(A[-1], axis=1)
            J = -np.sum(T * log_P) / N
            delta = (np.exp(log_P) - T) / N
        J += lam * sum(np.sum(W_l ** 2) for W_l, _ in params)
        grads = []
        for l in range(len(params), 0, -1):
            W_l = params[l - 1][0]
            grads.append(np.concatenate([(Z[l - 1].T @ delta + 2 * lam * W_l).ravel(),
                                         delta.sum(axis=0)]))
            if l > 1:
                delta = (delta @ W_l.T) * Z[l - 1] * (1 - Z[l - 1])
        return J, np.concatenate(grads[::-1])
    """
)


@pytest.fixture
def correct_file(tmp_path):
    path = tmp_path / "correct.py"
    path.write_text(CORRECT)
    return path


@pytest.fixture
def wrong_file(tmp_path):
    """The correct file with the biases penalised too, in the loss and the gradient."""
    path = tmp_path / "bias_penalised.py"
    path.write_text(
        CORRECT.replace(
            "sum(np.sum(W_l ** 2) for W_l, _ in params)",
            "sum(np.sum(W_l ** 2) + np.sum(b_l ** 2) for W_l, b_l in params)",
        ).replace("delta.sum(axis=0)]", "delta.sum(axis=0) + 2 * lam * params[l - 1][1]]")
    )
    return path


def test_a_correct_file_passes_with_exit_status_0(correct_file, capsys):
    assert main(["check", str(correct_file), "--seed", "1", "--examples", "50"]) == 0
    out = capsys.readouterr().out
    # Outside the current folder, a file is named by its own name: no path of the grader's.
    # 50 problems in each of ex1, ex2 and ex3, and 50 for each of their families in stability
    assert out.startswith("PASS  correct.py  (score 100/100, 300 examples, seed 1,")


def test_a_wrong_file_fails_and_the_report_localises_it(wrong_file, capsys):
    assert main(["check", str(wrong_file), "--seed", "1"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("FAIL  bias_penalised.py  (score 5/100,")
    # the parts' table, then each failed part: findings by importance, then the shrunk
    # counterexample: one hidden unit, one sample
    assert lines[1].split() == ["part", "verdict", "score", "mistakes", "or", "why"]
    assert lines[2].split() == ["ex1", "FAIL", "0/30", "bias-regularized"]
    assert lines[6].split() == ["contract", "PASS", "5/5"]
    ex1 = out.split("\n\n")[1].splitlines()
    assert ex1[0].startswith("ex1 (Exercise 1: one hidden layer, binary output): FAIL")
    assert ex1[1].lstrip().startswith("gradient-mismatch")
    assert ex1[2].lstrip().startswith("loss-mismatch")
    assert "the right gradient for that loss" in out
    assert "smallest counterexample: layer sizes 1-1-1 sigmoid hidden units, N = 1" in out
    assert "lam = 0.1" in out


def test_json_output_is_one_document_with_the_spec_keys(correct_file, wrong_file, capsys):
    status = main(["check", str(correct_file), str(wrong_file), "--seed", "2", "--json"])
    assert status == 1
    document = json.loads(capsys.readouterr().out)
    passed, failed = document["results"]
    assert (passed["file"], passed["verdict"], passed["findings"]) == ("correct.py", "pass", [])
    assert (passed["score"], passed["max_score"]) == (100, 100)
    assert [p["name"] for p in passed["parts"]] == ["ex1", "ex2", "ex3", "stability", "contract"]
    assert passed["counterexample"] is None
    assert failed["verdict"] == "fail"
    assert all(set(f) >= {"kind", "message"} for f in failed["findings"])
    example = failed["counterexample"]  # the first failed part's: ex1's
    assert example == failed["parts"][0]["counterexample"]
    assert example["layer_sizes"] == [1, 1, 1]
    assert example["lam"] == 0.1
    assert {b["block"] for b in example["blocks"]} == {"b1", "b2"}
    # The counterexample reproduces: the reference gives the loss reported for it.
    J = mb.loss(
        np.array(example["W"]),
        np.array(example["X"]),
        np.array(example["T"]),
        example["layer_sizes"],
        example["lam"],
    )
    assert J == example["loss"]["reference"]


def test_the_same_seed_gives_the_same_counterexample(wrong_file, capsys):
    runs = []
    for _ in range(2):
        main(["check", str(wrong_file), "--seed", "7", "--json"])
        runs.append(json.loads(capsys.readouterr().out)["results"][0]["counterexample"])
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check"], "the following arguments are required: FILE"),
        (["check", "missing.py"], "missing.py: no such file"),
        (["check", "x.py", "--examples", "0"], "expected a positive integer"),
        (["check", "x.py", "--timeout", "-1"], "expected a positive number of seconds"),
        (["check", "x.py", "--file-timeout", "0"], "expected a positive number of seconds"),
        (["check", "x.py", "--sandbox", "docker"], "invalid choice"),
        (["check", "x.py", "--layout", "matlab"], "invalid choice"),
        (["check", "x.py", "--activation", "softplus"], "invalid choice"),
        (["check", "x.py", "--colour"], "unrecognized arguments: --colour"),
        (["grade"], "invalid choice"),
    ],
)
def test_misuse_exits_with_status_2_and_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_text(CORRECT)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 or err.startswith("usage:")


def test_python_dash_m_runs_the_same_command(correct_file):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "backprop_oracle",
            "check",
            str(correct_file),
            "--examples",
            "5",
            "--seed",
            "0",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["verdict"] == "pass"


@pytest.mark.parametrize(
    ("source", "options"),
    [
        # --layout auto calls the submission before the search starts
        (
            "def loss_and_grad(W, X, T, layer_sizes, lam):\n    while True:\n        pass\n",
            {"layout": "auto"},
        ),
        # a fun(W) that does not say how long W is gets the exercise's lengths tried
        ("def fun(W):\n    while True:\n        pass\n", {"function": "fun"}),
    ],
    ids=["layout-auto", "closure-length"],
)
def test_a_hang_before_the_search_is_a_timeout_finding(source, options, tmp_path):
    """check_file never raises for what a submission does, wherever it hangs."""
    path = tmp_path / "hangs.py"
    path.write_text(source)
    result = check_file(path, Options(timeout=1.0, examples=5, **options))
    assert result.verdict == "fail"
    assert [f.kind for f in result.all_findings() if f.kind != "note"] == ["timeout"]
    assert result.examples == 0


# ----------------------------------------------------------------- sandbox


def test_sandbox_state_is_reported(correct_file):
    """The backend's name where the jail can be set up; otherwise the file is not judged."""
    result = check_file(correct_file, Options(examples=3, seed=0))
    if sandbox_available() is None:
        assert result.sandbox in ("bwrap", "unshare")
        assert (result.verdict, result.all_findings()) == ("pass", [])
    else:
        assert result.sandbox is None
        assert result.verdict == "error"
        assert result.error.startswith("not judged: the sandbox (auto) cannot be set up here")


def test_without_namespaces_the_guard_still_refuses_writes(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_text("original\n")
    path = tmp_path / "writer.py"
    path.write_text(
        CORRECT
        + textwrap.dedent(
            f"""
            try:
                with open({str(target)!r}, "a") as f:
                    f.write("changed")
            except OSError:
                pass
            """
        )
    )
    result = check_file(path, Options(examples=3, seed=0, isolate=False))
    assert target.read_text() == "original\n"
    assert [f.kind for f in result.all_findings()] == ["tampering"]
    assert f"write to {target}" in result.all_findings()[0].message
    assert result.sandbox is None
    assert result.as_dict()["sandbox"] is False


# ---------------------------------------------------------------- mistakes


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("sizes", [[2, 1], [3, 4, 2, 1], [2, 5, 3], [3, 3, 3, 2]])
def test_the_variant_without_mistakes_is_the_reference(sizes, activation):
    """The same numbers to rounding: the variant adds the bias and sums the bias gradient
    in separate steps, and takes h'(a) from a; manual_backprop does both inside one matrix
    product and takes h' from z = h(a). Each entry may differ by a few ulps of the terms
    summed into it: 16 eps of the gradient scale (as in property_tests' tolerances)."""
    rng = np.random.default_rng(1)
    W = rng.uniform(-1.0, 1.0, mb.n_params(sizes))
    X = rng.normal(size=(6, sizes[0]))
    labels = np.arange(6) % max(sizes[-1], 2)
    T = labels.astype(float) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]
    J, grad = mb.loss_and_grad(W, X, T, sizes, 0.3, activation)
    J_v, grad_v = Variant().loss_and_grad(W, X, T, sizes, 0.3, activation)
    scale = gradient_scale(W, X, T, sizes, 0.3, activation)
    np.testing.assert_allclose(grad_v, grad, rtol=0, atol=16 * 2.0**-52 * scale)
    assert J_v == pytest.approx(J, rel=4 * 2.0**-52, abs=0)  # one extra rounding of the sum


@pytest.mark.parametrize(
    ("switches", "names"),
    [
        ({}, []),
        ({"bias_penalty": True}, ["bias-regularized"]),
        ({"loss_penalty": "1/2", "grad_penalty": "1"}, ["penalty-scale"]),
        ({"loss_penalty": "0"}, ["penalty-missing-in-loss"]),
        ({"grad_penalty": "0"}, ["penalty-missing-in-gradient"]),
        ({"loss_penalty": "0", "grad_penalty": "1"}, ["penalty-scale", "penalty-missing-in-loss"]),
        ({"grad_mean": False}, ["missing-mean"]),
        ({"sign": "output-delta"}, ["sign-flip"]),
        ({"read_layout": "column-major", "write_layout": "column-major"}, ["flatten-order"]),
        ({"write_layout": "column-major"}, ["transposed-weight-gradient"]),
        ({"read_layout": "ng", "write_layout": "ng"}, ["layout-ng"]),
        ({"hidden_derivative": "z"}, ["derivative-of-activated"]),
        ({"hidden_derivative": "none"}, ["missing-activation-derivative"]),
        ({"output_derivative": True}, ["extra-output-derivative"]),
        ({"bias_gradient": "last"}, ["bias-gradient-not-summed"]),
    ],
)
def test_each_switch_names_its_mistake(switches, names):
    assert Variant(**switches).mistakes("canonical") == names


def test_layout_mistakes_are_named_relative_to_the_checked_layout():
    ng = Variant(read_layout="ng", write_layout="ng")
    assert ng.mistakes("ng") == []
    assert Variant().mistakes("ng") == ["layout-canonical"]


@pytest.mark.parametrize("layout", ["canonical", "weights-then-biases", "ng", "column-major"])
def test_vectors_read_and_written_in_a_layout_round_trip(layout):
    sizes = [3, 2, 4]
    sent = np.arange(float(mb.n_params(sizes)))
    params = read_vector(sent, sizes, layout)
    np.testing.assert_array_equal(write_vector(params, sizes, layout), sent)
    if layout == "column-major":  # W_1 (3x2) read column by column: first column 0, 1, 2
        np.testing.assert_array_equal(params[0][0], [[0, 3], [1, 4], [2, 5]])


# ----------------------------------------------------------- several files


def test_several_files_give_a_table_progress_and_reports(
    correct_file, wrong_file, tmp_path, capsys
):
    reports = tmp_path / "reports"
    argv = [
        "check",
        str(correct_file),
        str(wrong_file),
        "--seed",
        "3",
        "--jobs",
        "2",
        "--reports",
        str(reports),
    ]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["file", "verdict", "score", "mistakes"]
    assert lines[1].split() == ["correct.py", "PASS", "100/100"]
    assert lines[2].split() == ["bias_penalised.py", "FAIL", "5/100", "bias-regularized"]
    assert lines[3] == "2 files: 1 passed, 1 failed"
    assert sorted(line.split("]")[0] for line in err.splitlines()) == ["[1/2", "[2/2"]
    written = sorted(p.name for p in reports.iterdir())
    assert len(written) == 2
    wrong_report = next(p for p in reports.iterdir() if "bias_penalised" in p.name).read_text()
    assert wrong_report.startswith("FAIL  bias_penalised.py  (score 5/100")
    assert "diagnosis" in wrong_report


def test_the_reproduction_lines_reproduce_the_counterexample(wrong_file, capsys):
    assert main(["check", str(wrong_file), "--seed", "4"]) == 1
    out = capsys.readouterr().out
    code = out.split("  reproduce:\n")[1].splitlines()[:3]
    assert all(line.startswith("    ") for line in code)
    done = subprocess.run(  # in the submission's folder, where its student runs it
        [sys.executable, "-c", "\n".join(line[4:] for line in code)],
        capture_output=True,
        text=True,
        check=True,
        cwd=wrong_file.parent,
    )
    assert main(["check", str(wrong_file), "--seed", "4", "--json"]) == 1
    example = json.loads(capsys.readouterr().out)["results"][0]["counterexample"]
    assert repr(example["loss"]["submission"]) in done.stdout.split(",")[0]


def test_an_unknown_mistake_is_not_given_a_name(tmp_path):
    """A gradient wrong in no known way: no diagnosis, a note saying so, still localised."""
    path = tmp_path / "odd.py"
    path.write_text(
        CORRECT.replace(
            "return J, np.concatenate(grads[::-1])",
            "g = np.concatenate(grads[::-1])\n    g[-1] *= 1.5\n    return J, g",
        )
    )
    result = check_file(path, Options(examples=50, seed=0))
    kinds = [f.kind for f in result.sorted_findings()]
    assert "diagnosis" not in kinds
    assert "gradient-mismatch" in kinds
    note = next(f for f in result.all_findings() if f.message.startswith("the cause is not one"))
    assert "no known mistake, alone or in a pair, reproduces its numbers" in note.message
    assert result.counterexample is not None
    assert result.counterexample["blocks"][0]["block"].startswith("b")  # the last bias block


def test_a_part_that_hangs_never_stops_the_others(tmp_path):
    """A file that hangs on multiclass problems: ex3 times out (and stability, which
    draws ex3's networks too), while ex1, ex2 and the contract still get their points."""
    path = tmp_path / "hangs_on_softmax.py"
    path.write_text(
        CORRECT
        + textwrap.dedent(
            """

            import time
            _checked = loss_and_grad


            def loss_and_grad(W, X, T, layer_sizes, lam):
                if layer_sizes[-1] > 1:
                    time.sleep(600)
                return _checked(W, X, T, layer_sizes, lam)
            """
        )
    )
    result = check_file(path, Options(examples=20, seed=0, timeout=2.0))
    verdicts = {p.name: p.verdict for p in result.parts}
    assert verdicts == {
        "ex1": "pass",
        "ex2": "pass",
        "ex3": "fail",
        "stability": "fail",
        "contract": "pass",
    }
    (ex3,) = [p for p in result.parts if p.name == "ex3"]
    assert [f.kind for f in ex3.findings] == ["timeout"]
    assert ex3.findings[0].message.startswith("during the search: no answer within 2 s")
    assert result.score == 65
