"""What the source says before any of it runs: forbidden imports, and numbers that lie.

The worker's audit hook refuses the same imports at run time, including
obfuscated ones (``__import__("ja" + "x")``); reading the source names the
line, even for an import the submission never reaches.

Two ways of computing a gradient give numbers that no test can tell from
backprop's: the complex step (``imag(f(W + i h)) / h``, exact to rounding)
and differences of the loss itself (``(f(W + h) - f(W - h)) / 2h``, close
enough at the oracle's tolerances for small networks). :func:`gradient_shortcuts`
finds both in the source, for a teacher to look at; they never change a verdict.
"""

import ast
import builtins

__all__ = ["forbidden_imports", "gradient_shortcuts"]

#: Exceptions :func:`ast.parse` (and a recursive walk of its tree) raise for a
#: file that is not Python, or too deeply nested to be read.
_UNREADABLE = (SyntaxError, ValueError, RecursionError, MemoryError)
#: Names of numpy's complex types and functions, as attributes or names.
_COMPLEX_NAMES = frozenset(
    {
        "complex64",
        "complex128",
        "complex256",
        "complex_",
        "complexfloating",
        "csingle",
        "cdouble",
        "clongdouble",
        "cfloat",
        "clongfloat",
        "imag",
    }
)
#: Complex dtypes written as text (``dtype="complex128"``, ``astype("c16")``).
_COMPLEX_DTYPES = frozenset(
    {"complex", "complex64", "complex128", "complex256", "c8", "c16", "c32", "F", "D", "G"}
)


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
    except _UNREADABLE:
        return []
    found = []
    for node in ast.walk(tree):
        for name in _imported(node):
            top = name.partition(".")[0]
            if top in forbidden:
                found.append((top, getattr(node, "lineno", 0)))
    return sorted(set(found), key=lambda item: item[1])


def _complex_use(node: ast.AST) -> str | None:
    """What complex arithmetic ``node`` is, if it is some."""
    if isinstance(node, ast.Constant) and isinstance(node.value, complex):
        return f"the complex number {node.value!r}"
    if isinstance(node, ast.Name) and node.id == "complex":
        return "complex(...)"
    if isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name in _COMPLEX_NAMES:
            return f".{name}" if name == "imag" else name
    if isinstance(node, ast.keyword) and node.arg == "dtype":
        value = node.value
        if isinstance(value, ast.Constant) and value.value in _COMPLEX_DTYPES:
            return f"dtype={value.value!r}"
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "astype"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in _COMPLEX_DTYPES
    ):
        return f"astype({node.args[0].value!r})"
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        if any((name or "").partition(".")[0] == "cmath" for name in names):
            return "the cmath module"
    return None


def _assigned_calls(tree: ast.AST) -> dict[int, dict[str, ast.Call]]:
    """For each function (by ``id`` of its node; 0 for the module), the names it
    assigns from a call: ``loss_plus = f(W + h)``, ``lp, gp = f(W + h)``."""
    scopes: dict[int, dict[str, ast.Call]] = {}
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = scopes.setdefault(0 if isinstance(scope, ast.Module) else id(scope), {})
        for node in ast.walk(scope):
            if not isinstance(node, ast.Assign):
                continue
            call = _call_in(node.value)
            if call is None:
                continue
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
                names.update({t.id: call for t in elements if isinstance(t, ast.Name)})
    return scopes


def _call_in(node: ast.AST) -> ast.Call | None:
    """The call ``node`` is, or takes an item of (``f(W)[0]``)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node if isinstance(node, ast.Call) else None


def _own(callee: ast.expr, library: frozenset[str]) -> bool:
    """Whether ``callee`` is the submission's own function (``loss``, ``self.loss``),
    not a library's (``np.exp``, an imported name, a builtin)."""
    if isinstance(callee, ast.Name):
        return callee.id not in library
    return (
        isinstance(callee, ast.Attribute)
        and isinstance(callee.value, ast.Name)
        and callee.value.id in ("self", "cls")
    )


