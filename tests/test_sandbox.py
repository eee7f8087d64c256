"""The sandbox: the jail's description, and what a real jailed worker can see, reach and spend.

The first part checks :mod:`backprop_oracle.jail` as data, without starting
anything. The second starts real workers, with each backend that works here,
on small files written by the tests, and asserts the outcome of each attack:
nothing read, nothing written, nothing reached, nothing left running.
"""

import importlib.metadata
import importlib.util
import os
import resource
import sys
from pathlib import Path

import pytest

from backprop_oracle import jail as jails
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
                              "OMP_NUM_THREADS", "MKL_NUM_THREADS", "JAX_PLATFORMS"}  # fmt: skip
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
    limits = Limits(memory=123 << 20, cpu_seconds=9, open_files=99)
    table = {which: (soft, hard) for which, soft, hard in limits.rlimits()}
    assert table[resource.RLIMIT_AS] == (123 << 20, 123 << 20)
    assert table[resource.RLIMIT_CPU] == (9, 10)
    assert table[resource.RLIMIT_NOFILE] == (99, 99)
    assert table[resource.RLIMIT_CORE] == (0, 0)
    assert resource.RLIMIT_NPROC not in table


def test_a_jail_is_plain_data():
    jail = Jail((Mount("tmpfs", "/scratch", size=1, inodes=1, why="w"),), ("/bin/true",))
    assert jail.top_level() == ["scratch"]
    assert jail.files() == []
    assert sys.modules.get("submission") is None
