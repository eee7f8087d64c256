"""Running a submission in a jailed worker process: the backends, the limits, the protocol.

The oracle never runs submission code in its own process. A :class:`Worker`
starts ``_worker.py`` (standard library and numpy only) in the jail that
:mod:`backprop_oracle.jail` describes, with one of two backends:

``bwrap``
    bubblewrap, given its options on a pipe (``--args``): the jail's
    ``/proc/1/cmdline`` shows only the command, whose paths are the jail's
    own. Its reaper stays PID 1 of the jail; the worker is never PID 1.
``unshare``
    util-linux's ``unshare`` (new mount, PID, network, IPC, UTS and cgroup
    namespaces) running ``_sandbox.sh``, which builds the same tree on a tmpfs
    inside the private mount namespace, enters it with ``pivot_root`` and
    detaches the old root (a ``chroot`` could be climbed out of), then runs
    the worker as a child of a small PID-1 shell.

Which user the jail runs as, and why it matters: ``RLIMIT_NPROC`` (the fork
bomb's limit) is not enforced for processes of the host's root. When the
grader is root, the oracle therefore first makes a user namespace that maps
root and ``nobody`` (65534) to themselves and in which no further user
namespace may be created; the backend sets the jail up as that root and
switches to ``nobody`` with ``setpriv`` (no capability, no new privileges)
just before the worker starts. When the grader is an ordinary user, the
backend maps the jail's ``nobody`` to the grader (``bwrap --unshare-user
--disable-userns``; ``unshare --user --map-root-user`` and a nested user
namespace). In both cases the worker has no capability anywhere.

Limits (see :class:`backprop_oracle.jail.Limits`) are set on the backend's
process before it executes (by a small launcher), together with a parent-death
signal, so the jail dies with the oracle and a submission can lower a limit
but never raise it: ``RLIMIT_AS``, ``RLIMIT_CPU``, ``RLIMIT_NOFILE``,
``RLIMIT_CORE``. ``RLIMIT_NPROC`` is set by the worker on itself before the
submission is loaded: the kernel counts it per user in each user namespace,
so in the jail it counts the jail's own processes (and threads); set on the
backend, it would also count every process of the grader's user, and a
grader running more than 64 processes could not start a jail. Scratch is a
tmpfs of fixed size. The cgroup controllers of this project's machines are
v1 and not delegated, so no cgroup is used: the limits above are the
mechanism.

Nothing survives: the backend runs in a session of its own; closing a worker
kills the backend, the jail's PID 1 dies with it and the kernel kills every
process left in the PID namespace; :meth:`Worker.close` waits until the
jail's PID 1 is gone. The mount namespace, and the scratch tmpfs with it,
vanish then; nothing is ever written to the host's ``/tmp``.

Protocol: requests go to the worker on descriptor 3, answers come back on
descriptor 4; descriptors 1 and 2 are one pipe drained here into a capped
buffer (the first 64 KiB are kept for the report); past
``Worker.output_limit`` bytes the worker is stopped. Every field of every
answer is validated (:func:`validate_header`); numbers come back as raw
float64 bytes of exactly the length the request implies, read with
:func:`numpy.frombuffer`; nothing is unpickled or evaluated.
"""

import contextlib
import fcntl
import functools
import itertools
import json
import math
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle._worker import (
    MAX_ARRAY,
    MAX_ARRAYS,
    MAX_CELLS,
    MAX_CLOSURES,
    MAX_HEADER,
    MAX_HINTS,
    MAX_ITEM,
    MAX_ITEMS,
    MAX_LAYER,
    MAX_PARAMS,
    MAX_SCALARS,
    MAX_TEXT,
    MAX_VALUES,
    REPLIES,
    REQUESTS,
    encode_frame,
)
from backprop_oracle.jail import (
    DATA,
    DataFolder,
    Jail,
    Limits,
    Mount,
    build_jail,
    environment,
    interpreter,
)

__all__ = [
    "ALWAYS_PROTECTIONS",
    "AUTODIFF_PROCESSES",
    "BACKENDS",
    "SANDBOX_PROTECTIONS",
    "Reply",
    "Worker",
    "WorkerDied",
    "resolve_backend",
    "sandbox_available",
    "validate_header",
]

Array = NDArray[np.float64]

_WORKER = Path(__file__).with_name("_worker.py")
_SETUP = Path(__file__).with_name("_sandbox.sh")
#: The backends, in the order ``auto`` tries them.
BACKENDS = ("bwrap", "unshare")
#: Limit for the worker's own start-up (Python and numpy, before the submission
#: is imported): generous, for a loaded machine; it does not depend on the submission.
STARTUP_SECONDS = 60.0
#: How much of the submission's own output the report quotes, by default.
OUTPUT_QUOTE = 2000
#: How much of the submission's output is kept at all.
OUTPUT_KEEP = 64 << 10
#: Once a check ends, how long the jail's PID 1 may take to disappear.
_TEARDOWN_SECONDS = 10.0
#: After the backend has exited, how long its last answer may take to arrive.
_GRACE_SECONDS = 1.0
#: Process (and thread) limit with ``allow_autodiff``: JAX started 16 threads on
#: two cores, and its pools grow with the number of cores.
AUTODIFF_PROCESSES = 512
#: Descriptor limit with ``allow_autodiff`` (JAX crashed with SIGSEGV under 64).
AUTODIFF_OPEN_FILES = 256

SANDBOX_PROTECTIONS = (
    "user, mount, network and PID namespaces over a minimal root file system: the "
    "worker sees only the Python runtime, numpy and scipy, its own file and a small "
    "scratch tmpfs, reaches no socket, cannot outlive its check, and runs under "
    "address-space, CPU, process and output limits"
)
ALWAYS_PROTECTIONS = (
    "a separate worker process whose output never reaches the report unlabelled",
    "answers validated field by field, numbers read back as raw float64",
    "address-space, CPU, output and wall-clock limits",
    "an audit hook refusing forbidden imports, writes outside the scratch folder, "
    "new processes and network use (a Python-level guard: not a boundary)",
)

