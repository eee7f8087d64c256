"""The red-team corpus (``tests/attack_corpus``): hostile submissions through the real command.

Every attack is a plain submission file whose docstring says what it tries
and when it counts as held. Each is run by ``python -m backprop_oracle check``
in a subprocess, from a fresh working folder, with a wall-clock limit, and the
outcome is asserted from outside:

- **no pass**: the attack's verdict is never ``pass``, and the command says so
  in its exit status;
- **nothing read**: fresh canaries (a root-only file, a world-readable file, a
  classmate's file, a token in the oracle's environment, a key in its session
  keyring) appear nowhere in the standard output, standard error, JSON or
  reports, and neither does ``ATTACK-SUCCEEDED``, which an attack prints when
  it got what it was after;
- **nothing written or reached**: no file named with the run's marker exists
  anywhere the attack aimed at, the canary sockets accepted no connection and
  the canary terminal received nothing, the oracle's temporary folder is empty;
- **nothing left running**: a few seconds after the command ends, no process
  of the host carries the run's process name or names its files;
- **the oracle unharmed**: no traceback, and its peak memory stays small;
- **a verdict for every file**: the command ends normally, with one result per
  file, also in a batch with an honest file beside the hostile one.

Files whose docstring calls them a template hold ``"@@NAME@@"`` strings; the
canaries replace them (:meth:`Canaries.fill`) with paths made for the test.
Every run writes ``--reports``, so a JSON run is checked in both forms of the
report; every lone attack is also run in the text format on standard output.

The tests need the namespaces: they skip, saying why, where
:func:`backprop_oracle.sandbox.sandbox_available` finds no backend. The attacks
that would pass without the sandbox are also run with ``--no-sandbox``, to show
that they are live (they read only the project's sources and a classmate's file).
"""

import contextlib
import importlib.util
import json
import os
import pty
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pytest

import backprop_oracle
from backprop_oracle.sandbox import BACKENDS, sandbox_available

CORPUS = Path(__file__).with_name("attack_corpus")
#: The project's checkout: none of its paths may reach a report.
PROJECT = Path(backprop_oracle.__file__).resolve().parents[1]
COMMAND = (sys.executable, "-m", "backprop_oracle", "check")
VERDICTS = frozenset({"pass", "fail", "consistent", "error"})
#: What an attack prints when it got what it was after.
SUCCESS = "ATTACK-SUCCEEDED"
#: The environment variable that carries a canary token to the oracle.
CANARY_VARIABLE = "BACKPROP_ATTACK_CANARY"
#: The memory limit of every run, in MiB; the shared-memory attacks try to hold
#: three times as much.
MEMORY_MIB = 512
#: The search is not what these attacks are about: few examples, and a fixed seed.
# The oracle asks for min(--examples, 50) examples before a pass, so a file
# that stole a correct answer would still pass on these 10.
QUICK = ("--examples", "10", "--seed", "1", "--timeout", "10", "--memory", str(MEMORY_MIB))
#: Limit for one command of these tests (one file, or a batch of two).
COMMAND_SECONDS = 300.0
#: Address-space limit of the oracle's own process in these tests: an attack on its
#: memory must not take the test machine down with it (one did: 23 GB, then the
#: kernel's OOM killer). Its workers have their own, lower limit (--memory).
ORACLE_ADDRESS_SPACE = 4 << 30
#: The oracle's peak resident memory, its workers' included (each capped at
#: MEMORY_MIB), must stay below this: no data from a submission may blow it up.
ORACLE_PEAK_MEMORY = 1 << 30
#: How long after the command ends a process of the attack may still be seen.
SETTLE_SECONDS = 5.0
#: Per-file deadline for the slow files, and the margin the command may take over it.
FILE_TIMEOUT = 20.0
DEADLINE_MARGIN = 25.0
#: How much free space the disk-filling attack may cost the host (others use it too).
FREE_SPACE_SLACK = 256 << 20
#: Characters that must never reach a text report raw: C0 controls but newline
#: and tab, DEL, C1 controls, line and paragraph separators, bidirectional marks.
RAW_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)

# ------------------------------------------------------------------ groups

