"""The jail a submission runs in, described as data: what it sees and what it may spend.

Nothing here starts a process. :func:`build_jail` returns a :class:`Jail`: an
ordered list of :class:`Mount` operations that build the worker's root file
system from nothing, the worker's command line and environment, and the
:class:`Limits` it runs under. :mod:`backprop_oracle.sandbox` hands the same
description to either backend (``bwrap``, or ``unshare`` with
``_sandbox.sh``), so both build the same tree.

The tree, and what each part prevents (the ``why`` of every mount says it again):

==========================  =====================================================
``/usr``                    read-only: programs and C libraries, nothing to write
``/lib`` ``/lib64`` ...     as the host has them (symlinks into ``/usr``, or
                            read-only binds)
``<prefix>``                the Python runtime, read-only, at its own path (the
                            interpreter finds its standard library by absolute
                            path); only the directories leading to it are made
every ``site-packages``     masked by an empty read-only tmpfs: nothing installed
and ``dist-packages``       there (autodiff libraries, this project) is visible
``/sandbox/site``           read-only binds of exactly the allowed distributions
``/sandbox/worker.py``      the worker script, a read-only copy
``/submission/<name>``      the one submission file, a read-only copy; nothing
                            else of its folder (no classmates)
``/dev``                    ``null``, ``zero``, ``random``, ``urandom`` only: no
                            terminal to write to, no shared memory
``/proc``                   the jail's own PID namespace
``/data``                   the data folder, read-only (``--data DIR``), or only
                            the data files of the submission's own folder (no
                            classmate's submission); absent without data
``/scratch``                a small fresh tmpfs, the working directory, ``HOME``
                            and ``TMPDIR``; it dies with the mount namespace. The
                            worker links each entry of ``/data`` into it, so
                            relative paths read the data and new files land here
==========================  =====================================================

Nothing else exists: no ``/etc``, ``/tmp``, ``/home``, ``/run``, ``/var``,
``/sys``, no socket file of the host, no project sources, no grader files.
"""

import functools
import glob
import importlib.metadata
import os
import re
import resource
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "AUTODIFF_DISTRIBUTIONS",
    "CORE_DISTRIBUTIONS",
    "DATA",
    "DATA_SUFFIXES",
    "JAIL_GID",
    "JAIL_UID",
    "PLOTTING_DISTRIBUTIONS",
    "PROJECT_PACKAGES",
    "SCRATCH",
    "SITE",
    "SUBMISSION_DIR",
    "WORKER",
    "DataFolder",
    "Jail",
    "Limits",
    "Mount",
    "allowed_trees",
    "build_jail",
    "data_files",
    "environment",
    "interpreter",
    "package_dirs",
    "runtime_prefix",
]

#: The jail's own folders.
SANDBOX = "/sandbox"
SITE = "/sandbox/site"
WORKER = "/sandbox/worker.py"
SUBMISSION_DIR = "/submission"
SCRATCH = "/scratch"
DATA = "/data"

#: The user and group the submission runs as inside the jail ("nobody"): no
#: file of the runtime belongs to it, so every read-only file stays read-only
#: even where a mount flag would not suffice.
JAIL_UID = 65534
JAIL_GID = 65534

#: Distributions every submission may import (with their requirements).
CORE_DISTRIBUTIONS = ("numpy", "scipy")
#: Bound too where installed: nearly every answer of the exercise plots its data, and
#: a plot must not fail a correct file. It draws with the Agg backend, into scratch.
PLOTTING_DISTRIBUTIONS = ("matplotlib",)
#: Distributions added with ``--allow-autodiff``, where installed.
AUTODIFF_DISTRIBUTIONS = ("jax", "jaxlib", "torch", "tensorflow", "autograd")
#: This project's packages: never bound, whatever the options.
PROJECT_PACKAGES = ("manual_backprop", "jax_reference", "backprop_oracle", "property_tests")

