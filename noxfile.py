"""Sessions for developers and CI: ``nox`` runs the tests; ``nox -s lint typecheck`` the checks.

Each session installs the extras it needs (see ``[project.optional-dependencies]``):
``test`` (jax, matplotlib, pytest) for the tests, ``jax`` and ``plots`` for the main job,
``bench`` for the benchmark; ``oracle_without_jax`` installs the core alone, as a grading
image does.
"""

import json
import shutil
import tomllib
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PACKAGES = ["manual_backprop", "jax_reference", "backprop_oracle"]
PYPROJECT = nox.project.load_toml("pyproject.toml")
CORPUS = Path("tests/oracle_corpus")
# The files the oracle checks without JAX: one it must pass, one it must fail.
ORACLE_FILES = ["correct/vectorised_sigmoid.py", "wrong/bias_regularized_vectorised.py"]


def dev_tools(*names: str) -> list[str]:
    """The requirements of the ``dev`` extra for the tools ``names`` (versions kept there)."""
    wanted = set(names)
    found = [
        requirement
        for requirement in PYPROJECT["project"]["optional-dependencies"]["dev"]
        if Requirement(requirement).name in wanted
    ]
    assert len(found) == len(wanted), f"{names} are not all in the dev extra"
    return found


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests and the property tests (Hypothesis profile ``ci``)."""
    session.install("-e", ".[test]")
    session.env.setdefault("HYPOTHESIS_PROFILE", "ci")
    # One process per core, each taking whole files (their tests stay in order):
    # most of the time is the oracle's sandboxed workers and JAX's compilations.
    session.run("pytest", "-n", "auto", "--dist", "loadfile", *session.posargs)


@nox.session(name="property")
def property_tests(session: nox.Session) -> None:
    """The property tests alone under the long ``thorough`` Hypothesis profile."""
    session.install("-e", ".[test]")
    session.env["HYPOTHESIS_PROFILE"] = "thorough"
    session.run("pytest", "property_tests", "--hypothesis-show-statistics", *session.posargs)


@nox.session
def train(session: nox.Session) -> None:
    """The main job: every exercise trained, checked and plotted (``-- --exercise ex1`` etc.)."""
    session.install("-e", ".[jax,plots]")
    session.run("manual-backprop", "train", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Speed against JAX, PyTorch and scikit-learn (table on stdout, JSON in out/bench.json)."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (style and common bugs) and import-linter (the layers' contracts in pyproject.toml)."""
    session.install(*dev_tools("ruff", "import-linter"))
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")
    # Reads the packages' source from the working directory; they need not be installed.
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy, strict, on the packages."""
    session.install("-e", ".[test]", *dev_tools("mypy"))
    session.run("mypy", *PACKAGES, *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing of the four mathematical modules and the engine (mutmut), then the score."""
    session.install("-e", ".[test]", "mutmut==3.8.1")
    session.env["HYPOTHESIS_PROFILE"] = "dev"
    if not session.posargs:
        # A fresh run: mutmut keeps a cached verdict, so a mutant that survived an older
        # test suite would never meet the new tests. `-- NAME...` reruns chosen mutants.
        shutil.rmtree("mutants", ignore_errors=True)
    session.run("mutmut", "run", "--max-children", "1", *session.posargs)
    session.run("python", "property_tests/mutation_score.py")


@nox.session(reuse_venv=False)
def oracle_without_jax(session: nox.Session) -> None:
    """The oracle as a grading image has it (``pip install .``, no JAX) checks two corpus files."""
    # A fresh environment, not editable, no extras: the wheel's files and the core
    # dependencies only. setuptools builds in ./build, and a stale copy there of a module
    # since removed would go into the wheel: it is built afresh and removed after.
    shutil.rmtree("build", ignore_errors=True)
    session.install(".")
    shutil.rmtree("build", ignore_errors=True)
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text())
    scratch = Path(session.create_tmp())
    for name in ORACLE_FILES:
        shutil.copy(CORPUS / name, scratch / Path(name).name)
    # From a folder with no package source in it, so that Python imports the installed copy.
    with session.chdir(scratch):
        # No JAX, no plotting, no notebook reader: a .py file is checked all the same.
        for absent in ("jax", "matplotlib", "IPython", "nbformat"):
            failed = session.run("python", "-c", f"import {absent}", success_codes=[1], silent=True)
            assert f"No module named '{absent}'" in str(failed), failed
        for name in ORACLE_FILES:
            expected = manifest[name]
            output = session.run(
                "backprop-oracle",
                "check",
                "--json",
                "--activation",
                expected["activation"],
                Path(name).name,
                success_codes=[0 if expected["verdict"] == "pass" else 1],
                silent=True,
                stderr=None,  # progress to the console, the JSON document alone returned
            )
            (result,) = json.loads(str(output))["results"]
            kinds = {finding["kind"] for finding in result["findings"]}
            mistakes = {finding.get("mistake") for finding in result["findings"]}
            assert result["verdict"] == expected["verdict"], (name, result)
            assert set(expected["kinds"]) <= kinds, (name, kinds)
            if "mistake" in expected:
                assert expected["mistake"] in mistakes, (name, mistakes)
            session.log(f"{name}: {result['verdict']}, findings {sorted(kinds)}")
