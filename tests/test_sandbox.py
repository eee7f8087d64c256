"""The sandbox: the jail's description, and what a real jailed worker can see, reach and spend.

The first part checks :mod:`backprop_oracle.jail` as data, without starting
anything. The second starts real workers, with each backend that works here,
on small files written by the tests, and asserts the outcome of each attack:
nothing read, nothing written, nothing reached, nothing left running.
"""

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import resource
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from backprop_oracle import jail as jails
from backprop_oracle import sandbox
from backprop_oracle.jail import (
    CORE_DISTRIBUTIONS,
    PROJECT_PACKAGES,
    SCRATCH,
    SITE,
    SUBMISSION_DIR,
    WORKER,
    Jail,
    Limits,
    Mount,
    allowed_trees,
    build_jail,
    package_dirs,
)
from backprop_oracle.sandbox import (
    BACKENDS,
    OUTPUT_KEEP,
    Worker,
    WorkerDied,
    sandbox_available,
    validate_header,
)

WORKER_SCRIPT = Path(jails.__file__).with_name("_worker.py")
PROJECT_ROOTS = [  # found without importing them (jax_reference would import jax)
    Path(spec.origin).parent
    for name in PROJECT_PACKAGES
    if (spec := importlib.util.find_spec(name)) is not None and spec.origin is not None
]


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


# ------------------------------------------------------------ jail as data