# What the oracle would otherwise do between fork and exec (``preexec_fn``) runs
# instead in a fresh interpreter that then executes the backend: Python code in a
# forked copy of a threaded process can deadlock (JAX, BLAS and the engine's pools
# all start threads), and without ``preexec_fn`` subprocess forks and executes in
# C alone. Standard library only, no site folder.
#
# The child side of a backend start: ask for SIGKILL when the oracle dies (the
# jail then dies with it), put the descriptors at their fixed numbers, set the
# limits (a submission can lower them, never raise them), leave the grader's
# session keyring for a new, empty one (kernel keyrings belong to no namespace:
# the grader's session keys would be readable in the jail), execute the backend.
_LAUNCHER = """
import ctypes, fcntl, os, resource, sys
parent, moves, limits, cgroup = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
command = sys.argv[5:]
libc = ctypes.CDLL(None)
libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
if os.getppid() != parent:  # the oracle died before the line above
    os._exit(1)
if cgroup:  # every process of the jail is charged to this memory cgroup
    with open(cgroup, "w") as procs:
        procs.write(str(os.getpid()))
keyctl = {"x86_64": 250, "aarch64": 219, "riscv64": 219}.get(os.uname().machine)
if keyctl is not None:
    libc.syscall(keyctl, 1, None)  # KEYCTL_JOIN_SESSION_KEYRING, a new anonymous one
pairs = [tuple(int(n) for n in m.split(":")) for m in moves.split(",") if m]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 256) for _, fd in pairs]
for fd in {fd for _, fd in pairs} - {target for target, _ in pairs}:
    os.close(fd)
for (target, _), fd in zip(pairs, high):
    os.dup2(fd, target)
    os.close(fd)
for item in limits.split(","):
    if item:
        which, soft, hard = (int(n) for n in item.split(":"))
        resource.setrlimit(which, (soft, hard))
os.execvp(command[0], command)
"""
# The child side of the prepared user namespace (see _mapped_userns): enter a new
# user namespace, forbid further ones in it, say so, and hold it until told.
_USERNS_HOLDER = """
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:  # CLONE_NEWUSER
    os._exit(127)
fd = os.open("/proc/sys/user/max_user_namespaces", os.O_WRONLY)
os.write(fd, b"0")
os.close(fd)
os.write(1, b"r")
sys.stdin.buffer.read()
"""


class WorkerDied(Exception):
    """The worker ended, hung, printed too much or broke the protocol.

    ``kind`` is the finding it makes: ``timeout``, ``tampering`` (a frame
    that fails validation) or ``crash`` (anything else, including output past
    the limit, whose message then starts with "your file printed more than").
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Reply:
    """One answer from the worker: its validated header and, for a call, the numbers."""

    status: str
    header: dict[str, Any]
    loss: float | None = None
    grad: Array | None = None
    message: str = ""
    mutated: list[str] = field(default_factory=list)
    #: The call raised because a write failed: the submission's files were full.
    full: bool = False


# ------------------------------------------------------------- validation


class _Forged(ValueError):
    """A frame from the worker that the worker itself would not have written."""


_STATUSES = {
    "started": frozenset({"started"}),
    "hello": frozenset({"ready", "import-error", "missing-function", "memory"}),
    "reply": frozenset({"ok", "exception", "exit", "memory", "bad-return"}),
}
_LISTS = ("forbidden", "blocked", "patched")
#: How the function is called: the contract, one-argument objectives, or a course's convention.
_STYLES = ("full", "closures", "ex4", "cs231n")
#: What a hello says about the one-argument objectives it found (see _worker._discover).
_DISCOVERY = ("closures", "arrays", "scalars", "hints")
_KEYS = {
    "started": frozenset({"status", "payload"}),
    "hello": frozenset(
        {
            "status",
            "payload",
            "message",
            "style",
            "depth",
            "full",
            "cells",
            "missing",
            *_LISTS,
            *_DISCOVERY,
        }
    ),
    "reply": frozenset({"status", "payload", "message", "mutated", "full", *_LISTS}),
}
#: The statuses that may say ``full``: an exception raised by a write past the limit.
_FULL_STATUSES = frozenset({"import-error", "exception"})


def _strings(value: object, name: str) -> list[str]:
    if type(value) is not list or len(value) > MAX_ITEMS:
        raise _Forged(f"{name} is not a list of at most {MAX_ITEMS} entries")
    if not all(type(v) is str and len(v) <= MAX_ITEM for v in value):
        raise _Forged(f"{name} holds something other than short text")
    return list(value)


def _small_int(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _text(value: object, name: str, limit: int = MAX_ITEM) -> str:
    if type(value) is not str or len(value) > limit:
        raise _Forged(f"{name} is not a short text")
    return value


def _closures(value: object) -> list[dict[str, Any]]:
    """The objectives a hello names: ``{"name", "n", "own"}`` each."""
    if type(value) is not list or not 1 <= len(value) <= MAX_CLOSURES:
        raise _Forged(f"closures is not a list of 1 to {MAX_CLOSURES} entries")
    found = []
    for item in value:
        if type(item) is not dict or set(item) != {"name", "n", "own"}:
            raise _Forged("a closure is not a dict of name, n and own")
        if not _small_int(item["n"], 1, MAX_PARAMS):
            raise _Forged(f"a closure's length is not an int in 1..{MAX_PARAMS}")
        name = _text(item["name"], "a closure's name")
        found.append({"name": name, "n": item["n"], "own": _strings(item["own"], "own")})
    if len({c["name"] for c in found}) != len(found):
        raise _Forged("two closures of the same name")
    return found


def _arrays(value: object) -> list[dict[str, Any]]:
    """The arrays a hello announces: ``{"name", "shape"}`` each, 1-D or 2-D, within the caps."""
    if type(value) is not list or len(value) > MAX_ARRAYS:
        raise _Forged(f"arrays is not a list of at most {MAX_ARRAYS} entries")
    found, total = [], 0
    for item in value:
        if type(item) is not dict or set(item) != {"name", "shape"}:
            raise _Forged("an array is not a dict of name and shape")
        shape = item["shape"]
        if not (
            type(shape) is list
            and len(shape) in (1, 2)
            and all(_small_int(n, 1, MAX_ARRAY) for n in shape)
            and math.prod(shape) <= MAX_ARRAY
        ):
            raise _Forged("an array's shape is not 1-D or 2-D within the limits")
        total += math.prod(shape)
        found.append({"name": _text(item["name"], "an array's name"), "shape": list(shape)})
    if total > MAX_VALUES:
        raise _Forged(f"the arrays hold over {MAX_VALUES} values")
    return found


def _scalars(value: object) -> dict[str, float]:
    if type(value) is not dict or len(value) > MAX_SCALARS:
        raise _Forged(f"scalars is not a dict of at most {MAX_SCALARS} entries")
    found = {}
    for name, number in value.items():
        if type(number) not in (int, float) or not math.isfinite(number):
            raise _Forged("a scalar is not a finite number")
        found[_text(name, "a scalar's name")] = float(number)
    return found


def _hints(value: object) -> list[list[int]]:
    if type(value) is not list or len(value) > MAX_HINTS:
        raise _Forged(f"hints is not a list of at most {MAX_HINTS} entries")
    for sizes in value:
        if not (
            type(sizes) is list
            and 2 <= len(sizes) <= 10
            and all(_small_int(s, 1, MAX_LAYER) for s in sizes)
        ):
            raise _Forged("a hinted layer-size list is not a short list of small positive ints")
        if mb.n_params(sizes) > MAX_PARAMS:  # the oracle would allocate arrays of that size
            raise _Forged(f"hinted layer sizes imply over {MAX_PARAMS} parameters")
    return [list(sizes) for sizes in value]


def _cells(value: object) -> list[dict[str, Any]]:
    """A notebook's failed cells: ``{"cell", "message"}`` and maybe ``missing``, ``full``."""
    if type(value) is not list or len(value) > MAX_CELLS:
        raise _Forged(f"cells is not a list of at most {MAX_CELLS} entries")
    found = []
    for item in value:
        if type(item) is not dict or not {"cell", "message"} <= set(item) <= {
            "cell",
            "message",
            "missing",
            "full",
        }:
            raise _Forged("a failed cell is not a dict of cell and message")
        if not _small_int(item["cell"], 1, 1 << 20):
            raise _Forged("a cell's number is not a positive int")
        cell = {"cell": item["cell"], "message": _text(item["message"], "a message", MAX_TEXT)}
        if "missing" in item:
            cell["missing"] = _text(item["missing"], "a missing file's name")
        if "full" in item:
            if item["full"] is not True:
                raise _Forged("full is not true")
            cell["full"] = True
        found.append(cell)
    return found