#: The host's top-level entries that are reproduced in the jail when they exist:
#: ``/lib`` and friends hold the dynamic loader and C libraries the interpreter
#: links against (symlinks into ``/usr`` on a merged-usr system).
_SYSTEM_LINKS = ("/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")

#: Size of the small tmpfs folders that only hold binds or one copied file.
_SMALL_TMPFS = 1 << 20
#: Size of an empty mask (it is remounted read-only at once).
_MASK_BYTES = 4096
#: The files of a submission's own folder offered as its data: what a course hands out
#: (MATLAB, numpy, text tables, JSON, pickles, HDF5), never a Python file or notebook.
DATA_SUFFIXES = frozenset(
    {".mat", ".npy", ".npz", ".csv", ".tsv", ".txt", ".dat", ".json", ".pkl", ".pickle", ".h5",
     ".hdf5", ".gz"}
)  # fmt: skip
#: At most this many data files are offered from a submission's folder, found at most
#: this many folders deep (``data/points.mat`` is one deep).
MAX_DATA_FILES = 256
MAX_DATA_DEPTH = 2


@dataclass(frozen=True)
class DataFolder:
    """The data a submission may read, as ``/data`` in the jail.

    Parameters
    ----------
    root : Path
        The folder on the host.
    files : tuple of str, optional
        Paths relative to ``root`` to offer, each a regular file; None offers the
        whole folder (``--data DIR``, chosen by the grader).
    """

    root: Path
    files: tuple[str, ...] | None = None
    #: How a report names it (never the grader's absolute path).
    label: str = ""


def data_files(folder: Path) -> DataFolder:
    """The data files of a submission's own folder (:data:`DATA_SUFFIXES`): regular
    files only, no symbolic link followed, at most :data:`MAX_DATA_DEPTH` folders deep.

    A class's submissions usually share a folder: only data is offered, so no
    submission can read another's.
    """
    found: list[str] = []
    for here, folders, names in os.walk(folder, followlinks=False):
        depth = len(Path(here).relative_to(folder).parts)
        folders[:] = sorted(f for f in folders if not f.startswith(".") and depth < MAX_DATA_DEPTH)
        for name in sorted(names):
            path = Path(here) / name
            if name.startswith(".") or path.suffix.lower() not in DATA_SUFFIXES:
                continue
            if path.is_symlink() or not path.is_file() or "\t" in name or "\n" in name:
                continue
            found.append(str(path.relative_to(folder)))
            if len(found) >= MAX_DATA_FILES:
                break
        else:
            continue
        break
    label = f"the data files beside the submission, in its folder {folder.name or '/'!r}"
    return DataFolder(folder, tuple(found), label)


@dataclass(frozen=True)
class Limits:
    """What a worker may spend; every limit is enforced by the kernel.

    Parameters
    ----------
    memory : int
        Address-space limit (``RLIMIT_AS``), in bytes, of every process of the
        jail. It counts every mapping, shared ones included, so a shared
        ``mmap`` cannot step around it (``RLIMIT_DATA`` did not count those).
    cpu_seconds : int
        CPU-time limit (``RLIMIT_CPU``) of every process: SIGXCPU at this
        many seconds, SIGKILL one second later. Stops a process that spins
        in the background while the worker still answers.
    processes : int
        Process limit (``RLIMIT_NPROC``) of the jail's user: stops a fork bomb.
        Since Linux 5.14 it is counted per user namespace, so it binds per jail;
        it binds only when the jail's user is not the host's root (see
        :mod:`backprop_oracle.sandbox`).
    open_files : int
        Descriptor limit (``RLIMIT_NOFILE``) of every process.
    scratch_bytes : int
        Size of the ``/scratch`` tmpfs: writing past it fails with ENOSPC. Also
        the file-size limit (``RLIMIT_FSIZE``) of every process: an in-memory
        file (``memfd_create``) written with ``write`` maps nothing, so the
        address-space limit does not see it; each such file stops here, and
        ``open_files`` of them bound what they can hold in all.
    scratch_inodes : int
        Number of files ``/scratch`` may hold (``nr_inodes``; the ``unshare``
        backend only: bwrap's ``--tmpfs`` takes no inode count).
    output_bytes : int
        How much a submission may print in total before the worker is stopped.
    """

    memory: int = 2 << 30
    cpu_seconds: int = 600
    processes: int = 64
    open_files: int = 64
    scratch_bytes: int = 64 << 20
    scratch_inodes: int = 4096
    output_bytes: int = 16 << 20

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if type(value) is not int or value < 1:
                raise ValueError(f"{name}: expected a positive whole number, got {value!r}")

    def rlimits(self) -> tuple[tuple[int, int, int], ...]:
        """``(resource, soft, hard)`` for each limit set on the jail before it starts.

        ``RLIMIT_NPROC`` is not among them: set on the backend it would count the
        grader's own processes too (see :mod:`backprop_oracle.sandbox`), so the
        worker sets it on itself, before the submission is loaded.
        """
        return (
            (resource.RLIMIT_AS, self.memory, self.memory),
            (resource.RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + 1),
            (resource.RLIMIT_NOFILE, self.open_files, self.open_files),
            (resource.RLIMIT_FSIZE, self.scratch_bytes, self.scratch_bytes),
            # A crash leaves no core file (and no time spent writing one).
            (resource.RLIMIT_CORE, 0, 0),
        )