@pytest.fixture
def submission(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    path = folder / "student one.py"
    path.write_text("def loss_and_grad(W, X, T, layer_sizes, lam):\n    return 0.0, W\n")
    (folder / "neighbour.py").write_text("ANSWER = 42\n")
    return path


@pytest.fixture
def jail(submission):
    return build_jail(submission, WORKER_SCRIPT, "loss_and_grad")


def _under(path: str, root: Path) -> bool:
    return Path(path) == root or root in Path(path).parents


def test_every_step_says_why_and_lands_inside_the_jail(jail):
    for step in jail.mounts:
        assert step.why, step
        assert step.dest.startswith("/"), step
        assert step.dest == os.path.normpath(step.dest), step


def test_top_level_is_the_runtime_and_the_jails_own_folders(jail):
    prefix = jails.runtime_prefix()
    expected = {"usr", "dev", "proc", "sandbox", "scratch", "submission"}
    expected |= {p.lstrip("/") for p in ("/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
                 if os.path.lexists(p)}  # fmt: skip
    if not _under(str(prefix), Path("/usr")):
        expected.add(prefix.parts[1])
    assert set(jail.top_level()) == expected
    for absent in ("etc", "tmp", "home", "run", "var", "sys", "mnt", "opt", "srv", "media"):
        assert absent not in jail.top_level()


def test_only_the_way_to_the_runtime_is_made_above_it(jail):
    """Folders above the runtime prefix are made empty: a home folder's contents stay out."""
    prefix = jails.runtime_prefix()
    for step in jail.mounts:
        if step.op == "bind":
            assert Path(step.source) not in prefix.parents, step  # e.g. not the home folder
    made = [s.dest for s in jail.mounts if s.op == "dir" and not s.dest.startswith("/sandbox")]
    assert all(Path(d) in prefix.parents for d in made)


def test_the_submission_is_a_copy_alone_in_its_folder(jail, submission):
    copies = jail.files()
    assert [c.dest for c in copies] == [WORKER, f"{SUBMISSION_DIR}/student_one.py"]
    assert copies[1].source == str(submission)
    assert all(c.mode == 0o444 for c in copies)
    folder = submission.parent
    assert not any(_under(s.source, folder) for s in jail.mounts if s.op in ("bind", "dev"))
    steps = [(s.op, s.dest) for s in jail.mounts]
    assert steps.index(("remount-ro", SUBMISSION_DIR)) > steps.index(("file", copies[1].dest))
    assert steps.index(("remount-ro", "/sandbox")) > steps.index(("file", WORKER))


def test_no_project_package_and_no_autodiff_library_is_bound(jail):
    sources = [Path(s.source) for s in jail.mounts if s.op == "bind"]
    for root in PROJECT_ROOTS:
        assert not any(src == root or root in src.parents for src in sources), root
    names = {Path(s.dest).name for s in jail.mounts if s.dest.startswith(SITE + "/")}
    assert {"numpy", "scipy"} <= names
    assert not names & {"jax", "jaxlib", "torch", "tensorflow", "autograd", *PROJECT_PACKAGES}


def test_every_package_folder_of_the_runtime_is_masked_after_it_is_bound(jail):
    steps = list(jail.mounts)
    roots = [s.dest for s in steps if s.op == "bind" and not s.dest.startswith(SITE)]
    masked = [s.dest for s in steps if s.op == "mask"]
    assert masked, "the runtime has site-packages; none is masked"
    assert set(package_dirs(roots)) == set(masked)
    for folder in masked:
        (root,) = [r for r in roots if _under(folder, Path(r))]
        bind = next(i for i, s in enumerate(steps) if s.op == "bind" and s.dest == root)
        mask = next(i for i, s in enumerate(steps) if s.op == "mask" and s.dest == folder)
        assert bind < mask
    for step in steps:
        if step.op == "mask":
            assert step.mode == 0o555


def test_dev_holds_four_devices_then_becomes_read_only(jail):
    devices = [s.dest for s in jail.mounts if s.op == "dev"]
    assert devices == ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]
    steps = [(s.op, s.dest) for s in jail.mounts]
    assert steps.index(("remount-ro", "/dev")) > max(steps.index(("dev", d)) for d in devices)


def test_scratch_is_the_one_writable_place_and_has_its_limits(submission):
    limits = Limits(scratch_bytes=5 << 20, scratch_inodes=77)
    jail = build_jail(submission, WORKER_SCRIPT, "f", limits=limits)
    (scratch,) = [s for s in jail.mounts if s.dest == SCRATCH]
    assert (scratch.op, scratch.size, scratch.inodes) == ("tmpfs", 5 << 20, 77)
    assert jail.cwd == SCRATCH
    writable = {s.dest for s in jail.mounts if s.op == "tmpfs"}
    read_only_again = {s.dest for s in jail.mounts if s.op == "remount-ro"}
    assert writable - read_only_again == {SCRATCH}


def test_the_worker_runs_the_base_interpreter_isolated(jail):
    python, *flags = jail.argv[:4]
    assert python == os.path.realpath(python)
    assert flags == ["-I", "-S", "-B"]
    assert jail.argv[4:] == (WORKER, f"{SUBMISSION_DIR}/student_one.py", "loss_and_grad",
                             SCRATCH, SITE, "0", str(Limits().processes))  # fmt: skip


def test_the_environment_is_the_jails_own(jail, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "canary")
    fresh = build_jail(Path(jail.files()[1].source), WORKER_SCRIPT, "loss_and_grad")
    assert "SECRET_TOKEN" not in fresh.env
    assert fresh.env["HOME"] == fresh.env["TMPDIR"] == SCRATCH
    assert set(fresh.env) == {"PATH", "HOME", "TMPDIR", "LANG", "OPENBLAS_NUM_THREADS",
                              "OMP_NUM_THREADS", "MKL_NUM_THREADS", "JAX_PLATFORMS",
                              "MPLBACKEND"}  # fmt: skip
    assert fresh.hostname != os.uname().nodename or os.uname().nodename == "backprop-oracle"


def test_allowed_trees_follow_requirements_and_skip_extras():
    trees = {p.name for p in allowed_trees(CORE_DISTRIBUTIONS)}
    assert {"numpy", "scipy"} <= trees
    # scipy's extras name pytest, hypothesis and matplotlib: none is bound
    assert not trees & {"pytest", "_pytest", "hypothesis", "matplotlib", "mpmath"}
    assert all(not t.endswith((".dist-info", ".pth")) for t in trees)
    assert allowed_trees(["surely-not-installed-anywhere"]) == []


@pytest.mark.skipif(not _installed("jax"), reason="jax is not installed here")
def test_allowed_trees_with_autodiff_bring_jax_and_its_requirements(submission):
    names = {p.name for p in allowed_trees(["jax"])}
    assert {"jax", "jaxlib", "numpy", "scipy"} <= names
    jail = build_jail(submission, WORKER_SCRIPT, "f", allow_autodiff=True)
    bound = {Path(s.dest).name for s in jail.mounts if s.dest.startswith(SITE + "/")}
    assert {"jax", "jaxlib"} <= bound
    assert not bound & set(PROJECT_PACKAGES)
    assert jail.argv[9] == "1"


def test_package_dirs_finds_site_and_dist_packages(tmp_path):
    for folder in ("lib/python3.12/site-packages", "lib/python3/dist-packages",
                   "local/lib/python3.11/dist-packages", "lib64/python3.12/site-packages",
                   "lib/python3.12/other"):  # fmt: skip
        (tmp_path / folder).mkdir(parents=True)
    found = [Path(p).relative_to(tmp_path).as_posix() for p in package_dirs([tmp_path])]
    assert sorted(found) == [
        "lib/python3.12/site-packages",
        "lib/python3/dist-packages",
        "lib64/python3.12/site-packages",
        "local/lib/python3.11/dist-packages",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("student one.py", "student_one.py"),
        ("ok_name-2.py", "ok_name-2.py"),
        (".hidden.py", "_.hidden.py"),
        ("tab\there.py", "tab_here.py"),
        ("évaluation.py", "_valuation.py"),
    ],
)
def test_submission_names_are_made_safe(name, expected):
    assert jails.submission_name(Path(name)) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"op": "chroot", "dest": "/x"},
        {"op": "bind", "dest": "relative"},
        {"op": "bind", "dest": "/a/../b"},
        {"op": "bind", "dest": "/x", "source": "/with\ttab"},
        {"op": "bind", "dest": "/x", "source": "/with\nnewline"},
    ],
)
def test_malformed_steps_are_refused(kwargs):
    with pytest.raises(ValueError, match="^(op|dest|a jail path)"):
        Mount(**kwargs)