#: Attacks checked alone, with the same assertions; each in both backends.
ALONE = (
    "disarm_guard_gc_jax.py",
    "importlib_bypass_project.py",
    "reference_via_sys_path.py",
    "reference_via_metadata.py",
    "reference_via_editable_finder.py",
    "reference_via_proc.py",
    "reference_at_known_paths.py",
    "reference_copied_to_scratch.py",
    "classmate_answer.py",
    "read_root_only_file.py",
    "read_grader_environment.py",
    "read_session_keyring.py",
    "connect_unix_socket.py",
    "write_to_terminal.py",
    "write_outside.py",
    "survive_setsid.py",
    "survive_double_fork.py",
    "fork_bomb.py",
    "shm_mmap_shared.py",
    "shm_memfd.py",
    "shm_memfd_many.py",
    "shm_sysv.py",
    "memory_many_processes.py",
    "fake_report_output.py",
    "output_flood.py",
    "control_chars_output.py",
    "control_chars_exception.py",
    "control_chars_names.py",
)
#: Attacks on the oracle's own process, each checked in a batch before an honest file.
BEFORE_AN_HONEST_FILE = (
    "forge_hint_text.py",
    "forge_hint_huge.py",
    "forge_payload_length.py",
    "forge_header_length.py",
    "forge_deep_json.py",
    "forge_fd_sweep.py",
    "scratch_fifo_output.py",
    "scratch_symlink_output.py",
    "closure_huge_layer_sizes.py",
)
CONTROL_CHARACTERS = ("control_chars_output.py", "control_chars_exception.py",
                      "control_chars_names.py")  # fmt: skip
CLOSURES = ("closure_square.py", "closure_square_no_hint.py")
#: Attacks that pass without the sandbox: run with --no-sandbox to show they are live.
LIVE_WITHOUT_SANDBOX = ("importlib_bypass_project.py", "classmate_answer.py",
                        "disarm_guard_gc_jax.py")  # fmt: skip
#: Attacks on the reference and the classmates, again with --allow-autodiff.
ALLOWED_AUTODIFF = ("importlib_bypass_project.py", "reference_via_editable_finder.py",
                    "reference_at_known_paths.py", "classmate_answer.py")  # fmt: skip
HONEST = "honest_correct.py"


@pytest.fixture(scope="module", autouse=True)
def namespaces():
    """Skip the whole module where no sandbox backend can run."""
    why = sandbox_available()
    if why is not None:
        pytest.skip(f"the namespaces cannot run here, so the jail cannot be tested: {why}")


def _backend(name: str) -> str:
    why = sandbox_available(name)
    if why is not None:
        pytest.skip(f"the {name} backend cannot run here: {why}")
    return name


# ---------------------------------------------------------------- canaries