def _library_names(tree: ast.AST) -> frozenset[str]:
    """Names that stand for someone else's functions: imported ones and builtins."""
    names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).partition(".")[0] for a in node.names)
    return frozenset(names)


def _shifted_pair(
    difference: ast.BinOp, names: dict[str, ast.Call], library: frozenset[str]
) -> tuple[ast.Call, ast.Call] | None:
    """The two calls of one of the submission's functions, at different arguments,
    that ``difference`` subtracts."""
    calls = []
    for side in (difference.left, difference.right):
        inner = side.value if isinstance(side, ast.Subscript) else side
        call = _call_in(side)
        if call is None and isinstance(inner, ast.Name):
            call = names.get(inner.id)
        if call is None:
            return None
        calls.append(call)
    first, second = calls
    if ast.dump(first.func) != ast.dump(second.func) or not _own(first.func, library):
        return None
    if ast.dump(first) == ast.dump(second):  # the same call twice: no step between them
        return None
    return first, second


def _differences(tree: ast.AST) -> list[tuple[str, int]]:
    """``(callee, line)`` for every ``(f(a) - f(b)) / step`` in ``tree``."""
    scopes = _assigned_calls(tree)
    library = _library_names(tree)
    found = []

    def visit(scope: ast.AST, names: dict[str, ast.Call]) -> None:
        for node in ast.walk(scope):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not scope:
                continue  # its own scope, visited with its own names
            if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
                continue
            numerator = node.left
            while isinstance(numerator, ast.BinOp) and isinstance(numerator.op, ast.Div):
                numerator = numerator.left  # (f(a) - f(b)) / 2 / h
            if isinstance(numerator, ast.BinOp) and isinstance(numerator.op, ast.Sub):
                pair = _shifted_pair(numerator, names, library)
                if pair is not None:
                    found.append((ast.unparse(pair[0].func), node.lineno))

    for scope in ast.walk(tree):
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            visit(scope, {**scopes.get(0, {}), **scopes.get(id(scope), {})})
    if isinstance(tree, ast.Module):
        module = ast.Module(
            body=[
                s for s in tree.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            ],
            type_ignores=[],
        )
        visit(module, scopes.get(0, {}))
    return found


def gradient_shortcuts(source: str) -> list[str]:
    """Sentences naming each use of complex arithmetic or differences of a function's
    own values in ``source``, with its line; empty for a file that does not parse.

    ``ast.walk`` visits nodes without recursion; a tree too deep for
    :func:`ast.dump` counts as unreadable.
    """
    try:
        tree = ast.parse(source)
        complex_uses = sorted(
            {
                (getattr(node, "lineno", 0), what)
                for node in ast.walk(tree)
                if (what := _complex_use(node)) is not None
            }
        )
        differences = sorted(set(_differences(tree)), key=lambda item: item[1])
    except _UNREADABLE:
        return []
    sentences = []
    if complex_uses:
        where = "; ".join(f"line {line}: {what}" for line, what in complex_uses[:5])
        more = f" and {len(complex_uses) - 5} more" if len(complex_uses) > 5 else ""
        sentences.append(
            f"the source uses complex arithmetic ({where}{more}): a complex-step "
            "derivative gives backprop's numbers to rounding, so the verdict cannot tell "
            "it from backprop; a teacher may want to read the code"
        )
    if differences:
        where = "; ".join(f"line {line}: {name}(...)" for name, line in differences[:5])
        more = f" and {len(differences) - 5} more" if len(differences) > 5 else ""
        sentences.append(
            "the source divides the difference of two calls of one function at different "
            f"arguments by a step ({where}{more}): finite differences of the loss can pass "
            "for backprop on small networks, so the verdict cannot tell them apart; a "
            "teacher may want to read the code"
        )
    return sentences