#: The operations a backend knows how to perform, in the order they are listed.
OPERATIONS = frozenset(
    {"bind", "dev", "tmpfs", "mask", "symlink", "dir", "file", "proc", "remount-ro"}
)


@dataclass(frozen=True)
class Mount:
    """One step in building the jail's root file system.

    Parameters
    ----------
    op : str
        ``bind`` (read-only bind of the host path ``source``), ``dev`` (bind of
        the host device ``source``), ``tmpfs`` (a fresh tmpfs of ``size`` bytes
        and ``inodes`` files), ``mask`` (an empty read-only tmpfs over a
        folder), ``symlink`` (a link to ``source``), ``dir`` (a folder),
        ``file`` (a read-only copy of the host file ``source``: the jail never
        sees the host's path), ``proc`` (the jail's own ``/proc``) or
        ``remount-ro`` (``dest`` becomes read-only).
    dest : str
        The absolute path inside the jail.
    source : str
        The host path, or the link target.
    size, inodes : int
        For ``tmpfs``.
    mode : int
        Permission bits of a ``tmpfs``, ``dir`` or ``file``.
    why : str
        What this step gives the worker, or what it prevents.
    """

    op: str
    dest: str
    source: str = ""
    size: int = 0
    inodes: int = 0
    mode: int = 0o755
    why: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPERATIONS:
            raise ValueError(f"op: expected one of {sorted(OPERATIONS)}, got {self.op!r}")
        if not self.dest.startswith("/") or self.dest != os.path.normpath(self.dest):
            raise ValueError(f"dest: expected a normalised absolute path, got {self.dest!r}")
        for text in (self.dest, self.source):
            # The unshare backend reads its mount table line by line, fields
            # separated by tabs; no path of the host's runtime contains either.
            if "\t" in text or "\n" in text or "\0" in text:
                raise ValueError(f"a jail path may not contain a tab or newline: {text!r}")


@dataclass(frozen=True)
class Jail:
    """Everything a backend needs to start one worker.

    Parameters
    ----------
    mounts : tuple of Mount
        The steps that build the root file system, in order.
    argv : tuple of str
        The worker's command line inside the jail.
    env : dict
        The worker's whole environment.
    cwd : str
        The worker's working directory.
    limits : Limits
        What the worker may spend.
    hostname : str
        The jail's host name (the grader's is not shown).
    uid, gid : int
        The user and group the worker runs as inside the jail.
    """

    mounts: tuple[Mount, ...]
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = SCRATCH
    limits: Limits = field(default_factory=Limits)
    hostname: str = "backprop-oracle"
    uid: int = JAIL_UID
    gid: int = JAIL_GID

    def top_level(self) -> list[str]:
        """The names in the jail's ``/``, in order."""
        names = {m.dest.split("/")[1] for m in self.mounts}
        return sorted(names)

    def files(self) -> list[Mount]:
        """The ``file`` steps (their sources are handed over as open files)."""
        return [m for m in self.mounts if m.op == "file"]


