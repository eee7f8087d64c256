"""The worker: imports one submission in a process of its own and answers call requests.

Run as a script by :mod:`backprop_oracle.sandbox`, inside the jail of
:mod:`backprop_oracle.jail`, never imported by a submission. It uses only the
standard library and numpy, so that nothing of this project is loaded in the
process the submission runs in.

Protocol (both directions): a frame is an 8-byte little-endian length, a JSON
header of that length, then ``header["payload"]`` bytes of raw float64 data.
Requests arrive on file descriptor 3, answers leave on descriptor 4; both are
marked close-on-exec here, so no program the submission runs inherits them.
Descriptors 1 and 2 are one pipe that the oracle drains into a capped buffer:
whatever the submission prints lands there, never in the protocol stream or
the oracle's own output, and nothing is written to a file.

The oracle trusts nothing it reads back: it validates every field of every
frame (:func:`backprop_oracle.sandbox.validate_header`). The lists and texts
below are cut to the sizes it accepts, so that only a forged frame breaks them.

The same module is imported by the oracle for :func:`write_frame`, so both
sides share one framing.
"""

import builtins
import errno
import functools
import importlib.util
import inspect
import itertools
import json
import linecache
import math
import os
import resource
import signal
import struct
import sys
import time
import traceback
import types
from collections.abc import Callable
from types import ModuleType
from typing import Any

_LENGTH = struct.Struct("<Q")
#: A header longer than this is not one the worker wrote.
MAX_HEADER = 1 << 16
#: Longest traceback or message text sent back.
MAX_TEXT = 4000
#: Most entries of a ``forbidden``, ``blocked`` or ``patched`` list, and their longest text.
MAX_ITEMS = 20
MAX_ITEM = 200
#: The largest layer size and parameter count a ``fun(W)`` module may hint at.
MAX_LAYER = 100_000
MAX_PARAMS = 1_000_000
#: What the hello may carry for inferring a ``fun(W)``'s problem: at most this many
#: objectives, arrays (each of at most ``MAX_ARRAY`` values, ``MAX_VALUES`` in all),
#: scalars and layer-size lists, and cell errors of a notebook.
MAX_CLOSURES = 8
MAX_ARRAYS = 48
MAX_ARRAY = 200_000
MAX_VALUES = 1_000_000
MAX_SCALARS = 48
MAX_HINTS = 16
MAX_CELLS = 20
#: Seconds the worker spends at most trying one-argument callables (finding ``fun(W)``).
PROBE_SECONDS = 20.0
#: The exercise's networks 2-4-1, 2-10-10-10-10-1 and 2-10-3: lengths of ``W`` always tried.
EXERCISE_LENGTHS = (17, 371, 63)
#: The protocol's descriptors (requests in, answers out).
REQUESTS = 3
REPLIES = 4

#: Top-level modules a submission may not import: the autodiff libraries
#: (unless the oracle was told to allow them) and this project's packages.
AUTODIFF = ("jax", "jaxlib", "torch", "tensorflow", "autograd")
PROJECT = ("manual_backprop", "jax_reference", "backprop_oracle", "property_tests")

_PROCESS_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
}
_NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
_PATH_EVENTS = {
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.truncate",
    "os.chmod",
    "os.chown",
    "os.link",
    "os.symlink",
    "os.utime",
    "shutil.rmtree",
    "shutil.copyfile",
    "shutil.move",
}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
#: Where an installed package's frames come from: the jail's site folder, or an
#: environment's (without the sandbox).
_LIBRARY_FOLDERS = ("/sandbox/site/", "/site-packages/", "/dist-packages/")
#: A notebook's code cells are compiled under the file names "cell 1", "cell 2", ...
CELL = "cell "