@pytest.mark.parametrize("name", ["memory", "cpu_seconds", "processes", "scratch_bytes"])
@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_limits_must_be_positive_whole_numbers(name, value):
    with pytest.raises(ValueError, match=f"^{name}: expected a positive whole number"):
        Limits(**{name: value})


def test_rlimits_set_before_exec_leave_the_process_count_to_the_worker():
    limits = Limits(memory=123 << 20, cpu_seconds=9, open_files=99, scratch_bytes=5 << 20)
    table = {which: (soft, hard) for which, soft, hard in limits.rlimits()}
    assert table[resource.RLIMIT_AS] == (123 << 20, 123 << 20)
    assert table[resource.RLIMIT_CPU] == (9, 10)
    assert table[resource.RLIMIT_NOFILE] == (99, 99)
    # An in-memory file maps nothing: the file-size limit is what stops it.
    assert table[resource.RLIMIT_FSIZE] == (5 << 20, 5 << 20)
    assert table[resource.RLIMIT_CORE] == (0, 0)
    assert resource.RLIMIT_NPROC not in table


def test_a_jail_is_plain_data():
    jail = Jail((Mount("tmpfs", "/scratch", size=1, inodes=1, why="w"),), ("/bin/true",))
    assert jail.top_level() == ["scratch"]
    assert jail.files() == []
    assert sys.modules.get("submission") is None


# ------------------------------------------------------------- real workers
#
# Each attack file first switches the worker's audit hook off (as a submission
# can), so that what holds is the jail itself. It reports what it saw on a
# line "RESULT {json}"; the test then checks the host side as well.

DISARM = textwrap.dedent(
    """
    import gc, json
    for _guard in gc.get_objects():
        if type(_guard).__name__ == "Guard":
            _guard.armed = False
    """
)
CONTRACT = textwrap.dedent(
    """
    def loss_and_grad(W, X, T, layer_sizes, lam):
        return 0.0, W
    """
)


@pytest.fixture(params=BACKENDS)
def backend(request):
    why = sandbox_available(request.param)
    if why is not None:
        pytest.skip(f"the {request.param} backend cannot run here: {why}")
    return request.param


def _marker() -> str:
    """A unique process name (at most 15 characters, the kernel's limit)."""
    return "bo" + uuid.uuid4().hex[:12]