def validate_header(raw: bytes, stage: str, ok_payload: int = 0) -> dict[str, Any]:
    """The header of one frame from the worker, checked field by field for type and size.

    Parameters
    ----------
    raw : bytes
        The header's bytes (at most ``MAX_HEADER``).
    stage : str
        ``started`` (the worker's first frame), ``hello`` (after the import)
        or ``reply`` (the answer to a call).
    ok_payload : int
        For a reply: the payload length an ``ok`` answer must announce, as the
        oracle computes it from its own request. Every other frame carries none.

    Returns
    -------
    dict
        A fresh dict holding only known fields, messages cut to ``MAX_TEXT``;
        ``payload`` is the length to read next.

    Raises
    ------
    ValueError
        For anything the worker would not have written; the caller turns it
        into a ``tampering`` finding. No other exception escapes.
    """
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise _Forged("the header is not JSON") from None
    if type(header) is not dict:
        raise _Forged("the header is not a JSON object")
    unknown = set(header) - _KEYS[stage]
    if unknown:
        raise _Forged(f"unexpected field {sorted(unknown)[0][:40]!r}")
    status = header.get("status")
    if type(status) is not str or status not in _STATUSES[stage]:
        raise _Forged(f"unexpected status {str(status)[:40]!r}")
    expected = ok_payload if status == "ok" else 0
    discovered = status == "ready" and (header.get("style") == "closures" or "closures" in header)
    if discovered:
        arrays = _arrays(header.get("arrays", []))
        expected = 8 * sum(math.prod(a["shape"]) for a in arrays)
    if header.get("payload") != expected or type(header.get("payload")) is not int:
        raise _Forged(f"a payload of {str(header.get('payload'))[:20]} bytes, not {expected}")
    clean: dict[str, Any] = {"status": status, "payload": expected}
    if "message" in header:
        if type(header["message"]) is not str:
            raise _Forged("the message is not text")
        clean["message"] = header["message"][:MAX_TEXT]
    if status == "ready":
        if header.get("style") not in _STYLES:
            raise _Forged("the calling style is none of " + ", ".join(_STYLES))
        clean["style"] = header["style"]
        if "depth" in header:
            if header["style"] != "cs231n" or header["depth"] not in ("one", "any"):
                raise _Forged("a depth that is not a CS231n class's one or any")
            clean["depth"] = header["depth"]
        if discovered:  # a notebook's contract function may come with objectives too
            clean["closures"] = _closures(header.get("closures"))
            clean["arrays"] = arrays
            clean["scalars"] = _scalars(header.get("scalars", {}))
            clean["hints"] = _hints(header.get("hints", []))
        elif any(key in header for key in _DISCOVERY):
            raise _Forged("arrays, scalars or hints without the closures they are for")
    elif "style" in header or "depth" in header or any(key in header for key in _DISCOVERY):
        raise _Forged("a style or closures without a function")
    if "cells" in header:
        if stage != "hello":
            raise _Forged("failed cells outside the hello")
        clean["cells"] = _cells(header["cells"])
    if "missing" in header:
        if status != "import-error":
            raise _Forged("a missing file without a failed import")
        clean["missing"] = _text(header["missing"], "a missing file's name")
    if "full" in header:
        if header["full"] is not True or status not in _FULL_STATUSES:
            raise _Forged("full is not true, or comes without an exception")
        clean["full"] = True
    for name in _LISTS:
        if name in header:
            clean[name] = _strings(header[name], name)
    if "mutated" in header:
        mutated = _strings(header["mutated"], "mutated")
        if not set(mutated) <= {"W", "X", "T"} or len(set(mutated)) != len(mutated):
            raise _Forged("mutated names something other than W, X and T")
        clean["mutated"] = mutated
    return clean