# ----------------------------------------------------------------- runtime


def runtime_prefix() -> Path:
    """The real path of the base interpreter's prefix (not a virtual environment's)."""
    return Path(os.path.realpath(sys.base_prefix))


def interpreter() -> Path:
    """The real path of the base interpreter.

    In a virtual environment ``sys.executable`` is a link to the base one;
    running the base binary by its real path means no ``pyvenv.cfg`` is read,
    so the jail's ``sys.prefix`` is the base prefix and no site folder of the
    environment is added.
    """
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Path(os.path.realpath(base))


def package_dirs(roots: Iterable[str | Path]) -> list[str]:
    """Every ``site-packages`` and ``dist-packages`` folder inside the given trees.

    These are where pip and the distribution install third-party packages
    (autodiff libraries, this project's editable install): the jail masks each
    of them, and binds back only the allowed distributions.
    """
    patterns = (
        "lib*/python3*/site-packages",
        "lib*/python3*/dist-packages",
        "lib*/python3/dist-packages",
        "local/lib*/python3*/site-packages",
        "local/lib*/python3*/dist-packages",
        "local/lib*/python3/dist-packages",
    )
    found: set[str] = set()
    for root in roots:
        for pattern in patterns:
            for path in glob.glob(os.path.join(os.fspath(root), pattern)):
                # Keep the path as bound in the jail (the root's own spelling):
                # a mask is mounted at a path inside the jail.
                if os.path.isdir(path) and not os.path.islink(path):
                    found.add(os.path.normpath(path))
    return sorted(found)


# ----------------------------------------------------------- distributions


_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirements(dist: importlib.metadata.Distribution) -> list[str]:
    """Names the distribution requires, leaving out those only needed for an extra."""
    names = []
    for line in dist.requires or []:
        requirement, _, marker = line.partition(";")
        if "extra" in marker:
            continue
        match = _REQUIREMENT_NAME.match(requirement)
        if match:
            names.append(match.group(1))
    return names


def _top_level(dist: importlib.metadata.Distribution) -> list[Path]:
    """The distribution's top-level packages, modules and ``*.libs`` folders, as real paths."""
    names: set[str] = set()
    for file in dist.files or []:
        first = file.parts[0] if file.parts else ""
        if first in ("", "..", "__pycache__") or first.endswith((".dist-info", ".egg-info")):
            continue
        if first.endswith(".pth") or first.startswith("__editable__"):
            continue  # path configuration for the site module, or an editable install's finder
        names.add(first)
    if not names:  # a distribution without RECORD (installed by the system's package manager)
        text = dist.read_text("top_level.txt") or ""
        names = {line.strip() for line in text.splitlines() if line.strip()}
    paths = []
    for name in sorted(names):
        path = Path(os.path.realpath(str(dist.locate_file(name))))
        if not path.exists():
            module = path.with_name(path.name + ".py")
            path = module if module.exists() else path
        if path.exists():
            paths.append(path)
    return paths


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def _distribution(name: str) -> importlib.metadata.Distribution | None:
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def allowed_trees(names: Iterable[str]) -> list[Path]:
    """The top-level entries of the named distributions and of everything they require.

    Parameters
    ----------
    names : iterable of str
        Distribution names (``numpy``, ``scipy``, ``jax``...). Names that are
        not installed are skipped, and so are their requirements.

    Returns
    -------
    list of Path
        Real paths of top-level packages, modules and ``*.libs`` folders, one
        per name in the jail's ``/sandbox/site`` (the first distribution to
        claim a name keeps it). The project's own packages are never among them.
    """
    seen: set[str] = set()
    queue = list(names)
    trees: dict[str, Path] = {}
    while queue:
        name = _normalise(queue.pop(0))
        if name in seen:
            continue
        seen.add(name)
        dist = _distribution(name)
        if dist is None:
            continue
        for path in _top_level(dist):
            top = path.name.removesuffix(".py")
            if top in PROJECT_PACKAGES or path.name in trees:
                continue
            trees[path.name] = path
        queue.extend(_requirements(dist))
    return list(trees.values())