# ------------------------------------------------------------------ framing


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from ``fd``; fewer only at end of file."""
    chunks, remaining = [], n
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> tuple[dict[str, Any], bytes] | None:
    """One frame from ``fd``, or None at end of file."""
    prefix = read_exact(fd, _LENGTH.size)
    if len(prefix) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(prefix)
    if length > MAX_HEADER:
        raise ValueError(f"frame header of {length} bytes")
    header = json.loads(read_exact(fd, length))
    payload = read_exact(fd, int(header.get("payload", 0)))
    return header, payload


def encode_frame(header: dict[str, Any], payload: bytes = b"") -> bytes:
    """One frame as bytes: length, JSON header (with the payload's length), payload."""
    text = json.dumps({**header, "payload": len(payload)}).encode()
    return _LENGTH.pack(len(text)) + text + payload


def write_frame(fd: int, header: dict[str, Any], payload: bytes = b"") -> None:
    """Write one frame to ``fd``."""
    data = encode_frame(header, payload)
    while data:
        data = data[os.write(fd, data) :]


# ------------------------------------------------------------- the guard


class Guard:
    """An audit hook that refuses what a submission has no business doing, and remembers it.

    Armed just before the submission is imported. It refuses (with an
    exception the submission sees) forbidden imports, writes outside the
    scratch folder, new processes and network use, and so gives clear
    findings for honest mistakes. It is no boundary: code running in this
    process can disarm it (its flag is an ordinary attribute) or step around
    it. What must hold is held by the jail (:mod:`backprop_oracle.jail`): the
    libraries are absent, the file system read-only, the network missing.
    """

    def __init__(self, scratch: str, forbidden: tuple[str, ...], path: str = "") -> None:
        self.scratch = os.path.realpath(scratch)
        self.forbidden = frozenset(forbidden)
        self.path = path
        self.armed = False
        self.forbidden_imports: list[str] = []
        self.blocked: list[str] = []

    def _inside_scratch(self, path: Any) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor
        real = os.path.realpath(os.fsdecode(path))
        return real == os.devnull or real == self.scratch or real.startswith(self.scratch + os.sep)

    def _where(self) -> tuple[str, str]:
        """The submission's line that led here, and the library module (if any) that
        made the call itself: the innermost frame of an installed package."""
        line, library = "", ""
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if not library and any(part in name for part in _LIBRARY_FOLDERS):
                library = str(frame.f_globals.get("__name__", ""))
            if name == self.path or name.startswith(CELL):
                cell = f"{name.removeprefix(CELL)}, " if name.startswith(CELL) else ""
                line = f"{'cell ' if cell else ''}{cell}line {frame.f_lineno}"
                break
            frame = frame.f_back  # type: ignore[assignment]
        return line, library

    def _refuse(self, what: str) -> None:
        line, library = self._where()
        if library.startswith("matplotlib.font_manager") and what.startswith("start a process"):
            # Matplotlib lists the system's fonts with fc-list, and goes on without them
            # when that fails: refused quietly, as if fc-list were not installed.
            raise FileNotFoundError(errno.ENOENT, "fc-list is not available here")
        where = f" at {line}" if line else ""
        inside = f" (inside {library.partition('.')[0]})" if library else ""
        if len(self.blocked) < MAX_ITEMS:
            self.blocked.append(f"{what}{where}{inside}"[:MAX_ITEM])
        raise PermissionError(f"backprop-oracle: a submission may not {what}")

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.armed:
            return
        if event == "import":
            top = str(args[0]).partition(".")[0]
            if top in self.forbidden:
                if top not in self.forbidden_imports and len(self.forbidden_imports) < MAX_ITEMS:
                    self.forbidden_imports.append(top[:MAX_ITEM])
                raise ImportError(f"backprop-oracle: importing {top} is not allowed here")
        elif event == "open":
            path, mode, flags = args
            writing = any(c in mode for c in "wax+") if isinstance(mode, str) else False
            writing = writing or bool(isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and path is not None and not self._inside_scratch(path):
                self._refuse(f"write to {os.fsdecode(path)}")
        elif event in _PATH_EVENTS:
            paths = [a for a in args if isinstance(a, str | bytes | os.PathLike)]
            for path in paths:
                if not self._inside_scratch(path):
                    self._refuse(f"change {os.fsdecode(path)} ({event})")
        elif event in _PROCESS_EVENTS:
            self._refuse(f"start a process ({event})")
        elif event in _NETWORK_EVENTS:
            self._refuse(f"use the network ({event})")


def _snapshot(*namespaces: Any) -> dict[str, int]:
    """Identity of every attribute of the modules a submission could patch."""
    return {
        f"{getattr(ns, '__name__', 'builtins')}.{name}": id(value)
        for ns in namespaces
        for name, value in vars(ns).items()
        if not name.startswith("__")
    }


def _findings(guard: Guard, np: ModuleType, before: dict[str, int]) -> dict[str, list[str]]:
    """What the guard refused and what the submission replaced, cut to the accepted sizes."""
    now = _snapshot(np, np.testing, builtins)
    patched = sorted(k for k, v in now.items() if k in before and before[k] != v)
    return {
        "forbidden": list(guard.forbidden_imports),
        "blocked": list(guard.blocked),
        "patched": [k[:MAX_ITEM] for k in patched[:MAX_ITEMS]],
    }


# --------------------------------------------------------------- the calls


def _describe(value: Any) -> str:
    """A short, safe description of a returned object."""
    kind = type(value).__name__
    shape = getattr(value, "shape", None)
    return f"{kind} of shape {tuple(shape)}" if isinstance(shape, tuple) else kind


def _text(exc: BaseException, path: str) -> str:
    """The exception with the traceback frames inside the submission's file."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename == path or f.filename.startswith(CELL)
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(exc)
    return "".join(lines)[-MAX_TEXT:]


def _wrote_too_much(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a write past the file-size
    limit (``EFBIG``) or into a full scratch folder (``ENOSPC``)."""
    seen = 0
    now: BaseException | None = exc
    while now is not None and seen < 10:
        if isinstance(now, OSError) and now.errno in (errno.EFBIG, errno.ENOSPC):
            return True
        now, seen = now.__cause__ or now.__context__, seen + 1
    return False


def _failure(exc: BaseException, path: str, importing: bool) -> dict[str, Any]:
    """The answer for an exception the submission raised, while imported or called.

    ``full`` marks a write that failed because the submission had written as much
    as its files may hold: the oracle then says so in its own words.
    """
    if isinstance(exc, MemoryError):
        return {"status": "memory", "message": _text(exc, path)}
    status = "import-error" if importing else "exception"
    if isinstance(exc, SystemExit):
        where = " while imported" if importing else ""
        return {
            "status": status if importing else "exit",
            "message": f"called exit({exc.code!r}){where}"[:MAX_TEXT],
        }
    answer: dict[str, Any] = {"status": status, "message": _text(exc, path)}
    if _wrote_too_much(exc):
        answer["full"] = True
    return answer


def _convert(result: Any, n: int, np: ModuleType, column: bool = False) -> tuple[float, Any] | str:
    """``(loss, grad)`` as float64, or why the returned value breaks the contract.

    ``column``: a gradient of shape ``(n, 1)`` is accepted too (ex4's Octave-style
    ``[Theta1_grad(:); Theta2_grad(:)]``).
    """
    if not isinstance(result, tuple | list) or len(result) != 2:
        length = f" of length {len(result)}" if isinstance(result, tuple | list) else ""
        return f"returned {_describe(result)}{length}, expected a pair (loss, grad)"
    loss, grad = np.asarray(result[0]), np.asarray(result[1])
    if loss.dtype.kind not in "iuf" or loss.size != 1:
        return f"loss is {_describe(result[0])} (dtype {loss.dtype}), expected a real number"
    if grad.dtype.kind not in "iuf":
        return f"grad is {_describe(result[1])} (dtype {grad.dtype}), expected a float array"
    if column and grad.shape == (n, 1):
        grad = grad[:, 0]
    if grad.shape != (n,):
        return f"grad has shape {grad.shape}, expected {(n,)}, the shape of W"
    return float(loss.reshape(())), np.ascontiguousarray(grad, dtype=np.float64)


# ------------------------------------------------------------- conventions


def _cs231n_build(cls: type, sizes: list[int], np: ModuleType) -> Any:
    """A CS231n-style network of ``sizes``: ``TwoLayerNet(input_size, hidden_size,
    output_size)`` or ``FullyConnectedNet(hidden_dims, input_dim=, num_classes=)``,
    by keyword where the constructor's parameters have these names, else by position."""
    try:
        names = set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        names = set()
    inputs, hidden, outputs = sizes[0], sizes[1:-1], sizes[-1]
    extra = {"dtype": np.float64} if "dtype" in names else {}
    if "hidden_dims" in names:
        word_in = "input_dim" if "input_dim" in names else "input_size"
        word_out = "num_classes" if "num_classes" in names else "output_size"
        return cls(hidden_dims=list(hidden), **{word_in: inputs, word_out: outputs}, **extra)
    if len(hidden) != 1:
        raise TypeError(f"{cls.__name__} takes one hidden size; this problem has {len(hidden)}")
    words = [
        next((w for w in options if w in names), None)
        for options in (("input_size", "input_dim"), ("hidden_size", "hidden_dim"),
                        ("output_size", "num_classes"))
    ]  # fmt: skip
    values = (inputs, hidden[0], outputs)
    if all(words):
        return cls(**dict(zip(words, values, strict=True)), **extra)  # type: ignore[arg-type]
    return cls(*values, **extra)


def _cs231n_call(
    cls: type, W: Any, X: Any, y: Any, sizes: list[int], reg: float, np: ModuleType
) -> Any:
    """Build the network, set its ``params`` from the canonical ``W``, call its
    ``loss(X, y, reg)`` (or set ``reg`` and call ``loss(X, y)``), and return
    ``(loss, gradient)`` with the ``grads`` dict laid out as ``W`` is; or a
    string saying why the answer breaks the convention."""
    net = _cs231n_build(cls, sizes, np)
    params = getattr(net, "params", None)
    if not isinstance(params, dict):
        return f"{cls.__name__}(...).params is {_describe(params)}, expected a dict"
    start, shapes = 0, []
    for layer, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        params[f"W{layer}"] = W[start : start + n_in * n_out].reshape(n_in, n_out).copy()
        params[f"b{layer}"] = W[start + n_in * n_out : start + (n_in + 1) * n_out].copy()
        shapes += [(f"W{layer}", (n_in, n_out)), (f"b{layer}", (n_out,))]
        start += (n_in + 1) * n_out
    try:
        takes_reg = "reg" in inspect.signature(net.loss).parameters
    except (TypeError, ValueError):
        takes_reg = False
    if takes_reg:
        result = net.loss(X, y, reg=reg)
    else:
        net.reg = reg
        result = net.loss(X, y)
    if not isinstance(result, tuple | list) or len(result) != 2:
        length = f" of length {len(result)}" if isinstance(result, tuple | list) else ""
        return f"loss returned {_describe(result)}{length}, expected a pair (loss, grads)"
    loss, grads = result
    if not isinstance(grads, dict):
        return f"grads is {_describe(grads)}, expected a dict with the keys of params"
    pieces = []
    for name, shape in shapes:
        if name not in grads:
            have = ", ".join(sorted(str(k) for k in grads)[:8]) or "none"
            return f"grads has no {name!r} (its keys: {have})"
        block = np.asarray(grads[name])
        if block.dtype.kind not in "iuf" or block.shape != shape:
            return (
                f"grads[{name!r}] is {_describe(grads[name])} of shape {block.shape}, "
                f"expected floats of shape {shape}, the shape of params[{name!r}]"
            )
        pieces.append(block.astype(np.float64).ravel())
    return loss, np.concatenate(pieces)


def _call_convention(
    style: str, fn: Any, W: Any, X: Any, y: Any, header: dict[str, Any], np: ModuleType
) -> tuple[float, Any] | str:
    """The call in a course's convention: ``(loss, grad)``, or why the answer breaks it.

    ``y`` holds the labels as integers (``np.eye(K)[y]`` needs them so), in the
    shape the oracle chose; ``header``'s ``layer_sizes`` and ``lam`` are the
    convention's own (ex4: the three sizes and ``lambda_``; cs231n: the sizes
    and ``reg``).
    """
    n = W.size
    if style == "ex4":
        inputs, hidden, labels = header["layer_sizes"]
        return _convert(fn(W, inputs, hidden, labels, X, y, float(header["lam"])), n, np, True)
    sizes = list(header["layer_sizes"])
    answer = _cs231n_call(fn, W, X, y, sizes, float(header["lam"]), np)
    return answer if isinstance(answer, str) else _convert(answer, n, np)


def _serve(
    functions: dict[str, Callable[..., Any]],
    style: str,
    path: str,
    guard: Guard,
    proto_in: int,
    proto_out: int,
    np: ModuleType,
    before: dict[str, int],
) -> None:
    """Answer call requests until the oracle closes the stream; a request names the
    objective it calls when there are several (``style`` ``closures``)."""
    while (frame := read_frame(proto_in)) is not None:
        header, payload = frame
        n, x_shape, t_shape = header["n"], tuple(header["x_shape"]), tuple(header["t_shape"])
        data = np.frombuffer(payload, dtype="<f8")
        W = data[:n].copy()
        X = data[n : n + int(np.prod(x_shape))].reshape(x_shape).copy()
        T = data[n + X.size :].reshape(t_shape).copy()
        originals = (W.copy(), X.copy(), T.copy())
        reply: dict[str, Any] = {}
        out = b""
        # A request names the objective fun(W) it calls; one without a name calls the
        # contract function (style full), or the only objective there is.
        named = "function" in header
        fn = functions.get(str(header.get("function", "")), next(iter(functions.values())))
        labels = None
        try:
            if style in ("ex4", "cs231n"):
                labels = T.astype(np.int64)
                converted = _call_convention(style, fn, W, X, labels, header, np)
            elif named or style == "closures":
                result = fn(W)
                converted = _convert(result, n, np)
            else:
                result = fn(W, X, T, list(header["layer_sizes"]), float(header["lam"]))
                converted = _convert(result, n, np)
        except BaseException as exc:
            reply = _failure(exc, path, importing=False)
        else:
            if isinstance(converted, str):
                reply = {"status": "bad-return", "message": converted}
            else:
                reply = {"status": "ok"}
                out = struct.pack("<d", converted[0]) + converted[1].tobytes()
        names = ("W", "X", "T")
        reply["mutated"] = [
            name
            for name, now, then in zip(names, (W, X, T), originals, strict=True)
            if now.shape != then.shape or now.tobytes() != then.tobytes()
        ]
        # A convention's labels are integers made from T (unchanged, or named above):
        # changed in place, they are T.
        if (
            labels is not None
            and "T" not in reply["mutated"]
            and (labels.shape != T.shape or labels.tobytes() != T.astype(np.int64).tobytes())
        ):
            reply["mutated"].append("T")
        reply.update(_findings(guard, np, before))
        write_frame(proto_out, reply, out)


def _signature_style(fn: Callable[..., Any]) -> str | None:
    """``"full"`` for ``f(W, X, T, layer_sizes, lam)``, ``"closures"`` for ``f(W)``."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return "full"  # a builtin or callable object without a signature: try the contract
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    if len(required) <= 5 and (len(positional) >= 5 or varargs):
        return "full"
    if len(required) == 1:
        return "closures"
    return None


# ------------------------------------------------------------- notebooks


class _Shell:
    """What ``get_ipython()`` returns in a notebook run here: the calls IPython's input
    transformer writes for ``%magic``, ``%%magic``, ``!command`` and ``name?``.

    ``%time``, ``%timeit``, ``%%time``, ``%%timeit`` and ``%%capture`` run their code
    once (untimed); ``%matplotlib`` does nothing (the backend is Agg); a shell command
    is not run (there is no shell here), and neither is any other magic: each says so
    in the output.
    """

    RUN = frozenset({"time", "timeit", "capture", "prun"})
    QUIET = frozenset({"matplotlib", "pinfo", "pinfo2", "config", "load_ext"})

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.cell = ""

    def _run(self, code: str) -> None:
        exec(compile(code, self.cell or "<magic>", "exec"), self.namespace)  # the submission's code

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        if name in self.RUN:
            if name == "timeit":
                line = " ".join(w for w in line.split() if not w.startswith("-"))
            self._run(line)
        elif name not in self.QUIET:
            print(f"[backprop-oracle] %{name} was not run", flush=True)

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in self.RUN:
            self._run("\n" + cell)  # the body starts on the cell's second line
        else:
            print(f"[backprop-oracle] the %%{name} cell was not run", flush=True)

    def system(self, command: str) -> None:
        print(f"[backprop-oracle] !{command[:100]} was not run (no shell here)", flush=True)

    def getoutput(self, command: str, split: bool = True) -> list[str]:
        self.system(command)
        return []

    def magic(self, line: str) -> None:
        name, _, rest = line.partition(" ")
        self.run_line_magic(name.lstrip("%"), rest)


def _missing_file(exc: BaseException) -> str:
    """The name of the file an exception says is missing ("" if it says none)."""
    if isinstance(exc, FileNotFoundError) and exc.filename is not None:
        return os.fsdecode(exc.filename)[:MAX_ITEM]
    return ""


def _cell_failure(exc: BaseException, number: int) -> dict[str, Any]:
    """A cell that raised: its number, the traceback in the notebook's cells, and the
    file it could not open (a ``FileNotFoundError``)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(CELL)]
    lines = traceback.format_list(frames) + traceback.format_exception_only(exc)
    failure: dict[str, Any] = {"cell": number, "message": "".join(lines)[-MAX_TEXT:]}
    if isinstance(exc, SystemExit):
        failure["message"] = f"called exit({exc.code!r})"[:MAX_TEXT]
    if missing := _missing_file(exc):
        failure["missing"] = missing
    if _wrote_too_much(exc):
        failure["full"] = True
    return failure


def _run_cells(path: str, module: ModuleType) -> list[dict[str, Any]]:
    """Run a notebook's code cells in order in ``module``'s namespace, each under the
    file name "cell N"; a cell that raises is recorded, and the next one runs."""
    with open(path, encoding="utf-8") as file:
        cells = json.load(file)["cells"]
    shell = _Shell(vars(module))
    module.get_ipython = lambda: shell  # type: ignore[attr-defined]
    failures: list[dict[str, Any]] = []
    for number, source in cells:
        name = f"{CELL}{number}"
        shell.cell = name
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        try:
            exec(compile(source, name, "exec"), vars(module))  # in its jail
        except MemoryError:
            raise
        except BaseException as exc:  # a notebook run goes on after a failing cell
            if len(failures) < MAX_CELLS:
                failures.append(_cell_failure(exc, int(number)))
        sys.stdout.flush()
    return failures


# ------------------------------------------------------ finding fun(W)


def _own_function(value: Any) -> types.FunctionType | None:
    """The submission's own function behind ``value`` (itself, or a partial's), or None."""
    target = value.func if isinstance(value, functools.partial) else value
    if isinstance(target, types.FunctionType) and target.__module__ == "submission":
        return target
    return None


def _one_argument(value: Any) -> bool:
    """Whether ``value`` can be called with exactly one positional argument, ``fun(W)``."""
    try:
        parameters = inspect.signature(value).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return len(required) == 1 or (not required and len(positional) >= 1)


def _reached(name: str, value: Any, namespace: dict[str, Any]) -> dict[str, Any]:
    """What a candidate objective reaches, by name: its closure's cells, its default
    arguments, a partial's bound arguments, and the globals its code names."""
    found: dict[str, Any] = {}
    function = value.func if isinstance(value, functools.partial) else value
    if isinstance(value, functools.partial):
        try:
            names = list(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            names = []
        for i, argument in enumerate(value.args):
            found[f"{name}.{names[i] if i < len(names) else i}"] = argument
        for key, argument in value.keywords.items():
            found[f"{name}.{key}"] = argument
    if isinstance(function, types.FunctionType):
        code = function.__code__
        for var, cell in zip(code.co_freevars, function.__closure__ or (), strict=False):
            try:
                found[f"{name}.{var}"] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
        defaults = function.__defaults__ or ()
        positional = code.co_varnames[: code.co_argcount]
        for var, default in zip(
            positional[len(positional) - len(defaults) :], defaults, strict=True
        ):
            found[f"{name}.{var}"] = default
        for var, default in (function.__kwdefaults__ or {}).items():
            found[f"{name}.{var}"] = default
        for var in code.co_names:
            if var in namespace and not var.startswith("_"):
                found[var] = namespace[var]
    return found


def _as_array(value: Any, np: ModuleType) -> Any:
    """``value`` as a finite 1-D or 2-D float64 array of at most ``MAX_ARRAY`` values, or None."""
    if isinstance(value, list | tuple) and 2 <= len(value) <= MAX_ARRAY:
        if not all(type(v) in (int, float) for v in value):
            return None
        value = np.asarray(value)
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        return None
    if value.ndim not in (1, 2) or not 2 <= value.size <= MAX_ARRAY:
        return None
    array = np.ascontiguousarray(value, dtype=np.float64)
    return array if bool(np.all(np.isfinite(array))) else None


def _n_params(sizes: list[int] | tuple[int, ...]) -> int:
    """The length of ``W`` for ``sizes`` (manual_backprop's n_params; the worker imports
    nothing of the project)."""
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def _sizes(value: Any) -> list[int] | None:
    """``value`` as a list of layer sizes (2 to 10 positive ints, of at most ``MAX_PARAMS``
    parameters: the oracle refuses more), or None."""
    if not isinstance(value, list | tuple) or not 2 <= len(value) <= 10:
        return None
    if not all(type(v) is int and 1 <= v <= MAX_LAYER for v in value):
        return None
    if _n_params(value) > MAX_PARAMS:
        return None
    return [int(v) for v in value]


def _lengths(values: dict[str, Any], np: ModuleType) -> list[int]:
    """Lengths of ``W`` worth trying: the notebook's 1-D float vectors (``W0``, a result's
    ``x``), its layer-size lists, and the exercise's networks."""
    lengths: list[int] = []
    for value in values.values():
        vector = getattr(value, "x", value)
        if isinstance(vector, np.ndarray) and vector.ndim == 1 and vector.dtype.kind == "f":
            lengths.append(int(vector.size))
        elif (sizes := _sizes(value)) is not None:
            lengths.append(_n_params(sizes))
    lengths += EXERCISE_LENGTHS
    unique = [n for i, n in enumerate(lengths) if 2 <= n <= MAX_PARAMS and n not in lengths[:i]]
    return unique[:12]


def _probe(value: Callable[..., Any], lengths: list[int], np: ModuleType, until: float) -> int:
    """The length of ``W`` at which ``value(W)`` returns ``(float, vector of that length)``;
    0 if none does."""
    rng = np.random.default_rng(0)
    for n in lengths:
        if time.monotonic() > until:
            break
        try:
            answer = _convert(value(rng.uniform(-0.5, 0.5, n)), n, np)
        except MemoryError:
            raise
        except BaseException:  # not this length, or not an objective
            continue
        if not isinstance(answer, str):
            return n
    return 0


def _discover(
    namespace: dict[str, Any], named: str | None, np: ModuleType
) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """The one-argument objectives ``fun(W) -> (float, vector)`` of the namespace, and
    what their problem may be inferred from.

    ``named`` is the function the oracle was told to check, when it takes one argument:
    then only it is tried. Returns the objectives by name, the hello's fields
    (``closures``, ``arrays``, ``scalars``, ``hints``) and the arrays' bytes.
    """
    public = {k: v for k, v in namespace.items() if not k.startswith("_")}
    candidates: list[tuple[str, Any]] = []
    if named is not None:
        candidates = [(named, namespace[named])]
    else:
        seen: set[int] = set()
        for key, value in public.items():
            if _own_function(value) is None or id(value) in seen or not _one_argument(value):
                continue
            seen.add(id(value))
            candidates.append((key, value))
    lengths = _lengths(public, np)
    until = time.monotonic() + PROBE_SECONDS
    found: dict[str, Any] = {}
    closures: list[dict[str, Any]] = []
    for key, value in candidates:
        if len(closures) >= MAX_CLOSURES:
            break
        if n := _probe(value, lengths, np, until):
            found[key[:MAX_ITEM]] = value
            own = sorted(k[:MAX_ITEM] for k in _reached(key, value, namespace))[:MAX_ITEMS]
            closures.append({"name": key[:MAX_ITEM], "n": n, "own": own})
    values = dict(public)
    for key, value in found.items():
        values.update(_reached(key, value, namespace))
    arrays: list[dict[str, Any]] = []
    scalars: dict[str, float] = {}
    hints: list[list[int]] = []
    payload: list[bytes] = []
    total = 0
    for key, value in values.items():
        key = key[:MAX_ITEM]
        if (sizes := _sizes(value)) is not None:
            if len(hints) < MAX_HINTS and sizes not in hints:
                hints.append(sizes)
        elif type(value) in (int, float):
            if math.isfinite(value) and len(scalars) < MAX_SCALARS:
                scalars[key] = float(value)
        elif found and len(arrays) < MAX_ARRAYS and (array := _as_array(value, np)) is not None:
            if total + array.size > MAX_VALUES:
                continue
            arrays.append({"name": key, "shape": list(array.shape)})
            payload.append(array.astype("<f8").tobytes())
            total += array.size
    fields = {"closures": closures, "arrays": arrays, "scalars": scalars, "hints": hints}
    return found, fields, b"".join(payload)


def _take_descriptors() -> None:
    """Keep only the protocol's descriptors and standard input, output and error.

    Descriptors 3 and 4 become close-on-exec (no program the submission runs
    inherits them); any other inherited descriptor is closed. Standard input
    reads nothing.
    """
    os.set_inheritable(REQUESTS, False)
    os.set_inheritable(REPLIES, False)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    os.closerange(REPLIES + 1, soft if soft != resource.RLIM_INFINITY else 1 << 16)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


# ------------------------------------------------------- System V memory

#: ``(audit architecture, shmget, msgget)`` by machine: the system calls that make
#: System V shared memory segments and message queues.
_SYSV_CALLS = {
    "x86_64": (0xC000003E, 29, 68),
    "aarch64": (0xC00000B7, 194, 186),
}


def _refuse_sysv_memory() -> bool:
    """Make ``shmget`` and ``msgget`` fail with EPERM in this process and its children.

    A System V segment or message queue holds memory that no mapping shows: a
    segment filled, detached and kept is outside the address-space limit. A
    seccomp filter, unlike an audit hook, cannot be removed by the code it
    filters, and children inherit it. Returns False where the machine or the
    kernel offers no filter (the segments then die with the jail's IPC
    namespace at the end of the check).
    """
    import ctypes

    calls = _SYSV_CALLS.get(os.uname().machine)
    if calls is None:
        return False
    arch, shmget, msgget = calls
    allow, refuse = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    load, equal, at_least, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, JEQ|K, JGE|K, RET|K
    program = [
        (load, 0, 0, 4),  # the architecture
        (equal, 0, 6, arch),  # another one: allow (its numbers are not these)
        (load, 0, 0, 0),  # the system call's number
        (at_least, 3, 0, 0x40000000),  # x32's numbers: refuse them all
        (equal, 2, 0, shmget),
        (equal, 1, 0, msgget),
        (ret, 0, 0, allow),
        (ret, 0, 0, refuse),
        (ret, 0, 0, allow),
    ]

    class Instruction(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_ushort),
            ("jt", ctypes.c_ubyte),
            ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint),
        ]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Instruction))]

    instructions = (Instruction * len(program))(*(Instruction(*i) for i in program))
    fprog = Program(len(program), instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [
        ctypes.c_int,
        ctypes.c_ulong,
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_ulong,
    ]
    if libc.prctl(38, 1, None, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    return bool(libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) == 0)  # PR_SET_SECCOMP, FILTER


def _offer_data(data: str, scratch: str) -> None:
    """Make the data folder's entries visible in the working folder (``scratch``) by
    symbolic links: a relative path such as ``loadmat('points.mat')`` reads the data
    folder's file, read-only, and a new file (a saved figure) is written into scratch."""
    if not data:
        return
    for entry in sorted(os.listdir(data)):
        target = os.path.join(scratch, entry)
        if not os.path.lexists(target):
            os.symlink(os.path.join(data, entry), target)


def _load(path: str, notebook: bool) -> tuple[ModuleType, list[dict[str, Any]]]:
    """Import the submission as the module ``submission``, or run its notebook cells in it."""
    if notebook:
        module = types.ModuleType("submission")
        module.__file__ = path
        sys.modules["submission"] = module
        return module, _run_cells(path, module)
    spec = importlib.util.spec_from_file_location("submission", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    spec.loader.exec_module(module)
    return module, []


def _hello(
    module: ModuleType, function: str, np: ModuleType, notebook: bool, convention: str = "spec"
) -> tuple[dict[str, Any], dict[str, Callable[..., Any]], bytes]:
    """The hello for an imported submission: the contract function if it has one, else
    the one-argument objectives found; the functions to serve; the hello's payload.

    A notebook's objectives are found even beside a contract function: a notebook's
    own ``loss_and_grad(W, X, t, lam)`` may not be the contract's, and the oracle
    falls back on them when it refuses every problem.

    In a course's ``convention`` (``ex4``, ``cs231n``), ``function`` names its
    function (or class) and nothing else is looked for.
    """
    namespace = vars(module)
    fn = namespace.get(function)
    if convention == "ex4" and callable(fn):
        return {"status": "ready", "style": "ex4"}, {function: fn}, b""
    if convention == "cs231n" and isinstance(fn, type) and callable(getattr(fn, "loss", None)):
        try:
            depth = "any" if "hidden_dims" in inspect.signature(fn).parameters else "one"
        except (TypeError, ValueError):
            depth = "one"
        return {"status": "ready", "style": "cs231n", "depth": depth}, {function: fn}, b""
    if convention != "spec":
        if callable(fn):
            wanted = "a class with a loss method" if convention == "cs231n" else "a function"
            message = f"not {wanted}: {_describe(fn)}"
            return {"status": "missing-function", "message": message[:MAX_TEXT]}, {}, b""
        names = sorted(n for n, v in namespace.items() if callable(v) and n[0] != "_")
        return {"status": "missing-function", "message": ", ".join(names)[:MAX_TEXT]}, {}, b""
    style = _signature_style(fn) if callable(fn) else None
    if style == "full":
        hello: dict[str, Any] = {"status": "ready", "style": "full"}
        functions: dict[str, Callable[..., Any]] = {function: fn}  # type: ignore[dict-item]
        found, fields, payload = _discover(namespace, None, np) if notebook else ({}, {}, b"")
        if found:
            hello.update(fields)
            functions.update(found)
        return hello, functions, payload
    found, fields, payload = _discover(namespace, function if style else None, np)
    if found:
        return {"status": "ready", "style": "closures", **fields}, found, payload
    if callable(fn):
        signature = f"signature {inspect.signature(fn)}"
        return {"status": "missing-function", "message": signature[:MAX_TEXT]}, {}, b""
    names = sorted(n for n, v in namespace.items() if callable(v) and n[0] != "_")
    return {"status": "missing-function", "message": ", ".join(names)[:MAX_TEXT]}, {}, b""


def main(argv: list[str]) -> None:
    """``_worker.py SUBMISSION FUNCTION SCRATCH SITE ALLOW_AUTODIFF PROCESSES [MODE ...]``.

    The optional arguments are ``[MODE [DATA [CONVENTION]]]``.

    ``SITE`` (the folder of allowed distributions) is appended to ``sys.path``
    unless empty. ``PROCESSES`` is the process limit set on this process
    before the submission is loaded (``0``: none); see
    :class:`backprop_oracle.jail.Limits` for why the worker sets this one itself.
    ``MODE`` is ``module`` (import a Python file; the default) or ``notebook``
    (run the code cells of the JSON file the oracle wrote from a notebook).
    ``DATA`` is the data folder whose entries the working folder shows ("": none).
    ``CONVENTION`` is ``spec`` (the default), ``ex4`` or ``cs231n``: how the
    function is called (:mod:`backprop_oracle.conventions`).
    """
    path, function, scratch, site, allow_autodiff, processes, *rest = argv
    mode, data, convention = [*rest, *("module", "", "spec")[len(rest) :]][:3]
    _take_descriptors()
    # A write past the file-size limit then fails with EFBIG, which the submission
    # sees, instead of killing the worker with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    proto_in, proto_out = REQUESTS, REPLIES
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    os.chdir(scratch)
    _offer_data(data, scratch)
    if int(processes) > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        limit = int(processes) if hard == resource.RLIM_INFINITY else min(int(processes), hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _refuse_sysv_memory()
    if site:
        sys.path.append(site)

    import numpy as np
    import numpy.testing

    before = _snapshot(np, numpy.testing, builtins)
    write_frame(proto_out, {"status": "started"})  # the import's time limit starts now
    notebook = mode == "notebook"
    guard = Guard(scratch, PROJECT if allow_autodiff == "1" else AUTODIFF + PROJECT, path)
    sys.addaudithook(guard)
    guard.armed = True

    hello: dict[str, Any] = {}
    functions: dict[str, Callable[..., Any]] = {}
    payload = b""
    try:
        module, cells = _load(path, notebook)
        hello, functions, payload = _hello(module, function, np, notebook, convention)
        if cells:
            hello["cells"] = cells
    except BaseException as exc:
        hello = _failure(exc, path, importing=True)
        if missing := _missing_file(exc):
            hello["missing"] = missing
    hello.update(_findings(guard, np, before))
    write_frame(proto_out, hello, payload)
    if hello["status"] == "ready":
        _serve(functions, hello["style"], path, guard, proto_in, proto_out, np, before)
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
