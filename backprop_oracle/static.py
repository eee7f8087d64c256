"""Forbidden imports, found by reading the source (before any of it runs).

The worker's audit hook refuses the same imports at run time, including
obfuscated ones (``__import__("ja" + "x")``); reading the source names the
line, even for an import the submission never reaches.
"""

import ast

__all__ = ["forbidden_imports"]


def _imported(node: ast.AST) -> list[str]:
    """Module names a node imports, where they are written out."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in ("__import__", "import_module") and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def forbidden_imports(source: str, forbidden: tuple[str, ...]) -> list[tuple[str, int]]:
    """``(module, line)`` for every import of a forbidden top-level module in ``source``.

    A file that does not parse has none (the import itself will report the
    syntax error).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        for name in _imported(node):
            top = name.partition(".")[0]
            if top in forbidden:
                found.append((top, getattr(node, "lineno", 0)))
    return sorted(set(found), key=lambda item: item[1])