# -------------------------------------------------------------------- jail


def _system_links() -> list[Mount]:
    """``/lib``, ``/lib64``, ``/bin``, ``/sbin`` as the host has them."""
    steps = []
    for path in _SYSTEM_LINKS:
        if os.path.islink(path):
            steps.append(
                Mount(
                    "symlink",
                    path,
                    os.readlink(path),
                    why="the dynamic loader and C libraries, by the host's own link into /usr",
                )
            )
        elif os.path.isdir(path):
            steps.append(
                Mount(
                    "bind",
                    path,
                    path,
                    why="the dynamic loader and C libraries (not merged into /usr here), read-only",
                )
            )
    return steps


def _ancestors(path: str, made: set[str]) -> list[Mount]:
    """The folders above ``path`` that the jail does not have yet, mode 755."""
    steps = []
    parts = Path(path).parts[1:-1]
    for i in range(len(parts)):
        folder = "/" + "/".join(parts[: i + 1])
        if folder not in made:
            made.add(folder)
            steps.append(
                Mount(
                    "dir",
                    folder,
                    mode=0o755,
                    why="only a way through to the runtime: nothing of the host's folder is there",
                )
            )
    return steps


def submission_name(path: Path) -> str:
    """The submission's file name in the jail: its own, with unusual characters replaced."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", path.name) or "submission.py"
    return "_" + name if name.startswith(".") else name


def build_jail(
    submission: Path,
    worker: Path,
    function: str,
    *,
    allow_autodiff: bool = False,
    limits: Limits | None = None,
    distributions: Iterable[str] = CORE_DISTRIBUTIONS + PLOTTING_DISTRIBUTIONS,
    worker_args: Iterable[str] = (),
    data: DataFolder | None = None,
) -> Jail:
    """The jail for one submission.

    Parameters
    ----------
    submission : Path
        The submission file on the host; the jail holds a read-only copy at
        ``/submission/<name>``.
    worker : Path
        The worker script on the host; copied to ``/sandbox/worker.py``.
    function : str
        The name of the function the worker looks up.
    allow_autodiff : bool
        Also bind the autodiff distributions that are installed.
    limits : Limits, optional
        What the worker may spend (default :class:`Limits`).
    distributions : iterable of str
        The distributions every submission may import.
    worker_args : iterable of str
        Further arguments for the worker, after its own.
    data : DataFolder, optional
        The data the submission may read, bound read-only at ``/data``.

    Returns
    -------
    Jail
        The description; nothing is started or opened.
    """
    limits = limits or Limits()
    names = list(distributions) + (list(AUTODIFF_DISTRIBUTIONS) if allow_autodiff else [])
    prefix = runtime_prefix()
    python = interpreter()
    usr = "/usr"
    roots: list[str] = [usr]
    steps: list[Mount] = [
        Mount("bind", usr, usr, why="programs and C libraries, read-only"),
        *_system_links(),
    ]
    made: set[str] = {usr}
    if not (prefix == Path(usr) or Path(usr) in prefix.parents):
        # The interpreter finds its standard library and libpython by absolute
        # path, so the runtime sits at its own path; only the folders leading to
        # it are made (a home folder's other contents stay out).
        steps += _ancestors(str(prefix), made)
        steps.append(Mount("bind", str(prefix), str(prefix), why="the Python runtime, read-only"))
        roots.append(str(prefix))
    if not any(Path(root) == python or Path(root) in python.parents for root in roots):
        raise ValueError(f"the interpreter {python} lies outside {roots}")
    for folder in package_dirs(roots):
        steps.append(
            Mount(
                "mask",
                folder,
                size=_MASK_BYTES,
                mode=0o555,
                why="hides every installed package (autodiff libraries, this project)",
            )
        )
    steps += [
        Mount(
            "tmpfs", SANDBOX, size=_SMALL_TMPFS, inodes=1024, mode=0o755, why="the jail's own files"
        ),
        Mount("dir", SITE, mode=0o755, why="the allowed distributions, on sys.path"),
    ]
    for tree in allowed_trees(names):
        steps.append(
            Mount(
                "bind",
                f"{SITE}/{tree.name}",
                str(tree),
                why="an allowed distribution, read-only",
            )
        )
    steps += [
        Mount("file", WORKER, str(worker), mode=0o444, why="the worker script, read-only"),
        Mount("remount-ro", SANDBOX, why="nothing in /sandbox can be changed"),
    ]
    name = submission_name(submission)
    try:
        size = os.stat(submission).st_size
    except OSError:
        size = 0
    steps += [
        Mount(
            "tmpfs",
            SUBMISSION_DIR,
            size=size + _SMALL_TMPFS,
            inodes=16,
            mode=0o755,
            why="the submission alone: nothing else of its folder (no classmates)",
        ),
        Mount(
            "file",
            f"{SUBMISSION_DIR}/{name}",
            str(submission),
            mode=0o444,
            why="the submission, a read-only copy",
        ),
        Mount("remount-ro", SUBMISSION_DIR, why="the submission cannot be changed"),
        *_data_steps(data),
        Mount(
            "tmpfs",
            "/dev",
            size=_MASK_BYTES * 4,
            inodes=16,
            mode=0o755,
            why="no host device but the four below: no terminal, no shared memory",
        ),
    ]
    for device in ("null", "zero", "random", "urandom"):
        steps.append(Mount("dev", f"/dev/{device}", f"/dev/{device}", why="a harmless device"))
    steps += [
        Mount("remount-ro", "/dev", why="no device node or file can be added"),
        Mount("proc", "/proc", why="the jail's own processes only"),
        Mount(
            "tmpfs",
            SCRATCH,
            size=limits.scratch_bytes,
            inodes=limits.scratch_inodes,
            mode=0o1777,
            why="the only writable place: small, and gone with the mount namespace",
        ),
    ]
    argv = (
        str(python),
        "-I",  # ignore PYTHON* variables and the user's site folder
        "-S",  # no site module: no site-packages, no .pth file is read
        "-B",  # write no .pyc
        WORKER,
        f"{SUBMISSION_DIR}/{name}",
        function,
        SCRATCH,
        SITE,
        "1" if allow_autodiff else "0",
        str(limits.processes),
        *worker_args,
    )
    return Jail(tuple(steps), argv, environment(SCRATCH), SCRATCH, limits)


def _data_steps(data: DataFolder | None) -> list[Mount]:
    """``/data``: the whole folder, or a small tmpfs holding read-only binds of its files."""
    if data is None:
        return []
    if data.files is None:
        return [Mount("bind", DATA, str(data.root), why="the data folder given, read-only")]
    steps = [
        Mount(
            "tmpfs",
            DATA,
            size=_SMALL_TMPFS,
            inodes=4 * len(data.files) + 16,
            mode=0o755,
            why="the data files of the submission's folder, and nothing else of it",
        )
    ]
    for name in data.files:
        steps.append(
            Mount("bind", f"{DATA}/{name}", str(data.root / name), why="a data file, read-only")
        )
    steps.append(Mount("remount-ro", DATA, why="no file can be added to the data"))
    return steps


def environment(scratch: str) -> dict[str, str]:
    """The worker's whole environment: nothing of the grader's is passed on."""
    threads = "1"  # one BLAS thread: repeatable sums, and fair to parallel workers
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": threads,
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "JAX_PLATFORMS": "cpu",  # no probing for accelerators, which the jail has none of
        # Matplotlib draws into files (plt.show() shows nothing); its configuration
        # and font cache go under HOME, inside scratch.
        "MPLBACKEND": "Agg",
    }