def _processes_named(name: str) -> list[int]:
    """Host processes whose name is ``name`` (from /proc/*/comm)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    found.append(int(entry))
    return found


def _files_named(name: str, root: str = "/tmp") -> list[str]:
    return [
        os.path.join(folder, name)
        for folder, dirs, files in os.walk(root, onerror=lambda _: None)
        if name in files or name in dirs
    ]


def _wait_until(condition, seconds: float = 10.0) -> bool:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _attack(tmp_path: Path, body: str, name: str = "attack.py") -> Path:
    path = tmp_path / name
    path.write_text(DISARM + textwrap.dedent(body) + CONTRACT)
    return path


def _worker(path: Path, backend: str, **options) -> Worker:
    memory = options.pop("memory", 1 << 30)
    return Worker(path, "loss_and_grad", 20.0, memory, False, backend=backend, **options)


def _run(path: Path, backend: str, **options) -> tuple[dict, dict, str]:
    """Start a worker on ``path``; its hello, its RESULT line and everything it printed."""
    with _worker(path, backend, **options) as worker:
        hello = worker.start()
        worker.close()
        printed = worker.output(OUTPUT_KEEP)
    lines = [line for line in printed.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, printed[-2000:]
    return hello, json.loads(lines[0].removeprefix("RESULT ")), printed


def test_the_jails_root_holds_only_the_listed_entries(tmp_path, backend):
    path = _attack(
        tmp_path,
        """
        import os
        print("RESULT " + json.dumps({"root": sorted(os.listdir("/")),
                                      "etc": os.path.exists("/etc"), "tmp": os.path.exists("/tmp"),
                                      "cwd": os.getcwd(), "home": os.environ.get("HOME")}))
        """,
    )
    hello, seen, _ = _run(path, backend)
    assert hello["status"] == "ready"
    expected = build_jail(path, WORKER_SCRIPT, "loss_and_grad").top_level()
    assert seen == {"root": expected, "etc": False, "tmp": False, "cwd": SCRATCH,
                    "home": SCRATCH}  # fmt: skip


def test_the_worker_holds_no_privilege(tmp_path, backend):
    path = _attack(
        tmp_path,
        """
        import ctypes, os
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        libc = ctypes.CDLL(None, use_errno=True)
        made = libc.unshare(0x10000000)  # CLONE_NEWUSER
        print("RESULT " + json.dumps({
            "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
            "caps": [status[k].strip() for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb")],
            "no_new_privs": status["NoNewPrivs"].strip(), "userns": [made, ctypes.get_errno()],
            "pid": os.getpid(), "sid": os.getsid(0), "ppid": os.getppid(),
            "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "nproc": __import__("resource").getrlimit(__import__("resource").RLIMIT_NPROC),
            "as": __import__("resource").getrlimit(__import__("resource").RLIMIT_AS),
        }))
        """,
    )
    _, seen, _ = _run(path, backend, memory=768 << 20)
    assert (seen["uid"], seen["gid"]) == (65534, 65534)
    assert seen["groups"] in ([], [65534])
    assert seen["caps"] == ["0000000000000000"] * 4
    assert seen["no_new_privs"] == "1"
    assert seen["userns"][0] == -1  # no user namespace of its own, so no capability anywhere
    assert seen["pid"] != 1  # PID 1 is the backend's; the submission cannot keep the jail alive
    assert seen["nproc"] == [Limits().processes] * 2
    assert seen["as"] == [768 << 20] * 2
    # A PID namespace of its own: no host process in sight (the unshare backend's
    # PID-1 shell is hidden from it too).
    assert seen["pid"] in seen["processes"]
    assert set(seen["processes"]) <= {1, seen["pid"]}


def test_a_root_only_canary_cannot_be_read(tmp_path, backend):
    secret = "canary-" + uuid.uuid4().hex
    canaries = [tmp_path / "secret.txt"]
    home = Path.home()
    if home.is_dir() and os.access(home, os.W_OK) and not _under(str(home), Path("/usr")):
        canaries.append(home / f"backprop-oracle-canary-{uuid.uuid4().hex[:8]}")
    try:
        for canary in canaries:
            canary.write_text(secret)
            canary.chmod(0o600)
        path = _attack(
            tmp_path,
            f"""
            import os
            read = {{}}
            for p in {[str(c) for c in canaries]!r}:
                for where in (p, "/proc/1/root" + p, "/proc/self/root" + p):
                    try:
                        read[where] = open(where).read()
                    except OSError as exc:
                        read[where] = type(exc).__name__
            wanted = {[c.name for c in canaries]!r}
            names = [f for d, _, fs in os.walk("/", onerror=lambda e: None)
                     if not d.startswith("/proc") for f in fs if f in wanted]
            print("RESULT " + json.dumps({{"read": read, "names": names}}))
            """,
        )
        _, seen, printed = _run(path, backend)
    finally:
        for canary in canaries:
            canary.unlink(missing_ok=True)
    assert secret not in printed
    assert set(seen["read"].values()) <= {"FileNotFoundError", "PermissionError"}, seen["read"]
    assert seen["names"] == []


def test_a_listening_unix_socket_receives_no_connection(tmp_path, backend):
    path_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    address = str(tmp_path / "grader.sock")
    abstract = "\0backprop-oracle-" + uuid.uuid4().hex
    with path_socket, abstract_socket:
        for sock, where in ((path_socket, address), (abstract_socket, abstract)):
            sock.bind(where)
            sock.listen(5)
            sock.setblocking(False)
        path = _attack(
            tmp_path,
            f"""
            import socket
            tried = {{}}
            for where in ({address!r}, {abstract!r}, "/proc/1/root" + {address!r}):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(where)
                    tried[repr(where)] = "connected"
                except OSError as exc:
                    tried[repr(where)] = type(exc).__name__
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=2)
                tried["inet"] = "connected"
            except OSError as exc:
                tried["inet"] = type(exc).__name__
            print("RESULT " + json.dumps(tried))
            """,
        )
        _, tried, _ = _run(path, backend)
        for sock in (path_socket, abstract_socket):
            with pytest.raises(BlockingIOError):
                sock.accept()
    assert "connected" not in tried.values(), tried


def test_dev_holds_four_devices_and_nothing_can_be_added(tmp_path, backend):
    path = _attack(
        tmp_path,
        """
        import os, stat
        tried = {"listing": sorted(os.listdir("/dev"))}
        for name, action in [
            ("tty", lambda: open("/dev/tty", "w")),
            ("new file", lambda: open("/dev/note", "w")),
            ("mknod dev", lambda: os.mknod("/dev/sda", stat.S_IFBLK | 0o600, os.makedev(8, 0))),
            ("mknod scratch", lambda: os.mknod("/scratch/m", stat.S_IFCHR, os.makedev(1, 1))),
            ("shm", lambda: open("/dev/shm/x", "w")),
        ]:
            try:
                action()
                tried[name] = "done"
            except OSError as exc:
                tried[name] = type(exc).__name__
        with open("/dev/zero", "r+b", buffering=0) as zero:
            zero.write(b"x" * 64)
            tried["zero still zero"] = zero.read(64) == bytes(64)
        tried["listing after"] = sorted(os.listdir("/dev"))
        print("RESULT " + json.dumps(tried))
        """,
    )
    _, tried, _ = _run(path, backend)
    four = ["null", "random", "urandom", "zero"]
    assert tried.pop("listing") == four
    assert tried.pop("listing after") == four
    assert tried.pop("zero still zero") is True
    assert "done" not in tried.values(), tried


def test_autodiff_the_project_and_the_neighbours_are_absent(tmp_path, backend):
    classmate = "ANSWER_" + uuid.uuid4().hex
    (tmp_path / "neighbour.py").write_text(f"{classmate} = 1\n")
    host_sites = sorted({str(Path(p).parent) for p in allowed_trees(["numpy"])})
    path = _attack(
        tmp_path,
        f"""
        import importlib.util, os, sys
        sys.path[:0] = {host_sites!r} + {[str(r.parent) for r in PROJECT_ROOTS]!r}
        found = {{name: importlib.util.find_spec(name) is not None
                 for name in ("jax", "jaxlib", "torch", "autograd", "hypothesis", "pytest",
                              "manual_backprop", "jax_reference", "backprop_oracle",
                              "property_tests", "numpy", "scipy")}}
        names = [f for d, _, fs in os.walk("/", onerror=lambda e: None)
                 if not d.startswith("/proc") for f in fs if f == "neighbour.py"]
        print("RESULT " + json.dumps({{"found": found, "neighbours": names,
                                       "submission": os.listdir("/submission"),
                                       "path": __file__}}))
        """,
    )
    _, seen, printed = _run(path, backend)
    assert seen["found"] == {name: name in ("numpy", "scipy") for name in seen["found"]}
    assert seen["neighbours"] == []
    assert seen["submission"] == ["attack.py"]
    assert seen["path"] == "/submission/attack.py"
    assert classmate not in printed


def test_scratch_is_small_and_nothing_reaches_the_hosts_tmp(tmp_path, backend):
    name = "scratch-" + uuid.uuid4().hex
    path = _attack(
        tmp_path,
        f"""
        import errno, os
        written, error = 0, None
        try:
            with open("/scratch/{name}", "wb") as f:
                while written < 64 << 20:
                    f.write(bytes(1 << 20))
                    f.flush()
                    written += 1 << 20
        except OSError as exc:
            error = errno.errorcode[exc.errno]
        other = {{}}
        for where in ("/tmp/{name}", "/{name}", "/sandbox/{name}", "/usr/{name}"):
            try:
                open(where, "w").write("x")
                other[where] = "written"
            except OSError as exc:
                other[where] = type(exc).__name__
        print("RESULT " + json.dumps({{"written": written, "error": error, "other": other}}))
        """,
    )
    _, seen, _ = _run(path, backend, scratch_bytes=8 << 20)
    # The file-size limit equals the scratch's size, so one file meets either
    # limit first: the tmpfs is full (ENOSPC) or the file is too large (EFBIG).
    assert seen["error"] in ("ENOSPC", "EFBIG")
    assert seen["written"] <= 8 << 20
    assert "written" not in seen["other"].values(), seen["other"]
    assert _files_named(name) == []


def test_a_shared_mapping_beyond_the_memory_limit_fails(tmp_path, backend):
    path = _attack(
        tmp_path,
        """
        import mmap
        tried = {}
        for label, size in (("1 GiB shared", 1 << 30), ("3 GiB shared", 3 << 30)):
            try:
                m = mmap.mmap(-1, size, flags=mmap.MAP_SHARED)
                m[size - 1] = 1
                tried[label] = "mapped"
            except (OSError, MemoryError) as exc:
                tried[label] = type(exc).__name__
        print("RESULT " + json.dumps(tried))
        """,
    )
    _, tried, _ = _run(path, backend, memory=768 << 20)
    assert tried == {"1 GiB shared": "OSError", "3 GiB shared": "OSError"}


def test_a_fork_bomb_is_stopped_by_the_process_limit(tmp_path, backend):
    if not sandbox._root_variant() and os.geteuid() == 0:
        pytest.skip("the jail's user is the host's root here, which RLIMIT_NPROC exempts")
    marker = _marker()
    path = _attack(
        tmp_path,
        f"""
        import ctypes, errno, os, time
        libc = ctypes.CDLL(None)
        children, error = 0, None
        while children < 500:
            try:
                pid = os.fork()
            except OSError as exc:
                error = errno.errorcode[exc.errno]
                break
            if pid == 0:
                libc.prctl(15, {marker.encode()!r}, 0, 0, 0)  # PR_SET_NAME
                time.sleep(120)
                os._exit(0)
            children += 1
        print("RESULT " + json.dumps({{"children": children, "error": error}}))
        """,
    )
    with _worker(path, backend, processes=32) as worker:
        worker.start()
        assert _wait_until(lambda: len(_processes_named(marker)) > 0)
        worker.close()
        running_after = _processes_named(marker)
        printed = worker.output(OUTPUT_KEEP)
    (line,) = [x for x in printed.splitlines() if x.startswith("RESULT ")]
    seen = json.loads(line.removeprefix("RESULT "))
    assert seen["error"] == "EAGAIN"
    assert seen["children"] < 32
    assert running_after == []


def test_an_escaped_child_dies_with_the_worker(tmp_path, backend):
    """setsid, no parent-death signal, a name of its own: it is still gone after close."""
    marker = _marker()
    path = _attack(
        tmp_path,
        f"""
        import ctypes, os
        libc = ctypes.CDLL(None)
        child = os.fork()
        if child == 0:
            os.setsid()
            libc.prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG: none
            libc.prctl(15, {marker.encode()!r}, 0, 0, 0)  # PR_SET_NAME
            if os.fork() == 0:  # not even a child of the worker any more
                while True:
                    pass
            os._exit(0)
        os.waitpid(child, 0)
        print("RESULT " + json.dumps({{"spawned": True}}))
        """,
    )
    with _worker(path, backend) as worker:
        assert worker.start()["status"] == "ready"
        assert _wait_until(lambda: len(_processes_named(marker)) == 1)
        worker.close()
        assert _processes_named(marker) == []


ORACLE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from backprop_oracle.sandbox import Worker
    worker = Worker(Path(sys.argv[1]), "loss_and_grad", 30.0, 1 << 30, False, backend=sys.argv[2])
    worker.start()
    print("ready", flush=True)
    time.sleep(600)
    """
)


