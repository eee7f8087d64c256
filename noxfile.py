"""Sessions for developers and CI: ``nox`` runs the tests; ``nox -s lint typecheck`` the checks."""

import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PACKAGES = ["manual_backprop", "jax_reference", "backprop_oracle"]


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests and the property tests (Hypothesis profile ``ci``)."""
    session.install("-e", ".[test]")
    session.env.setdefault("HYPOTHESIS_PROFILE", "ci")
    session.run("pytest", *session.posargs)


@nox.session(name="property")
def property_tests(session: nox.Session) -> None:
    """The property tests alone under the long ``thorough`` Hypothesis profile."""
    session.install("-e", ".[test]")
    session.env["HYPOTHESIS_PROFILE"] = "thorough"
    session.run("pytest", "property_tests", "--hypothesis-show-statistics", *session.posargs)


@nox.session
def train(session: nox.Session) -> None:
    """The main job: every exercise trained, checked and plotted (``-- --exercise ex1`` etc.)."""
    session.install("-e", ".")
    session.run("manual-backprop", "train", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Speed against JAX, PyTorch and scikit-learn (table on stdout, JSON in out/bench.json)."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: style and common bugs."""
    session.install("ruff")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy, strict, on the packages."""
    session.install("-e", ".[test]", "mypy")
    session.run("mypy", *PACKAGES, *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing of the four mathematical modules (mutmut), then the mutation score."""
    session.install("-e", ".[test]", "mutmut==3.8.1")
    session.env["HYPOTHESIS_PROFILE"] = "dev"
    if not session.posargs:
        # A fresh run: mutmut keeps a cached verdict, so a mutant that survived an older
        # test suite would never meet the new tests. `-- NAME...` reruns chosen mutants.
        shutil.rmtree("mutants", ignore_errors=True)
    session.run("mutmut", "run", "--max-children", "1", *session.posargs)
    session.run("python", "property_tests/mutation_score.py")
