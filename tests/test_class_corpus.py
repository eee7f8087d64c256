"""A class of submissions graded as a teacher grades it: ``tests/class_corpus``.

The class is student code written the ways students write it: complete, for one
architecture only, binary only, softmax only, ``lam = 0`` only, unstable, with
the catalogue's mistakes (some of them also in files for one architecture), and
with mistakes outside it. ``manifest.toml`` gives each file's verdict, the
verdict of every part and the mistakes each part must name, under the default
rubric, under the narrowing flags, and under the shipped Bonus-1 rubric.

The files of one command line are graded together, as a class is
(``backprop-oracle check FILES --jobs 2 --json``), with the seed each file's
content gives (no ``--seed``); each table is then a test of its own.
"""

import json
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

from backprop_oracle.cli import main
from backprop_oracle.rubric import rubric_text
from backprop_oracle.sandbox import sandbox_available

CLASS = Path(__file__).with_name("class_corpus")
MANIFEST = tomllib.loads((CLASS / "manifest.toml").read_text())
NO_SANDBOX = [] if sandbox_available() is None else ["--no-sandbox"]


def _file(key: str) -> str:
    return str(MANIFEST[key].get("file", key))


@cache
def _rubric_folder() -> Path:
    """A folder holding the shipped example rubric, for ``{seed-bonus}`` in ``args``."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="class-corpus-"))
    (folder / "seed_bonus.toml").write_text(rubric_text("seed-bonus"))
    return folder


def _args(key: str) -> tuple[str, ...]:
    return tuple(
        str(_rubric_folder() / "seed_bonus.toml") if a == "{seed-bonus}" else a
        for a in MANIFEST[key]["args"]
    )


def _run(files: list[str], args: tuple[str, ...]) -> tuple[int, str]:
    """``backprop-oracle check FILES ARGS --jobs 2 --json`` in the class's folder."""
    import contextlib
    import io
    import os

    out = io.StringIO()
    here = os.getcwd()
    os.chdir(CLASS)
    try:
        with contextlib.redirect_stdout(out):
            status = main(["check", *files, *args, "--jobs", "2", "--json", *NO_SANDBOX])
    finally:
        os.chdir(here)
    return status, out.getvalue()


@cache
def _graded(args: tuple[str, ...]) -> dict[str, dict]:
    """Every file of the manifest checked with ``args``, by file name."""
    files = sorted({_file(k) for k in MANIFEST if _args(k) == args})
    _, out = _run(files, args)
    return {r["file"]: r for r in json.loads(out)["results"]}


def _mistakes(part: dict) -> list[str]:
    return sorted({f["mistake"] for f in part["findings"] if f["kind"] == "diagnosis"})


@pytest.mark.parametrize("key", sorted(MANIFEST))
def test_the_class(key):
    entry = MANIFEST[key]
    result = _graded(_args(key))[_file(key)]
    parts = {p["name"]: p for p in result["parts"]}
    summary = {n: (p["verdict"], _mistakes(p), p["reason"]) for n, p in parts.items()}
    assert result["verdict"] == entry["verdict"], summary
    assert {n: p["verdict"] for n, p in parts.items()} == entry["parts"], summary
    for name, expected in entry["mistakes"].items():
        assert _mistakes(parts[name]) == sorted(expected), (name, summary)
    # Points: full for a pass, none otherwise; the file's score is their sum.
    for part in parts.values():
        assert part["score"] == (part["max_score"] if part["verdict"] == "pass" else 0)
    assert result["score"] == sum(p["score"] for p in parts.values())
    # A part that was not judged says why; one that refused everything names the refusal.
    for part in parts.values():
        if part["verdict"] in ("skipped", "not-implemented"):
            assert part["reason"]
            assert part["findings"][0]["message"].startswith(part["verdict"].replace("-", " "))


def test_the_class_covers_what_the_issue_asks_for():
    """At least 20 files; the kinds of submission a class holds are all there."""
    files = {_file(k) for k in MANIFEST}
    assert len(files) >= 20
    verdicts = [v for e in MANIFEST.values() for v in e["parts"].values()]
    assert {"pass", "fail", "not-implemented", "skipped"} <= set(verdicts)
    unstable = [
        k for k, e in MANIFEST.items() if "unstable-loss" in e["mistakes"].get("stability", [])
    ]
    assert len(unstable) >= 2
    named_in_partial = [
        k
        for k, e in MANIFEST.items()
        if "not-implemented" in e["parts"].values()
        and any(m for n, m in e["mistakes"].items() if n != "stability")
    ]
    assert len(named_in_partial) >= 3  # defects named in files that answer only part


#: Files of every kind, graded twice with the same command.
REPEATED = [
    "correct_dict_params.py",
    "one_hidden_missing_mean.py",
    "textbook_bce_binary_only.py",
    "softmax_only_columns.py",
]


def test_the_same_command_gives_the_same_json_apart_from_timings():
    """No --seed: the seed comes from each file's content, so two runs agree byte for byte
    once the seconds are blanked out."""
    runs = []
    for _ in range(2):
        status, out = _run(REPEATED, ())
        runs.append(re.sub(r'"seconds": [0-9.e+-]+', '"seconds": 0', out))
    assert status == 1
    assert runs[0] == runs[1]
    seeds = [r["seed"] for r in json.loads(runs[0])["results"]]
    assert len(set(seeds)) == len(REPEATED)  # each file its own
