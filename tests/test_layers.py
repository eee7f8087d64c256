"""The layers point one way: read from the source, import by import.

``import-linter`` (``[tool.importlinter]`` in ``pyproject.toml``) checks which
modules import which. What it cannot see is *which names* are taken: the
oracle may use ``manual_backprop`` only through its public names, never
``_forward`` or ``_unpack``, whether imported (``from manual_backprop.network
import _forward``) or reached through a module (``mb._forward``). These tests
parse every module with :mod:`ast`, so they also see imports inside functions.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The packages of this project; a name of another project package is what the rules govern.
PROJECT = ("manual_backprop", "jax_reference", "backprop_oracle", "property_tests", "tests")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _name(path: Path, root: Path = ROOT) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _resolve(node: ast.ImportFrom, module: str) -> str:
    """The absolute module name of ``from ... import``, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")[: -node.level]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str, str | None]]:
    """``(line, module, name)`` for every import in ``path``; ``name`` None for ``import m``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                yield node.lineno, _resolve(node, _name(path, root)), alias.name


def _private_attributes(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """``alias._name`` where ``alias`` is bound to a module of another project package."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = _name(path, root).split(".")[0]
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT and alias.name.split(".")[0] != own:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node, _name(path, root))
            if module.split(".")[0] in PROJECT and module.split(".")[0] != own:
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{module}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            yield node.lineno, f"{bound[node.value.id]}.{node.attr}"


def _oracle_violations(path: Path, root: Path = ROOT) -> list[str]:
    """What in ``path`` breaks the oracle's layering rules, one line each, in line order."""
    found: list[tuple[int, str]] = []
    where = path.relative_to(root)
    for line, module, name in _imports(path, root):
        top = module.split(".")[0]
        if top == "backprop_oracle":
            continue  # the oracle's own modules, private ones included
        if top in ("property_tests", "tests", "jax_reference"):
            found.append((line, f"imports {module} (a test package or the JAX twin)"))
        elif any(part.startswith("_") for part in module.split(".")):
            found.append((line, f"imports the private module {module}"))
        if name is not None and name.startswith("_"):
            found.append((line, f"imports the private name {name} from {module}"))
    for line, dotted in _private_attributes(path, root):
        found.append((line, f"uses the private name {dotted}"))
    return [f"{where}:{line} {what}" for line, what in sorted(set(found))]


@pytest.mark.parametrize("path", _modules("backprop_oracle"), ids=_name)
def test_the_oracle_uses_only_public_names_of_other_packages(path):
    """No ``_name`` of another package, no private module, no test package, no JAX twin."""
    assert _oracle_violations(path) == []


@pytest.mark.parametrize("path", _modules("manual_backprop"), ids=_name)
def test_manual_backprop_imports_none_of_its_checkers(path):
    """The hand-written package stands alone: its checkers and tests import it, not back."""
    checkers = ("jax_reference", "backprop_oracle", "property_tests", "tests")
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module, _ in _imports(path)
        if module.split(".")[0] in checkers
    ]
    assert wrong == []


def test_the_rules_see_what_they_look_for(tmp_path):
    """Each kind of violation, written into a module, is reported."""
    package = tmp_path / "backprop_oracle"
    package.mkdir()
    module = package / "bad.py"
    module.write_text(
        "import manual_backprop as mb\n"
        "from manual_backprop.network import _forward\n"
        "from manual_backprop._checks import check_targets\n"
        "from property_tests.strategies import problems\n"
        "from backprop_oracle._worker import AUTODIFF\n"  # its own private module: allowed
        "def f(W, sizes):\n"
        "    import jax_reference\n"
        "    return mb._unpack(W, sizes)\n"
    )
    assert _oracle_violations(module, root=tmp_path) == [
        "backprop_oracle/bad.py:2 imports the private name _forward from manual_backprop.network",
        "backprop_oracle/bad.py:3 imports the private module manual_backprop._checks",
        "backprop_oracle/bad.py:4 imports property_tests.strategies "
        "(a test package or the JAX twin)",
        "backprop_oracle/bad.py:7 imports jax_reference (a test package or the JAX twin)",
        "backprop_oracle/bad.py:8 uses the private name manual_backprop._unpack",
    ]