# ---------------------------------------------------------------- backends


def _tool(name: str) -> str | None:
    """A system program, from the host's system folders (which the jail also holds)."""
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


def _root_variant() -> bool:
    """True when the grader is root: the jail's user is then mapped to the host's nobody."""
    return os.geteuid() == 0


def _mapped_userns(uid: int, gid: int) -> int:
    """A user namespace for a grader running as root; returns a descriptor of it.

    It maps root and ``uid``/``gid`` to themselves, so that the backend can
    set the jail up as root (it can then read a runtime under ``/root``) and
    the worker runs as the host's ``uid``, for which ``RLIMIT_NPROC`` is
    enforced (it is not for root). No further user namespace can be made in
    it: the worker cannot gain capabilities in a namespace of its own.
    """
    helper = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _USERNS_HOLDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={},
    )
    assert helper.stdin is not None
    assert helper.stdout is not None
    try:
        if helper.stdout.read(1) != b"r":
            raise OSError("could not prepare a user namespace for the jail")
        for name, ident in (("uid_map", uid), ("gid_map", gid)):
            with open(f"/proc/{helper.pid}/{name}", "w") as f:
                f.write(f"0 0 1\n{ident} {ident} 1\n")
        return os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        helper.stdin.close()
        helper.stdout.close()
        helper.wait()


def _bwrap_step(step: Mount, files: dict[str, int]) -> list[str]:
    """One jail step as bubblewrap options."""
    mode = f"{step.mode:04o}"
    if step.op == "bind":
        return ["--ro-bind", step.source, step.dest]
    if step.op == "dev":
        return ["--dev-bind", step.source, step.dest]
    if step.op == "tmpfs":  # bwrap takes no inode count
        return ["--perms", mode, "--size", str(step.size), "--tmpfs", step.dest]
    if step.op == "mask":
        return ["--perms", mode, "--size", str(step.size), "--tmpfs", step.dest,
                "--remount-ro", step.dest]  # fmt: skip
    if step.op == "symlink":
        return ["--symlink", step.source, step.dest]
    if step.op == "dir":
        return ["--perms", mode, "--dir", step.dest]
    if step.op == "file":
        return ["--perms", mode, "--ro-bind-data", str(files[step.dest]), step.dest]
    if step.op == "proc":
        return ["--proc", step.dest]
    return ["--remount-ro", step.dest]


def _setpriv(jail: Jail) -> list[str]:
    """Switch to the jail's user for good: no group, no capability, no new privileges."""
    return [
        _tool("setpriv") or "/usr/bin/setpriv",
        f"--reuid={jail.uid}",
        f"--regid={jail.gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _bwrap_args(jail: Jail, files: dict[str, int], userns: int | None) -> list[str]:
    """bubblewrap's options (passed on a pipe with ``--args``), then ``--`` and the command.

    bwrap takes the command only from its own command line; that part names
    paths inside the jail only.
    """
    common = ["--die-with-parent", "--new-session", "--hostname", jail.hostname, "--clearenv"]
    if userns is None:
        # bwrap makes the user namespace, mapping the jail's user to the grader.
        args = ["--unshare-all", "--unshare-user", "--disable-userns", "--uid", str(jail.uid),
                "--gid", str(jail.gid), "--cap-drop", "ALL", *common]  # fmt: skip
    else:
        # The prepared namespace (see _mapped_userns): bwrap stays root there and
        # setpriv switches to the jail's user; these capabilities are all it keeps.
        args = ["--userns", str(userns), "--unshare-pid", "--unshare-net", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
                *common]  # fmt: skip
    for name, value in jail.env.items():
        args += ["--setenv", name, value]
    for step in jail.mounts:
        args += _bwrap_step(step, files)
    args += ["--chdir", jail.cwd, "--"]
    if userns is not None:
        args += _setpriv(jail)
    return args + list(jail.argv)


def _table(jail: Jail, files: dict[str, int]) -> bytes:
    """The mount table ``_sandbox.sh`` reads: one step a line, fields separated by tabs."""
    lines = []
    for step in jail.mounts:
        # A tab is white space to the shell's read: runs of tabs count as one, so no
        # field may be empty ("-" stands for none).
        source = str(files[step.dest]) if step.op == "file" else step.source or "-"
        fields = (step.op, step.dest, source, str(step.size), str(step.inodes), f"{step.mode:o}")
        lines.append("\t".join(fields) + "\n")
    return "".join(lines).encode()


def _unshare_command(jail: Jail, userns: int | None) -> list[str]:
    """The unshare backend's command line (the mount table comes on descriptor 5)."""
    unshare = shutil.which("unshare") or "unshare"
    namespaces = ["--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup", "--fork",
                  "--kill-child", "--mount-proc"]  # fmt: skip
    script = _SETUP.read_text()
    tail = [jail.hostname, str(jail.uid), str(jail.gid), *jail.argv]
    if userns is None:
        return [unshare, "--user", "--map-root-user", *namespaces, "--",
                "/bin/sh", "-c", script, "jail", "userns", *tail]  # fmt: skip
    nsenter = shutil.which("nsenter") or "nsenter"
    return [nsenter, f"--user=/proc/self/fd/{userns}", "--", unshare, *namespaces, "--",
            "/bin/sh", "-c", script, "jail", "setpriv", *tail]  # fmt: skip


def _launcher(
    command: list[str],
    moves: Sequence[tuple[int, int]],
    limits: Limits | None,
    cgroup: Path | None = None,
) -> list[str]:
    """``command`` wrapped in :data:`_LAUNCHER`: ``moves`` are ``(number in the child, fd)``.

    The parent-death signal follows the thread that started the launcher, so
    a worker must be started from a thread that lives as long as it does.
    """
    rlimits = limits.rlimits() if limits is not None else ()
    return [
        sys.executable,
        "-I",
        "-S",
        "-c",
        _LAUNCHER,
        str(os.getpid()),
        ",".join(f"{target}:{fd}" for target, fd in moves),
        ",".join(f"{which}:{soft}:{hard}" for which, soft, hard in rlimits),
        "" if cgroup is None else str(cgroup / "cgroup.procs"),
        *command,
    ]


_CGROUPS = itertools.count()


def _memory_cgroup(limit: int) -> Path | None:
    """A new memory cgroup below the oracle's own, limited to ``limit`` bytes.

    The address-space limit is per process and sees only mappings; a memory
    cgroup counts everything the jail's processes hold together, in-memory
    files and scratch's tmpfs pages included, and the kernel's OOM killer
    stops the jail at ``limit``. cgroup v1's memory hierarchy or a v2 tree
    with the memory controller delegated; None where neither is writable
    (the grader is not root, or the machine gives no such cgroup), and the
    per-process limits are then all there is.
    """
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    where = [line.split(":", 2) for line in lines if line.count(":") >= 2]
    v1 = [path for _, controllers, path in where if "memory" in controllers.split(",")]
    v2 = [path for number, controllers, path in where if number == "0" and not controllers]
    if v1:
        parent, limit_file = (
            Path("/sys/fs/cgroup/memory") / v1[0].lstrip("/"),
            "memory.limit_in_bytes",
        )
    elif v2:
        parent, limit_file = Path("/sys/fs/cgroup") / v2[0].lstrip("/"), "memory.max"
    else:
        return None
    cgroup = parent / f"backprop-oracle-{os.getpid()}-{next(_CGROUPS)}"
    try:
        cgroup.mkdir()
    except OSError:
        return None
    try:
        (cgroup / limit_file).write_text(str(limit))
    except OSError:
        _remove_cgroup(cgroup)
        return None
    return cgroup


def _remove_cgroup(cgroup: Path) -> None:
    """Remove an emptied cgroup (the kernel may take a moment to empty it)."""
    until = time.monotonic() + 2.0
    while True:
        try:
            cgroup.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > until:
                return
            time.sleep(0.01)


def _pipe_with(data: bytes) -> int:
    """A pipe already holding ``data`` and closed for writing; returns its read end."""
    read, write = os.pipe()
    try:
        if len(data) > 1 << 16:
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, len(data))
        os.write(write, data)
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def _children(pid: int) -> list[int]:
    """The host's processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and fields[1] == str(pid).encode():
            found.append(int(entry))
    return found


@dataclass
class _Running:
    """A started backend and the oracle's ends of its pipes."""

    process: subprocess.Popen[bytes]
    requests: int  # write end of the worker's descriptor 3
    replies: int  # read end of the worker's descriptor 4
    output: int  # read end of the worker's descriptors 1 and 2
    exited: int  # a pidfd of the backend: readable once it has exited
    sandboxed: bool
    cgroup: Path | None = None  # the jail's memory cgroup, removed once it is empty

    def close_fds(self) -> None:
        for fd in (self.requests, self.replies, self.output, self.exited):
            with contextlib.suppress(OSError):
                os.close(fd)