def test_killing_the_oracle_leaves_no_process_and_no_scratch(tmp_path, backend):
    marker = _marker()
    name = "left-" + uuid.uuid4().hex
    path = _attack(
        tmp_path,
        f"""
        import ctypes, os
        libc = ctypes.CDLL(None)
        open("/scratch/{name}", "w").write("still here?")
        if os.fork() == 0:
            os.setsid()
            libc.prctl(1, 0, 0, 0, 0)
            libc.prctl(15, {marker.encode()!r}, 0, 0, 0)
            while True:
                pass
        print("RESULT " + json.dumps({{}}))
        """,
    )
    private_tmp = tmp_path / "tmp"  # the oracle's own temporary folder: nothing may land there
    private_tmp.mkdir()
    oracle = subprocess.Popen(
        [sys.executable, "-c", ORACLE, str(path), backend],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(private_tmp)},
    )
    try:
        assert oracle.stdout is not None
        assert oracle.stdout.readline() == "ready\n"
        assert _wait_until(lambda: len(_processes_named(marker)) == 1)
    finally:
        oracle.kill()
        oracle.wait()
        oracle.stdout.close()
    assert _wait_until(lambda: _processes_named(marker) == [])
    assert list(private_tmp.iterdir()) == []
    assert _files_named(name) == []