@dataclass
class Canaries:
    """Fresh things an attack must not read, reach, write or leave behind, for one test.

    Everything lives in a new folder of the host's temporary folder (mode 755,
    so that only the jail keeps the worker out of it): a root-only secret and
    a world-readable note, the submissions' folder, the oracle's working and
    temporary folders, a listening Unix socket; also an abstract Unix socket,
    a loopback TCP port, a pseudo-terminal, a token in the oracle's
    environment and one in its session keyring (see :func:`_prepare`). ``uid``
    names this test's files, processes and marker.
    """

    base: Path
    uid: str = field(default_factory=lambda: secrets.token_hex(6))
    listeners: list[socket.socket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.token = "secret-" + secrets.token_hex(16)
        self.notes_token = "notes-" + secrets.token_hex(16)
        self.env_token = "environ-" + secrets.token_hex(16)
        self.neighbour_token = "neighbour-" + secrets.token_hex(16)
        self.keyring_token = "keyring-" + secrets.token_hex(16)
        self.name = "bpo" + self.uid  # a process name: at most 15 characters
        self.marker = "bpo-attack-" + self.uid
        self.secret = self.base / "grader-secret.txt"
        self.secret.write_text(self.token + "\n")
        self.secret.chmod(0o600)
        self.notes = self.base / "grader-notes.txt"
        self.notes.write_text(self.notes_token + "\n")
        self.notes.chmod(0o644)
        self.submissions = self.base / "class" / "week6"
        self.submissions.mkdir(parents=True)
        self.workdir = self.base / "work"
        self.host_tmp = self.base / "tmp"
        for folder in (self.workdir, self.host_tmp):
            folder.mkdir()
        for folder in (self.base, self.base / "class", self.submissions):
            folder.chmod(0o755)
        self.socket_path = self.base / "sockets" / "grader.sock"
        self.socket_path.parent.mkdir()
        self.socket_path.parent.chmod(0o777)
        self.abstract = "bpo-attack-abstract-" + self.uid
        self._listen(socket.AF_UNIX, str(self.socket_path))
        self.socket_path.chmod(0o777)
        self._listen(socket.AF_UNIX, "\0" + self.abstract)
        self.port = self._listen(socket.AF_INET, ("127.0.0.1", 0))[1]
        self.pty_master, self.pty_slave = pty.openpty()
        os.set_blocking(self.pty_master, False)
        self.pty_path = os.ttyname(self.pty_slave)
        self.pty_rdev = os.stat(self.pty_path).st_rdev
        os.chmod(self.pty_path, 0o666)
        self.free_before = _free_space()

    def _listen(self, family: int, address: object) -> tuple:
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen(8)
        listener.setblocking(False)
        self.listeners.append(listener)
        return listener.getsockname()

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()
        for fd in (self.pty_master, self.pty_slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    # ------------------------------------------------------------ the files

    def write_targets(self) -> list[Path]:
        """Host folders the writing attacks aim at (and where a marker is looked for)."""
        targets = [self.submissions, self.submissions.parent, self.base, self.workdir,
                   self.host_tmp, Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp"),
                   Path("/dev/shm"), Path.home(), Path(np.__file__).parent,
                   Path(backprop_oracle.__file__).parent, PROJECT]  # fmt: skip
        for name in ("manual_backprop", "jax_reference"):
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin is not None:
                targets.append(Path(spec.origin).parent)
        targets.append(Path(np.__file__).parents[1])  # site-packages
        return [t for t in dict.fromkeys(targets) if t.is_dir()]

    def fill(self, text: str) -> str:
        """A template's text with this test's canaries in place of its ``@@NAME@@`` strings."""
        values = {
            "SECRET": str(self.secret),
            "NOTES": str(self.notes),
            "SOCKET": str(self.socket_path),
            "ABSTRACT": self.abstract,
            "PORT": str(self.port),
            "PTY": self.pty_path,
            "PTY_RDEV": str(self.pty_rdev),
            "NAME": self.name,
            "MARKER": self.marker,
            "HOST_TMP": str(self.host_tmp),
            "TARGETS": os.pathsep.join(str(t) for t in self.write_targets()),
        }
        for key, value in values.items():
            text = text.replace(f'"@@{key}@@"', json.dumps(value))
        left = re.findall(r'"@@[A-Z_]+@@"', text)
        assert not left, f"placeholders without a canary: {left}"
        return text

    def submit(self, corpus_name: str, as_name: str | None = None) -> Path:
        """A copy of a corpus file (canaries filled in) in the submissions' folder.

        Its name carries ``uid``, so that its processes can be found on the host.
        """
        stem = Path(corpus_name).stem
        path = self.submissions / (as_name or f"{stem}-{self.uid}.py")
        path.write_text(self.fill((CORPUS / corpus_name).read_text()))
        path.chmod(0o644)
        return path

    def neighbours(self) -> list[Path]:
        """Two classmates' correct files, each with a token: beside the attack and one folder up."""
        text = (CORPUS / HONEST).read_text()
        paths = []
        for folder in (self.submissions, self.submissions.parent):
            path = folder / f"classmate-{len(paths)}-{self.uid}.py"
            path.write_text(f'"""{self.neighbour_token}"""\n' + text)
            path.chmod(0o644)
            paths.append(path)
        return paths

    # ------------------------------------------------------------ the checks

    def secrets_in(self, text: str) -> list[str]:
        """Which canary tokens, or the attacks' success word, ``text`` holds."""
        tokens = (self.token, self.notes_token, self.env_token, self.keyring_token)
        found = [t for t in tokens if t in text]
        if self.neighbour_token in text:
            found.append(self.neighbour_token)
        if SUCCESS in text:
            found.append(SUCCESS)
        return found

    def reached(self) -> list[str]:
        """What an attack reached or changed on the host; empty when nothing."""
        problems = []
        for listener in self.listeners:
            try:
                connection, _ = listener.accept()
            except BlockingIOError:
                continue
            said = b""
            with connection:
                connection.settimeout(1)
                with contextlib.suppress(OSError):
                    said = connection.recv(200)
            problems.append(f"{listener.getsockname()!r} accepted a connection: {said!r}")
        with contextlib.suppress(BlockingIOError, OSError):
            received = os.read(self.pty_master, 4096)
            if received:
                problems.append(f"the terminal {self.pty_path} received {received!r}")
        for target in self.write_targets():
            with contextlib.suppress(OSError):
                for entry in os.listdir(target):
                    if self.marker in entry:
                        problems.append(f"{target / entry} was written")
                        _remove(target / entry)
        for path in self.base.rglob(f"*{self.marker}*"):
            problems.append(f"{path} was written")
            _remove(path)
        left = sorted(os.listdir(self.host_tmp))
        if left:
            problems.append(f"the oracle's temporary folder holds {left}")
        return problems


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _free_space() -> dict[str, int]:
    """Free bytes of the host's temporary folder and shared memory."""
    return {p: shutil.disk_usage(p).free for p in ("/tmp", "/dev/shm") if os.path.isdir(p)}


@pytest.fixture
def canaries() -> Iterator[Canaries]:
    base = Path(tempfile.mkdtemp(prefix="bpo-attack-"))
    base.chmod(0o755)
    made = Canaries(base)
    try:
        yield made
    finally:
        made.close()
        for pid in _processes_of(made):  # only what this test's attack started
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)


# ----------------------------------------------------------------- processes


def _process_table() -> Iterator[tuple[int, str, bytes, int, int]]:
    """``(pid, name, command line, parent, start time)`` of every process of the host."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        name = stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode(errors="replace")
        fields = stat[stat.rindex(b")") + 2 :].split()
        yield int(entry), name, cmdline, int(fields[1]), int(fields[19])


def _processes_of(canaries: Canaries) -> list[int]:
    """Processes named like this test's attacks, or running one of its files."""
    uid = canaries.uid.encode()
    return [
        pid
        for pid, name, cmdline, _, _ in _process_table()
        if name == canaries.name or uid in cmdline
    ]


def _descendants(root: int) -> set[tuple[int, int]]:
    """``(pid, start time)`` of every process below ``root``."""
    table = {pid: (parent, start) for pid, _, _, parent, start in _process_table()}
    seen = {root}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - seen
        seen |= frontier
    return {(pid, table[pid][1]) for pid in seen - {root}}


def _still_alive(processes: set[tuple[int, int]]) -> list[str]:
    """Those of ``processes`` still running (same pid and start time), described."""
    table = {pid: (name, start) for pid, name, _, _, start in _process_table()}
    return [
        f"{pid} ({table[pid][0]})"
        for pid, start in processes
        if pid in table and table[pid][1] == start
    ]


def _left_running(canaries: Canaries, seconds: float = SETTLE_SECONDS) -> list[str]:
    """This test's attack processes still on the host after ``seconds``, described."""
    until = time.monotonic() + seconds
    while True:
        pids = _processes_of(canaries)
        if not pids or time.monotonic() >= until:
            break
        time.sleep(0.2)
    described = []
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read().replace(b"\0", b" ")[:200].decode(errors="replace")
            described.append(f"{pid}: {command}")
    return described


# ----------------------------------------------------------------- the command


@dataclass
class Run:
    """One finished command: its exit status, outputs, and the reports it wrote."""

    status: int
    stdout: str
    stderr: str
    seconds: float
    reports: dict[str, str]
    #: Peak resident memory of the oracle (or of the largest process it waited for), bytes.
    peak_memory: int

    @property
    def document(self) -> dict:
        return json.loads(self.stdout)  # exactly one JSON document, nothing around it

    def texts(self) -> list[str]:
        return [self.stdout, self.stderr, *self.reports.values()]

    def output_of(self, index: int) -> str:
        return str(self.document["results"][index].get("submission_output", ""))


def _environment(canaries: Canaries, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TMPDIR": str(canaries.host_tmp), CANARY_VARIABLE: canaries.env_token})
    env.update(extra)
    return env


# Run in a fresh interpreter that then executes the oracle: Python code between fork
# and exec (``preexec_fn``) in this test process, where JAX's threads may already run,
# could deadlock, and JAX's fork warning would fail the test.
_PREPARE = """
import ctypes, os, resource, sys
address_space, key, argv = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), sys.argv[3:]
if address_space:
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
if sys.platform == "linux" and os.uname().machine == "x86_64":
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(250, 1, None) < 0:  # keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)
        os._exit(121)
    ring = ctypes.c_long(-3)  # KEY_SPEC_SESSION_KEYRING
    if libc.syscall(248, b"user", b"bpo-attack-canary", key, ctypes.c_size_t(len(key)), ring) < 0:
        os._exit(122)  # add_key failed
os.execv(argv[0], argv)
"""


def _prepare(address_space: int | None, key: bytes) -> list[str]:
    """What runs the oracle's command: the address-space limit, and a new session keyring
    of its own holding the canary key (never the host's session keyring)."""
    return [sys.executable, "-I", "-S", "-c", _PREPARE, str(address_space or 0), key.hex()]


def oracle(
    canaries: Canaries,
    files: Sequence[Path],
    *options: str,
    as_json: bool = True,
    env: dict[str, str] | None = None,
    address_space: int | None = ORACLE_ADDRESS_SPACE,
) -> Run:
    """``backprop-oracle check FILES OPTIONS`` from the working folder, with reports.

    Its outputs go to files (nothing it prints can block it); its peak memory,
    and that of every process it waited for, comes from ``wait4``. The oracle
    runs under ``address_space`` (``RLIMIT_AS``), None for no limit.
    """
    reports = canaries.workdir / f"reports-{secrets.token_hex(4)}"
    argv = [*COMMAND, *map(str, files), *options, "--reports", str(reports)]
    if as_json:
        argv.append("--json")
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [*_prepare(address_space, canaries.keyring_token.encode()), *argv],
            cwd=canaries.workdir,
            env=env or _environment(canaries),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() - started > COMMAND_SECONDS:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                err.seek(0)
                pytest.fail(
                    f"the command did not end within {COMMAND_SECONDS:g} s: {argv}\n"
                    f"stderr: {err.read().decode(errors='replace')[-2000:]}"
                )
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    written = {}
    if reports.is_dir():
        written = {p.name: p.read_text(errors="replace") for p in sorted(reports.iterdir())}
    return Run(
        process.returncode,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
        time.monotonic() - started,
        written,
        usage.ru_maxrss << 10,
    )


def assert_held(run: Run, canaries: Canaries, files: Sequence[Path], hostile: Sequence[int]):
    """The common outcome: a verdict for every file, no pass, nothing read, reached or left.

    ``hostile`` are the indices in ``files`` of the attacks (the others are honest).
    Returns the JSON results.
    """
    assert run.status in (0, 1), f"exit status {run.status}; stderr:\n{run.stderr[-3000:]}"
    results = run.document["results"]
    assert len(results) == len(files), results
    assert [r["verdict"] in VERDICTS for r in results] == [True] * len(files), results
    for i in hostile:
        result = results[i]
        assert result["verdict"] != "pass", (
            f"{files[i].name} passed: {json.dumps(result, indent=1)[:3000]}"
        )
    _assert_clean(run, canaries, len(files), [run.output_of(i)[:1500] for i in hostile])
    return results


def assert_held_in_text(run: Run, canaries: Canaries) -> None:
    """The same for one hostile file checked in the text format: its report's first line
    (after a banner, if any) gives a verdict other than PASS."""
    assert run.status in (0, 1), f"exit status {run.status}; stderr:\n{run.stderr[-3000:]}"
    lines = [line for line in run.stdout.splitlines() if not line.startswith("!!")]
    verdict = lines[0].split()[0] if lines and lines[0].split() else ""
    assert verdict in {v.upper() for v in VERDICTS} - {"PASS"}, run.stdout[:3000]
    _assert_clean(run, canaries, 1, [run.stdout[-1500:]])


def _assert_clean(run: Run, canaries: Canaries, files: int, outputs: list[str]) -> None:
    """No traceback, a report per file, a failing status, nothing read, reached, left running,
    and the oracle's memory unharmed. ``outputs`` are quoted when something leaked."""
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert len(run.reports) == files, sorted(run.reports)
    assert run.status == 1, "a hostile file did not fail the command"
    leaked = {found for text in run.texts() for found in canaries.secrets_in(text)}
    assert not leaked, f"read and reported: {sorted(leaked)}; the attack printed: {outputs}"
    peak = run.peak_memory / (1 << 20)
    assert run.peak_memory < ORACLE_PEAK_MEMORY, f"the oracle's peak memory was {peak:.0f} MiB"
    paths = [text for text in run.texts() if str(PROJECT) in text]
    assert not paths, f"a path of the grader's checkout ({PROJECT}) reached a report"
    reached = canaries.reached()
    assert not reached, f"reached or written: {reached}; the attack printed: {outputs}"
    running = _left_running(canaries)
    assert not running, f"still running {SETTLE_SECONDS:g} s after the command: {running}"


# ------------------------------------------------------------------- attacks


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("attack", ALONE)
def test_attack_held(attack, backend, canaries):
    """Each attack alone, in each backend: no pass, nothing read, written, reached or left."""
    files = [canaries.submit(attack)]
    if attack == "classmate_answer.py":
        canaries.neighbours()
    run = oracle(canaries, files, *QUICK, "--sandbox", _backend(backend))
    (result,) = assert_held(run, canaries, files, hostile=[0])
    assert result["sandbox"] == backend


@pytest.mark.parametrize("attack", ALONE)
def test_attack_held_in_text(attack, canaries):
    """Each attack alone again, the report in the text format on standard output."""
    files = [canaries.submit(attack)]
    if attack == "classmate_answer.py":
        canaries.neighbours()
    assert_held_in_text(oracle(canaries, files, *QUICK, as_json=False), canaries)


@pytest.mark.parametrize("attack", ALLOWED_AUTODIFF)
def test_attack_held_with_autodiff_allowed(attack, canaries):
    """``--allow-autodiff`` binds the autodiff libraries, and still nothing of the project's."""
    files = [canaries.submit(attack)]
    if attack == "classmate_answer.py":
        canaries.neighbours()
    run = oracle(canaries, files, *QUICK, "--allow-autodiff", "--memory", "4096")
    assert_held(run, canaries, files, hostile=[0])


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_submission_linked_to_a_secret(link, canaries):
    """A submission that is a link to the root-only canary (a symlink, as an unpacked archive
    can hold): the grader's own reading of the file must not carry it into a report."""
    linked = canaries.submissions / f"linked-{canaries.uid}.py"
    if link == "symlink":
        linked.symlink_to(canaries.secret)
    else:
        os.link(canaries.secret, linked)
    shadow = canaries.submissions / f"shadow-{canaries.uid}.py"
    shadow.symlink_to("/etc/shadow")
    files = [linked, shadow, canaries.submit(HONEST)]
    run = oracle(canaries, files, *QUICK, "--jobs", "1")
    results = assert_held(run, canaries, files, hostile=[0, 1])
    assert results[2]["verdict"] == "pass", results[2]
    _assert_no_shadow_line(run)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_classmate_in_the_same_batch(jobs, canaries):
    """The classmate-taking file and the classmates' own files checked in one batch."""
    attack = canaries.submit("classmate_answer.py")
    neighbours = canaries.neighbours()
    files = [attack, *neighbours]
    run = oracle(canaries, files, *QUICK, "--jobs", jobs)
    results = assert_held(run, canaries, files, hostile=[0])
    assert [r["verdict"] for r in results[1:]] == ["pass", "pass"], results[1:]


def test_no_channel_between_jails(canaries):
    """Two files checked at once (``--jobs 2``): the one offering its answer reaches the other by
    no socket, shared memory or file."""
    files = [canaries.submit("collude_sender.py"), canaries.submit("collude_receiver.py")]
    run = oracle(canaries, files, *QUICK, "--jobs", "2")
    results = assert_held(run, canaries, files, hostile=[1])
    assert results[0]["verdict"] != "error", results[0]


@pytest.mark.parametrize("attack", BEFORE_AN_HONEST_FILE)
def test_oracle_survives_and_judges_the_next_file(attack, canaries):
    """Forged frames, a FIFO or symlinks in scratch: the batch goes on to the honest file."""
    files = [canaries.submit(attack), canaries.submit(HONEST)]
    run = oracle(canaries, files, *QUICK, "--jobs", "1")
    results = assert_held(run, canaries, files, hostile=[0])
    assert results[1]["verdict"] == "pass", results[1]
    _assert_no_shadow_line(run)


def _assert_no_shadow_line(run: Run) -> None:
    """No line of the host's ``/etc/shadow`` (when the tests can read it) in any output."""
    try:
        lines = [line for line in Path("/etc/shadow").read_text().splitlines() if line.strip()]
    except OSError:
        return
    quoted = [line for line in lines for text in run.texts() if line in text]
    assert not quoted, f"{len(quoted)} line(s) of /etc/shadow reached the output"


@pytest.mark.parametrize("backend", BACKENDS)
def test_fill_disk_costs_the_host_nothing(backend, canaries):
    """Scratch has a size, and nothing outside it can be written: the host's free space stays."""
    files = [canaries.submit("fill_disk.py")]
    run = oracle(canaries, files, *QUICK, "--sandbox", _backend(backend))
    assert_held(run, canaries, files, hostile=[0])
    after = _free_space()
    lost = {p: canaries.free_before[p] - after[p] for p in after}
    assert all(n < FREE_SPACE_SLACK for n in lost.values()), f"free space lost: {lost}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_oracle_leaves_nothing(backend, canaries):
    """SIGKILL to the oracle mid-check: the loose child, the jail and every helper die too."""
    files = [canaries.submit("survive_oracle_kill.py")]
    _killed_mid_check(canaries, files, "--jobs", "1", "--sandbox", _backend(backend))


def test_killed_oracle_with_a_pool_leaves_nothing(canaries):
    """The same with ``--jobs 2``: the pool's processes die with the oracle."""
    files = [canaries.submit("survive_oracle_kill.py"), canaries.submit("slow_correct.py")]
    _killed_mid_check(canaries, files, "--jobs", "2")


def _killed_mid_check(canaries: Canaries, files: list[Path], *options: str) -> None:
    argv = [*COMMAND, *map(str, files), *QUICK, *options, "--json"]
    process = subprocess.Popen(
        [*_prepare(ORACLE_ADDRESS_SPACE, canaries.keyring_token.encode()), *argv],
        cwd=canaries.workdir,
        env=_environment(canaries),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        until = time.monotonic() + 120
        while not any(
            name == canaries.name for _, name, _, _, _ in _process_table()
        ) and time.monotonic() < until and process.poll() is None:  # fmt: skip
            time.sleep(0.2)
        assert process.poll() is None, "the check ended before the oracle could be killed"
        assert time.monotonic() < until, "the attack's child never appeared"
        family = _descendants(process.pid)
        assert family, "no process below the oracle's was seen"
        process.kill()
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    time.sleep(SETTLE_SECONDS)
    alive = _still_alive(family)
    running = _left_running(canaries, seconds=0)
    assert not running, f"the attack outlived the killed oracle: {running}"
    assert not alive, f"processes the oracle started outlived it: {alive}"
    left = sorted(os.listdir(canaries.host_tmp))
    assert not left, f"the killed oracle left {left} in its temporary folder"
    assert not canaries.reached()


@pytest.mark.parametrize(
    ("attack", "verdict"), [("slow_correct.py", None), ("slow_wrong.py", "fail")]
)
def test_slow_file_ends_by_its_deadline(attack, verdict, canaries):
    """One deadline per file, every phase included; a search cut short is no pass."""
    files = [canaries.submit(attack)]
    options = ("--seed", "1", "--file-timeout", f"{FILE_TIMEOUT:g}")
    run = oracle(canaries, files, *options)
    (result,) = assert_held(run, canaries, files, hostile=[0])
    assert run.seconds < FILE_TIMEOUT + DEADLINE_MARGIN, f"took {run.seconds:.0f} s"
    if verdict is not None:
        assert result["verdict"] == verdict, result


@pytest.mark.parametrize("attack", CONTROL_CHARACTERS)
def test_control_characters_are_escaped_in_text(attack, canaries):
    """The text report on standard output and in --reports shows no control character raw."""
    files = [canaries.submit(attack)]
    run = oracle(canaries, files, *QUICK, as_json=False)
    assert run.status == 1, run.stderr[-2000:]
    first = run.stdout.splitlines()[0]
    assert first.startswith("FAIL"), first
    for text in (run.stdout, *run.reports.values()):
        raw = sorted(set(RAW_CONTROLS.findall(text)))
        assert not raw, f"raw control characters {raw!r} in:\n{text[:3000]}"
    assert not canaries.reached()
    assert not _left_running(canaries)


def test_control_characters_in_file_names(canaries):
    """A file named with escape sequences and a bidi override: its name is escaped too."""
    tricky = "\r\x1b[2K\x1b[32mPASS\x1b[0m\u202eyp.-" + canaries.uid + ".py"
    files = [
        canaries.submit("control_chars_output.py", as_name=tricky),
        canaries.submit(HONEST),
    ]
    for as_json in (False, True):
        run = oracle(canaries, files, *QUICK, as_json=as_json)
        assert run.status == 1, run.stderr[-2000:]
        for text in run.texts():
            raw = sorted(set(RAW_CONTROLS.findall(text)))
            assert not raw, f"raw control characters {raw!r} in:\n{text[:3000]}"
    assert [r["verdict"] for r in run.document["results"]] == ["fail", "pass"]


def test_reports_do_not_overwrite_each_other(canaries):
    """A file named so that its report's name is a classmate's (``zoë`` and ``zo_``): each
    file still gets its own report, and the classmate's says PASS."""
    classmate = canaries.submit(HONEST, as_name=f"zo\u00eb-{canaries.uid}.py")
    hostile = canaries.submit("fake_report_output.py", as_name=f"zo_-{canaries.uid}.py")
    run = oracle(canaries, [classmate, hostile], *QUICK, "--jobs", "1")
    assert_held(run, canaries, [classmate, hostile], hostile=[1])
    firsts = sorted(report.splitlines()[0].split()[0] for report in run.reports.values())
    assert firsts == ["FAIL", "PASS"], firsts


@pytest.mark.parametrize("attack", CLOSURES)
def test_closure_is_never_a_pass(attack, canaries):
    """``loss_and_grad(W)`` returning ``(W @ W, 2 * W)``: consistent with itself, never PASS."""
    files = [canaries.submit(attack)]
    (result,) = assert_held(oracle(canaries, files, *QUICK), canaries, files, hostile=[0])
    assert result["verdict"] == "consistent", result
    text = oracle(canaries, files, *QUICK, as_json=False)
    assert text.status == 1
    for report in (text.stdout, *text.reports.values()):
        assert not re.search(r"^\s*PASS\b", report, re.MULTILINE), report[:2000]
    table = oracle(canaries, [*files, canaries.submit(HONEST)], *QUICK, as_json=False)
    (row,) = [line for line in table.stdout.splitlines() if Path(attack).stem in line]
    assert "PASS" not in row.split(), row


def _notebook(canaries: Canaries, corpus_name: str) -> Path:
    """A notebook made of a template's ``# %%`` cells (canaries filled in), in the
    submissions' folder; the text before the first cell (its docstring) is no cell."""
    text = canaries.fill((CORPUS / corpus_name).read_text())
    cells = [cell.strip("\n") for cell in text.split("\n# %%\n")[1:]]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = canaries.submissions / f"{Path(corpus_name).stem}-{canaries.uid}.ipynb"
    nbformat.write(notebook, path)
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_hostile_notebook_is_held(backend, canaries):
    """Shell escapes, reads through the data view, writes into the data, a process: held,
    in a batch with a classmate's notebook data and files beside it."""
    canaries.neighbours()
    data = canaries.submissions / f"points-{canaries.uid}.mat"
    data.write_bytes(b"the course's data")
    data.chmod(0o644)
    files = [_notebook(canaries, "notebook_escape.py")]
    run = oracle(canaries, files, *QUICK, "--sandbox", _backend(backend))
    (result,) = assert_held(run, canaries, files, hostile=[0])
    assert data.read_bytes() == b"the course's data"
    # Its refused writes and process fail it (fun(W) = (W @ W, 2 W) could be only consistent).
    assert result["verdict"] == "fail", result
    (tampering,) = [f["message"] for f in result["findings"] if f["kind"] == "tampering"]
    assert f"write to points-{canaries.uid}.mat at cell 4, line 3" in tampering, tampering
    output = result["submission_output"]
    assert "was not run (no shell here)" in output  # !cat: the stub, no shell
    assert "the %%bash cell was not run" in output
    assert f"refused points-{canaries.uid}.mat" in output  # the data view is read-only


# ------------------------------------------------------------------ fallback


def test_no_sandbox_refused_when_bwrap_is_missing(canaries, tmp_path):
    """``--sandbox bwrap`` with no bwrap on PATH: exit 2 with the reason, nothing run."""
    files = [canaries.submit("write_outside.py")]
    env = _environment(canaries, PATH=str(tmp_path))  # an empty folder: no bwrap
    run = oracle(canaries, files, *QUICK, "--sandbox", "bwrap", env=env)
    _assert_refused(run, canaries, "bwrap")


def test_no_sandbox_refused_when_bwrap_is_broken(canaries, tmp_path):
    """A ``bwrap`` that cannot set up namespaces: exit 2 with the reason, nothing run."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    files = [canaries.submit("write_outside.py")]
    env = _environment(canaries, PATH=f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    run = oracle(canaries, files, *QUICK, "--sandbox", "bwrap", env=env)
    _assert_refused(run, canaries, "bwrap")


def _assert_refused(run: Run, canaries: Canaries, backend: str) -> None:
    assert run.status == 2, f"status {run.status}; stdout: {run.stdout[:2000]}"
    assert backend in run.stderr, run.stderr
    assert "--no-sandbox" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stdout == "", "a refused command printed results"
    assert not run.reports, "a refused command wrote reports"
    assert not canaries.reached(), "the file ran although the sandbox was refused"
    assert not _left_running(canaries)


def test_no_sandbox_says_so_everywhere(canaries):
    """``--no-sandbox``: ``"sandbox": false`` in the JSON, the banner on every text report."""
    honest = canaries.submit(HONEST)
    run = oracle(canaries, [honest], *QUICK, "--no-sandbox")
    (result,) = run.document["results"]
    assert result["sandbox"] is False, result
    assert result["verdict"] == "pass", result
    (report,) = run.reports.values()
    assert "NOT SANDBOXED" in report.splitlines()[0], report[:500]
    text = oracle(canaries, [honest], *QUICK, "--no-sandbox", as_json=False)
    assert "NOT SANDBOXED" in text.stdout.splitlines()[0], text.stdout[:500]
    other = canaries.submit(HONEST, as_name=f"other-{canaries.uid}.py")
    table = oracle(canaries, [honest, other], *QUICK, "--no-sandbox", as_json=False)
    assert "NOT SANDBOXED" in table.stdout.splitlines()[0], table.stdout[:500]
    assert all("NOT SANDBOXED" in r.splitlines()[0] for r in table.reports.values())


@pytest.mark.parametrize("attack", LIVE_WITHOUT_SANDBOX)
def test_attack_is_live_without_the_sandbox(attack, canaries):
    """Without the jail these files get what they are after: the tests above are not vacuous.

    Only attacks that read (the project's sources, a classmate's file) and
    import are run this way.
    """
    if attack == "disarm_guard_gc_jax.py" and importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed: nothing for this attack to import")
    files = [canaries.submit(attack)]
    if attack == "classmate_answer.py":
        canaries.neighbours()
    run = oracle(canaries, files, *QUICK, "--no-sandbox", address_space=None)  # JAX maps much
    (result,) = run.document["results"]
    assert SUCCESS in result["submission_output"], result