def _backend(
    jail: Jail, backend: str, userns: int | None
) -> tuple[list[str], dict[str, str], list[tuple[int, int]]]:
    """The backend's command, environment and inputs ``(number in the child, open fd)``.

    Descriptor 5 carries bwrap's arguments or the unshare script's mount table,
    6 and on the files copied into the jail, then the prepared user namespace.
    The caller closes the inputs once the backend has started.
    """
    sources = jail.files()
    files = {step.dest: 6 + i for i, step in enumerate(sources)}
    ns_number = 6 + len(sources) if userns is not None else None
    if backend == "bwrap":
        args = _bwrap_args(jail, files, ns_number)
        split = args.index("--")
        data = b"".join(a.encode() + b"\0" for a in args[:split])
        command = [shutil.which("bwrap") or "bwrap", "--args", "5", *args[split:]]
        env: dict[str, str] = {}  # bwrap starts the worker with --clearenv anyway
    else:
        data = _table(jail, files)
        command = _unshare_command(jail, ns_number)
        env = dict(jail.env)
    inputs: list[tuple[int, int]] = []
    try:
        inputs.append((5, _pipe_with(data)))
        for step in sources:
            inputs.append((files[step.dest], os.open(step.source, os.O_RDONLY | os.O_CLOEXEC)))
    except OSError:
        for _, fd in inputs:
            os.close(fd)
        raise
    if userns is not None and ns_number is not None:
        inputs.append((ns_number, os.dup(userns)))
    return command, env, inputs


def _launch(
    command: list[str],
    env: dict[str, str],
    inputs: list[tuple[int, int]],
    limits: Limits,
    cwd: str,
    sandboxed: bool,
    cgroup: Path | None = None,
) -> _Running:
    """Start ``command`` with the protocol's pipes at 3 and 4, output at 1 and 2.

    ``inputs`` are further descriptors for the child, ``(number, fd)``; they are
    closed here whatever happens.
    """
    opened = [fd for _, fd in inputs]
    try:
        req_read, req_write = os.pipe()
        opened += [req_read, req_write]
        rep_read, rep_write = os.pipe()
        opened += [rep_read, rep_write]
        out_read, out_write = os.pipe()
        opened += [out_read, out_write]
        moves = [(REQUESTS, req_read), (REPLIES, rep_write), *inputs]
        process = subprocess.Popen(
            _launcher(command, moves, limits, cgroup),
            stdin=subprocess.DEVNULL,
            stdout=out_write,
            stderr=out_write,
            env=env,
            cwd=cwd,
            start_new_session=True,
            pass_fds=[fd for _, fd in moves],
        )
    except BaseException:
        for fd in opened:
            with contextlib.suppress(OSError):
                os.close(fd)
        raise
    ours = (req_write, rep_read, out_read)
    for fd in opened:
        if fd not in ours:
            os.close(fd)
    for fd in ours:
        os.set_blocking(fd, False)
    exited = os.pidfd_open(process.pid)
    return _Running(process, req_write, rep_read, out_read, exited, sandboxed, cgroup)