def _frame(header: object, payload: bytes = b"", length: int | None = None) -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return (len(text) if length is None else length).to_bytes(8, "little") + text + payload


READY = {"status": "ready", "style": "full", "payload": 0}
FOUND = {
    "status": "ready",
    "style": "closures",
    "closures": [{"name": "fun", "n": 3, "own": ["X"]}],
    "arrays": [{"name": "X", "shape": [2, 2]}],
    "scalars": {"lam": 0.1},
    "hints": [[2, 4, 1]],
    "payload": 32,
}
FORGED_HELLOS = {
    "closures not a list": {**FOUND, "closures": "fun"},
    "no closure": {**FOUND, "closures": []},
    "huge closure length": {**FOUND, "closures": [{"name": "f", "n": 10**12, "own": []}]},
    "two closures of one name": {**FOUND, "closures": [{"name": "f", "n": 3, "own": []}] * 2},
    "array over the cap": {**FOUND, "arrays": [{"name": "X", "shape": [10**6, 10]}]},
    "3-D array": {**FOUND, "arrays": [{"name": "X", "shape": [2, 2, 2]}]},
    "arrays without their numbers": {**FOUND, "payload": 0},
    "scalar not finite": {**FOUND, "scalars": {"lam": float("nan")}},
    "scalar as text": {**FOUND, "scalars": {"lam": "0.1"}},
    "huge layer size": {**FOUND, "hints": [[2, 10**9]]},
    "boolean layer size": {**FOUND, "hints": [[2, True]]},
    "arrays without closures": {**READY, "arrays": FOUND["arrays"], "payload": 32},
    "cells not a list": {**READY, "cells": "cell 1"},
    "a cell numbered 0": {**READY, "cells": [{"cell": 0, "message": "m"}]},
    "a missing file without a failed import": {**READY, "missing": "a.mat"},
    "unknown status": {**READY, "status": "pass"},
    "unknown field": {**READY, "verdict": "pass"},
    "message not text": {"status": "import-error", "message": {"a": 1}, "payload": 0},
    "long forbidden list": {**READY, "forbidden": ["x"] * 1000},
    "long blocked entry": {**READY, "blocked": ["x" * 5000]},
    "payload announced": {**READY, "payload": 8},
    "payload as text": {**READY, "payload": "0"},
    "a list": [READY],
    "not json": b"\xff\xfe{",
    "deeply nested": b"[" * 100_000,
}