def _start_jail(jail: Jail, backend: str, userns: int | None) -> _Running:
    """Start ``jail`` with ``backend``."""
    command, env, inputs = _backend(jail, backend, userns)
    # The whole jail may hold its address-space limit and a full scratch.
    cgroup = _memory_cgroup(jail.limits.memory + jail.limits.scratch_bytes)
    try:
        return _launch(command, env, inputs, jail.limits, "/", sandboxed=True, cgroup=cgroup)
    except BaseException:
        if cgroup is not None:
            _remove_cgroup(cgroup)
        raise


def _probe(backend: str) -> str | None:
    """Run a jail that imports numpy; None when it works, else why not."""
    programs = {"bwrap": ["setpriv"], "unshare": ["unshare", "mount", "pivot_root", "setpriv"]}
    if _root_variant() and backend == "unshare":
        programs["unshare"].append("nsenter")
    missing = [p for p in programs[backend] if _tool(p) is None]
    if backend == "bwrap" and shutil.which("bwrap") is None:
        missing.insert(0, "bwrap")
    if missing:
        return f"{', '.join(missing)} not installed"
    jail = build_jail(_WORKER, _WORKER, "probe")
    code = "import sys; sys.path.append(sys.argv[1]); import numpy"
    jail = replace(jail, argv=(str(interpreter()), "-I", "-S", "-B", "-c", code, "/sandbox/site"))
    userns = None
    try:
        if _root_variant():
            userns = _mapped_userns(jail.uid, jail.gid)
        running = _start_jail(jail, backend, userns)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{backend} could not be started: {exc}"
    finally:
        if userns is not None:
            os.close(userns)
    try:
        try:
            status = running.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait()
            return f"{backend} did not finish within 60 s"
        with contextlib.suppress(OSError):
            said = os.read(running.output, 4096).decode(errors="replace").strip()
    finally:
        running.close_fds()
        if running.cgroup is not None:
            _remove_cgroup(running.cgroup)
    if status != 0:
        last = said.splitlines()[-1] if said else f"exit status {status}"
        return f"{backend} failed: {last}"
    return None


@functools.cache
def sandbox_available(backend: str = "auto") -> str | None:
    """None when the jail can be built here with ``backend``, else why not.

    Parameters
    ----------
    backend : str
        ``bwrap``, ``unshare`` or ``auto`` (either). Probed once per process,
        by starting a jail that imports numpy.
    """
    if backend not in ("auto", *BACKENDS):
        raise ValueError(f"backend: expected auto, {' or '.join(BACKENDS)}, got {backend!r}")
    if sys.platform != "linux":
        return f"namespaces are a Linux feature (this is {sys.platform})"
    if backend == "auto":
        reasons = []
        for name in BACKENDS:
            why = sandbox_available(name)
            if why is None:
                return None
            reasons.append(why)
        return "; ".join(reasons)
    return _probe(backend)


def resolve_backend(backend: str = "auto") -> str | None:
    """The backend ``backend`` stands for here (``auto``: bwrap if usable, else unshare).

    Returns None when it cannot be used (:func:`sandbox_available` says why).
    """
    if sandbox_available(backend) is not None:
        return None
    if backend != "auto":
        return backend
    return next(name for name in BACKENDS if sandbox_available(name) is None)


# ------------------------------------------------------------------ worker