def test_a_hello_of_objectives_is_read_with_its_arrays():
    """What a forged hello is checked against: the worker's own hello, accepted."""
    header = validate_header(json.dumps(FOUND).encode(), "hello")
    assert header["closures"] == FOUND["closures"]
    assert (header["arrays"], header["scalars"], header["hints"]) == (
        FOUND["arrays"], FOUND["scalars"], FOUND["hints"],
    )  # fmt: skip
    assert header["payload"] == 32  # the 2 x 2 float64 array's bytes


@pytest.mark.parametrize("forgery", sorted(FORGED_HELLOS))
def test_a_forged_hello_is_tampering(tmp_path, backend, forgery):
    frame = _frame(FORGED_HELLOS[forgery], b"\0" * 8)
    path = _attack(tmp_path, f"import os\nos.write(4, {frame!r})\n")
    with _worker(path, backend) as worker:
        with pytest.raises(WorkerDied) as died:
            worker.start()
        assert died.value.kind == "tampering", died.value.message
        assert worker.process is None  # stopped at once


@pytest.mark.parametrize(
    ("forgery", "frame"),
    [
        ("over-long header", _frame(b"{}", length=1 << 40)),
        ("wrong payload length", _frame({"status": "ok", "payload": 8}, b"\0" * 8)),
        ("mutated names Z", _frame({"status": "exception", "mutated": ["Z"], "payload": 0})),
        ("negative payload", _frame({"status": "ok", "payload": -8})),
    ],
)
def test_a_forged_reply_is_tampering(tmp_path, backend, forgery, frame):
    path = tmp_path / "forger.py"
    path.write_text(
        f"import os\ndef loss_and_grad(W, X, T, layer_sizes, lam):\n"
        f"    os.write(4, {frame!r})\n    return 0.0, W\n"
    )
    with _worker(path, backend) as worker:
        assert worker.start()["status"] == "ready"
        with pytest.raises(WorkerDied) as died:
            worker.call(np.zeros(3), np.zeros((1, 1)), np.zeros(1), [1, 1, 1], 0.0)
        assert died.value.kind == "tampering", died.value.message
        assert worker.process is None


def test_output_over_the_limit_stops_the_worker_with_a_clear_message(tmp_path, backend):
    path = _attack(tmp_path, "import sys\nfor _ in range(3000):\n    print('y' * 1000)\n")
    with _worker(path, backend, output_limit=1 << 20) as worker:
        with pytest.raises(WorkerDied) as died:
            worker.start()
        assert died.value.kind == "crash"
        assert died.value.message.startswith("your file printed more than 1 MiB")
        assert worker.process is None
        assert worker.output_bytes > 1 << 20
        assert worker.output().startswith("y" * 1000)
        assert len(worker.output(OUTPUT_KEEP)) <= OUTPUT_KEEP + len(" [...]")


def test_a_correct_file_is_called_through_the_jail(tmp_path, backend):
    path = tmp_path / "sum.py"
    path.write_text(
        "import numpy as np\nimport scipy.special\nprint('hello from the jail')\n"
        "def loss_and_grad(W, X, T, layer_sizes, lam):\n"
        "    return float(scipy.special.logsumexp(W)), 2 * W\n"
    )
    W = np.array([0.5, -1.0, 2.0])
    with _worker(path, backend) as worker:
        assert worker.start()["status"] == "ready"
        reply = worker.call(W, np.ones((2, 1)), np.zeros(2), [1, 1, 1], 0.0)
        assert worker.output() == "hello from the jail\n"
    assert reply.status == "ok"
    np.testing.assert_array_equal(reply.grad, 2 * W)
    assert reply.loss == pytest.approx(float(np.log(np.exp(W).sum())))