class Worker:
    """One submission running in a jailed worker process, restarted when it dies.

    Parameters
    ----------
    path : Path
        The submission file.
    function : str
        The name of the function to call.
    timeout : float
        Wall-clock limit, in seconds, for the import and for each call.
    memory : int
        Address-space limit of the worker, in bytes.
    allow_autodiff : bool
        Let the submission import jax, torch, tensorflow or autograd (they are
        bound into the jail where installed).
    isolate : bool
        Use the jail when :func:`sandbox_available`; without it the worker is an
        ordinary process (only the limits and the audit hook apply).
    backend : str
        ``auto`` (bwrap if usable, else unshare), ``bwrap`` or ``unshare``.
    deadline : float, optional
        Wall-clock budget, in seconds from construction, for everything this
        worker does (every start and call); it also caps the CPU-time limit.
    scratch_bytes : int
        Size of the jail's ``/scratch``.
    output_limit : int
        How much the submission may print, in bytes, over all its workers.
    processes : int, optional
        Process limit of the jail's user; threads count too. Default 64, or
        ``AUTODIFF_PROCESSES`` with ``allow_autodiff`` (XLA starts a pool of
        threads per core).
    notebook : bool
        ``path`` holds a notebook's code cells (:mod:`backprop_oracle.notebook`),
        run in order, each failure recorded, rather than a module to import.
    data : DataFolder, optional
        The data the submission reads by relative paths from its working folder.
    import_timeout : float, optional
        Wall-clock limit of the import (of running every cell); ``timeout`` by default.
    convention : str
        ``spec`` (SPEC's contract), ``ex4`` or ``cs231n``: how ``function`` is
        called (:mod:`backprop_oracle.conventions`); for ``cs231n`` it names a class.
    """

    def __init__(
        self,
        path: Path,
        function: str,
        timeout: float,
        memory: int,
        allow_autodiff: bool,
        isolate: bool = True,
        *,
        backend: str = "auto",
        deadline: float | None = None,
        scratch_bytes: int = Limits.scratch_bytes,
        output_limit: int = Limits.output_bytes,
        processes: int | None = None,
        notebook: bool = False,
        data: DataFolder | None = None,
        import_timeout: float | None = None,
        convention: str = "spec",
    ) -> None:
        self.path = Path(path).resolve()
        self.convention = convention
        self.notebook = notebook
        self.data = data
        self.import_timeout = timeout if import_timeout is None else import_timeout
        self.function = function
        self.timeout = timeout
        self.memory = memory
        self.allow_autodiff = allow_autodiff
        #: The backend in use, or None when the worker is not jailed.
        self.backend = resolve_backend(backend) if isolate else None
        self.isolated = self.backend is not None
        self.deadline = deadline
        self._deadline_at = math.inf if deadline is None else time.monotonic() + deadline
        self.limits = Limits(
            memory=memory,
            scratch_bytes=scratch_bytes,
            output_bytes=output_limit,
            processes=processes or (AUTODIFF_PROCESSES if allow_autodiff else Limits.processes),
            # XLA keeps files open per compiled program and thread pool.
            open_files=AUTODIFF_OPEN_FILES if allow_autodiff else Limits.open_files,
        )
        self.output_limit = output_limit
        #: A host folder for the worker's files, only when it is not jailed.
        self.scratch: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._running: _Running | None = None
        self._userns: int | None = None
        self.hello: dict[str, Any] = {}
        #: The arrays a hello of one-argument objectives sent, by name.
        self.arrays: dict[str, Array] = {}
        #: Everything the guard refused, over every worker started.
        self.forbidden: list[str] = []
        self.blocked: list[str] = []
        self.patched: list[str] = []
        self.starts = 0
        #: How much the submission printed, over every worker started.
        self.output_bytes = 0
        self._kept = bytearray()

    # -------------------------------------------------------------- lifetime

    def _limits_now(self) -> Limits:
        """The limits for the next start: the CPU time never outlasts the deadline."""
        if self._deadline_at == math.inf:
            return self.limits
        left = max(1, math.ceil(self._deadline_at - time.monotonic()))
        return replace(self.limits, cpu_seconds=min(self.limits.cpu_seconds, left))

    def _launch(self) -> _Running:
        limits = self._limits_now()
        if self.backend is None:
            if self.scratch is None:
                self.scratch = Path(tempfile.mkdtemp(prefix="backprop-oracle-"))
            command = [
                sys.executable,
                "-I",  # ignore PYTHON* variables, the user's site-packages and the current folder
                "-B",  # write no .pyc next to the submission
                str(_WORKER),
                str(self.path),
                self.function,
                str(self.scratch),
                "",  # no site folder: the installed packages are on sys.path already
                "1" if self.allow_autodiff else "0",
                "0",  # no process limit: it would count the grader's own processes
                "notebook" if self.notebook else "module",
                str(self.data.root) if self.data is not None else "",
                self.convention,
            ]
            env = environment(str(self.scratch))
            return _launch(command, env, [], limits, str(self.scratch), sandboxed=False)
        jail = build_jail(
            self.path,
            _WORKER,
            self.function,
            allow_autodiff=self.allow_autodiff,
            limits=limits,
            worker_args=(
                "notebook" if self.notebook else "module",
                DATA if self.data else "",
                self.convention,
            ),
            data=self.data,
        )
        if _root_variant() and self._userns is None:
            self._userns = _mapped_userns(jail.uid, jail.gid)
        return _start_jail(jail, self.backend, self._userns)

    def start(self) -> dict[str, Any]:
        """Start the worker and import the submission; returns the worker's hello."""
        self.close()
        if time.monotonic() >= self._deadline_at:
            raise WorkerDied("timeout", self._deadline_message())
        if self.printed_too_much:  # the limit is over all workers: a new one could print nothing
            raise WorkerDied("crash", self.output_message())
        try:
            self._running = self._launch()
        except (OSError, subprocess.SubprocessError) as exc:
            raise WorkerDied("crash", f"the worker could not be started: {exc}") from None
        self.process = self._running.process
        self.starts += 1
        try:
            self._receive("started", STARTUP_SECONDS)
        except WorkerDied as died:
            if died.kind != "crash":
                raise
            said = self.output(500).strip()
            raise WorkerDied(
                "crash", died.message + (f"; it printed: {said}" if said else "")
            ) from None
        header, payload = self._receive("hello", self.import_timeout)
        self.hello = header
        numbers, start = np.frombuffer(payload, dtype="<f8"), 0
        self.arrays = {}
        for array in header.get("arrays", []):
            size = math.prod(array["shape"])
            values = numbers[start : start + size].reshape(array["shape"]).astype(np.float64)
            self.arrays[array["name"]] = values
            start += size
        return header

    def close(self) -> None:
        """Stop the worker: every process of its jail is gone when this returns."""
        running, self._running, self.process = self._running, None, None
        if running is None:
            return
        process = running.process
        # The jail's PID 1 (bwrap's reaper, or the unshare script's shell):
        # once it is gone, so is every process of the jail's PID namespace.
        pidfds = []
        if running.sandboxed:
            for pid in _children(process.pid):
                with contextlib.suppress(OSError):
                    pidfds.append(os.pidfd_open(pid))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        with selectors.DefaultSelector() as selector:
            for fd in pidfds:
                selector.register(fd, selectors.EVENT_READ)
            until = time.monotonic() + _TEARDOWN_SECONDS
            while selector.get_map() and time.monotonic() < until:
                for key, _ in selector.select(until - time.monotonic()):
                    selector.unregister(key.fd)
        for fd in pidfds:
            os.close(fd)
        self._drain_output(running, check=False)
        running.close_fds()
        if running.cgroup is not None:
            _remove_cgroup(running.cgroup)

    def output(self, limit: int = OUTPUT_QUOTE) -> str:
        """The start of what the submission printed, over all its workers.

        At most ``limit`` characters (and never more than the first 64 KiB
        printed), followed by " [...]" when there was more.
        """
        if self._running is not None:
            self._drain_output(self._running, check=False)
        text = self._kept.decode(errors="replace")
        cut = len(text) > limit or self.output_bytes > len(self._kept)
        return text[:limit] + " [...]" if cut else text

    def cleanup(self) -> None:
        """Stop the worker and release what it holds (a host folder only when not jailed)."""
        self.close()
        if self._userns is not None:
            os.close(self._userns)
            self._userns = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # -------------------------------------------------------------- protocol

    def _deadline_message(self) -> str:
        return f"the file's deadline of {self.deadline:g} s has passed"

    @property
    def printed_too_much(self) -> bool:
        """Whether the submission has printed past :attr:`output_limit` (over all its
        workers): every further call is stopped at once, so nothing more can be judged."""
        return self.output_bytes > self.output_limit

    def output_message(self) -> str:
        """What a ``crash`` finding says once the submission printed past the limit."""
        mib = self.output_limit / (1 << 20)
        return (
            f"your file printed more than {mib:g} MiB, the most a submission may print; "
            "it was stopped there (print less: remove or shorten its debugging output)"
        )

    def files_message(self) -> str:
        """What a finding says once a write failed because the submission's files were full
        (``RLIMIT_FSIZE`` per file, and the scratch folder's size in all)."""
        mib = self.limits.scratch_bytes / (1 << 20)
        return (
            f"your file wrote more than {mib:g} MiB into files, the most a submission may "
            "write; its writes failed from there on (write less: remove or shorten its "
            "debugging output)"
        )

    def _drain_output(self, running: _Running, check: bool = True) -> bool:
        """Read what the worker printed so far, never blocking; False at end of output."""
        while True:
            try:
                chunk = os.read(running.output, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            room = OUTPUT_KEEP - len(self._kept)
            if room > 0:
                self._kept += chunk[:room]
            self.output_bytes += len(chunk)
            if check and self.printed_too_much:
                self.close()
                raise WorkerDied("crash", self.output_message())

    def _wait(self, running: _Running, fd: int, event: int, until: float, wait: float) -> None:
        """Wait until ``fd`` is ready, draining output; raises when the worker is gone."""
        exited_at: float | None = None
        with selectors.DefaultSelector() as selector:
            selector.register(fd, event)
            selector.register(running.output, selectors.EVENT_READ)
            selector.register(running.exited, selectors.EVENT_READ)
            while True:
                now = time.monotonic()
                if exited_at is not None and now >= exited_at + _GRACE_SECONDS:
                    raise WorkerDied("crash", self._death())
                if now >= until:
                    self.close()
                    if until >= self._deadline_at:
                        raise WorkerDied("timeout", self._deadline_message())
                    raise WorkerDied("timeout", f"no answer within {wait:g} s")
                limit = until if exited_at is None else min(until, exited_at + _GRACE_SECONDS)
                for key, _ in selector.select(max(0.0, limit - now)):
                    if key.fd == fd:
                        return
                    if key.fd == running.output and not self._drain_output(running):
                        selector.unregister(running.output)
                    if key.fd == running.exited:
                        # Its last answer may still be on its way: read on a little.
                        selector.unregister(running.exited)
                        exited_at = time.monotonic()

    def _read(self, n: int, until: float, wait: float) -> bytes:
        """Exactly ``n`` bytes from the worker's answers before ``until``."""
        running = self._running
        assert running is not None
        chunks: list[bytes] = []
        remaining = n
        while remaining:
            try:
                chunk = os.read(running.replies, min(remaining, 1 << 20))
            except BlockingIOError:
                self._wait(running, running.replies, selectors.EVENT_READ, until, wait)
                continue
            if not chunk:
                raise WorkerDied("crash", self._death())
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _send(self, data: bytes, until: float) -> None:
        """Write a request, draining output meanwhile (the worker may be printing)."""
        running = self._running
        assert running is not None
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(running.requests, view) :]
            except BlockingIOError:
                self._wait(running, running.requests, selectors.EVENT_WRITE, until, self.timeout)
            except OSError:  # the worker is gone
                raise WorkerDied("crash", self._death()) from None

    def _death(self) -> str:
        """Why the worker's answers ended (the worker is closed)."""
        running = self._running
        assert running is not None
        try:
            code = running.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        if code is None:
            return "the worker closed its answers but did not exit"
        number = -code if code < 0 else code - 128 if running.sandboxed and code > 128 else 0
        if number in signal.valid_signals():
            name = signal.Signals(number).name
            why = " (its CPU-time limit)" if number == signal.SIGXCPU else ""
            return f"the worker process was killed by {name}{why}"
        return f"the worker process exited with status {code} in the middle of a call"

    def _receive(
        self, stage: str, timeout: float, ok_payload: int = 0
    ) -> tuple[dict[str, Any], bytes]:
        """One validated frame; anything forged or garbled is ``tampering``."""
        until = min(time.monotonic() + timeout, self._deadline_at)
        length = int.from_bytes(self._read(8, until, timeout), "little")
        if length > MAX_HEADER:
            self.close()
            raise WorkerDied("tampering", "the worker's answer was garbled (over-long header)")
        try:
            header = validate_header(self._read(length, until, timeout), stage, ok_payload)
        except ValueError as exc:
            self.close()
            raise WorkerDied(
                "tampering", f"the worker's answer was forged or garbled ({exc})"
            ) from None
        payload = self._read(header.pop("payload"), until, timeout)
        for key, store in (
            ("forbidden", self.forbidden),
            ("blocked", self.blocked),
            ("patched", self.patched),
        ):
            for item in header.get(key, []):
                if item not in store:
                    store.append(item)
        return header, payload

    def call(
        self,
        W: Array,
        X: Array,
        T: Array,
        layer_sizes: list[int],
        lam: float,
        function: str | None = None,
    ) -> Reply:
        """Call the submission once (``function``: which of its one-argument objectives);
        a dead worker is restarted first."""
        if self._running is None or self._running.process.poll() is not None:
            hello = self.start()
            if hello.get("status") != "ready":
                raise WorkerDied("crash", f"the submission could not be loaded again: {hello}")
        header = {
            "n": int(W.size),
            "x_shape": list(X.shape),
            "t_shape": list(T.shape),
            "layer_sizes": [int(n) for n in layer_sizes],
            "lam": float(lam),
        }
        if function is not None:
            header["function"] = function
        payload = b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in (W, X, T))
        until = min(time.monotonic() + self.timeout, self._deadline_at)
        self._send(encode_frame(header, payload), until)
        reply, data = self._receive("reply", self.timeout, ok_payload=8 * (W.size + 1))
        status = reply["status"]
        result = Reply(
            status,
            reply,
            message=reply.get("message", ""),
            mutated=reply.get("mutated", []),
            full=reply.get("full", False),
        )
        if status == "ok":
            numbers = np.frombuffer(data, dtype="<f8")
            result.loss, result.grad = float(numbers[0]), numbers[1:].astype(np.float64)
        return result