def test_the_jail_for_an_ordinary_grader_is_the_same(tmp_path, backend, monkeypatch):
    """The path taken when the grader is not root: the backend maps the jail's user itself.

    Run here as root, its user is the host's root, which RLIMIT_NPROC exempts; the
    tree, the missing privileges and the refused user namespace are the same.
    """
    monkeypatch.setattr(sandbox, "_root_variant", lambda: False)
    path = _attack(
        tmp_path,
        """
        import ctypes, os
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        libc = ctypes.CDLL(None, use_errno=True)
        print("RESULT " + json.dumps({
            "root": sorted(os.listdir("/")), "uid": os.getuid(), "pid": os.getpid(),
            "caps": [status[k].strip() for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb")],
            "no_new_privs": status["NoNewPrivs"].strip(),
            "userns": libc.unshare(0x10000000),
        }))
        """,
    )
    with _worker(path, backend) as worker:
        assert worker._userns is None
        assert worker.start()["status"] == "ready"
        reply = worker.call(np.ones(2), np.zeros((1, 1)), np.zeros(1), [1, 1], 0.0)
        worker.close()
        (line,) = [x for x in worker.output(OUTPUT_KEEP).splitlines() if x.startswith("RESULT ")]
    seen = json.loads(line.removeprefix("RESULT "))
    assert reply.status == "ok"
    assert seen["root"] == build_jail(path, WORKER_SCRIPT, "loss_and_grad").top_level()
    assert seen["uid"] == 65534
    assert seen["pid"] != 1
    assert seen["caps"] == ["0000000000000000"] * 4
    assert seen["no_new_privs"] == "1"
    assert seen["userns"] == -1


def test_the_files_deadline_bounds_wall_clock_and_cpu_time(tmp_path, backend):
    path = _attack(
        tmp_path,
        """
        import resource, time
        print("RESULT " + json.dumps(resource.getrlimit(resource.RLIMIT_CPU)), flush=True)
        time.sleep(30)
        """,
    )
    with _worker(path, backend, deadline=3.0) as worker:
        began = time.monotonic()
        with pytest.raises(WorkerDied) as died:
            worker.start()
        took = time.monotonic() - began
        (line,) = [x for x in worker.output(OUTPUT_KEEP).splitlines() if x.startswith("RESULT ")]
    assert died.value.kind == "timeout"
    assert died.value.message == "the file's deadline of 3 s has passed"
    assert took < 6
    assert json.loads(line.removeprefix("RESULT ")) == [3, 4]


@pytest.mark.skipif(not _installed("jax"), reason="jax is not installed here")
def test_with_allow_autodiff_a_jax_file_runs_in_the_jail(tmp_path, backend):
    path = tmp_path / "with_jax.py"
    path.write_text(
        textwrap.dedent(
            """
            import jax
            jax.config.update("jax_enable_x64", True)
            import jax.numpy as jnp
            import numpy as np

            _value_and_grad = jax.value_and_grad(lambda W: jnp.sum(W**3))

            def loss_and_grad(W, X, T, layer_sizes, lam):
                loss, grad = _value_and_grad(jnp.asarray(W))
                return float(loss), np.asarray(grad)
            """
        )
    )
    W = np.array([1.0, -2.0, 0.5])
    with Worker(path, "loss_and_grad", 60.0, 2 << 30, True, backend=backend) as worker:
        hello = worker.start()
        assert hello["status"] == "ready", hello
        assert hello["forbidden"] == []
        reply = worker.call(W, np.zeros((1, 1)), np.zeros(1), [1, 1, 1], 0.0)
    assert reply.status == "ok", reply.message
    np.testing.assert_allclose(reply.grad, 3 * W**2)
    assert reply.loss == pytest.approx(float(np.sum(W**3)))


def _own_memory_cgroups() -> list[str]:
    """The memory cgroups this process has made for its jails, where it can make any."""
    made = []
    for base in (Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")):
        if base.is_dir():
            made += [str(p) for p in base.rglob(f"backprop-oracle-{os.getpid()}-*")]
    return made


def test_the_whole_jail_shares_one_memory_limit_and_leaves_no_cgroup(tmp_path, backend):
    path = _attack(
        tmp_path,
        """
        import os, time
        # Four children of 256 MiB each: every one is inside the 768 MiB address-space
        # limit, together they are not (and not inside 768 MiB + 8 MiB of scratch).
        pids, piece = [], 256 << 20
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                block = bytearray(piece)
                for i in range(0, piece, 4096):
                    block[i] = 1
                time.sleep(60)
                os._exit(0)
            pids.append(pid)
        time.sleep(3)
        alive = [pid for pid in pids if os.waitpid(pid, os.WNOHANG) == (0, 0)]
        print("RESULT " + json.dumps({"alive": len(alive)}))
        """,
    )
    probe = sandbox._memory_cgroup(1 << 20)
    if probe is None:
        pytest.skip("no memory cgroup can be made here (not root, or none delegated)")
    sandbox._remove_cgroup(probe)
    _, seen, _ = _run(path, backend, memory=768 << 20, scratch_bytes=8 << 20)
    # The kernel's OOM killer keeps the jail within memory + scratch = 776 MiB,
    # the worker's own memory included: at most two children of 256 MiB live.
    assert seen["alive"] <= 2, seen
    assert _own_memory_cgroups() == []
