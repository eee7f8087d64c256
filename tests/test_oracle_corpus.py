"""The oracle's verdicts on the corpus of submissions in ``tests/oracle_corpus``.

Every file is checked through the command line with ``--json``, its standard
output captured at the file-descriptor level: whatever a submission prints,
the output must be exactly one JSON document. ``manifest.toml`` gives each
file's expected verdict and the finding kinds that must appear. The last test
checks that no submission changed an installed file.
"""

import hashlib
import json
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy

import backprop_oracle
import jax_reference
import manual_backprop
import property_tests
from backprop_oracle import Options, Result, check_file
from backprop_oracle.cli import main

CORPUS = Path(__file__).with_name("oracle_corpus")
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text())

# Problems per part (stability draws this many for each of ex1, ex2 and ex3):
# enough that a correct file meets every architecture shape of each part's family
# (N = 1, lam = 0 and 1000, 1e3 weights in stability); a wrong file fails on its
# first few and is then shrunk. The slowest planted mistake to show,
# softmax_without_max_subtraction_*.py, first failed at the 96th stability problem
# at worst over seeds 0 to 39 (measured with the default 3 x 100); 3 x 50 = 150.
EXAMPLES = "50"
# Per-call limit for the corpus: its slowest honest call (a per-sample loop on
# 40 samples) takes milliseconds, so 3 s only delays the two hanging files.
TIMEOUT = "3"
# Enough for numpy and any honest submission; small, so that the file that
# allocates without bound reaches it quickly.
MEMORY_MIB = "512"


def _installed_files() -> dict[str, str]:
    """SHA-256 of every file a hostile submission might want to change."""
    roots = [
        Path(m.__file__).parent
        for m in (manual_backprop, jax_reference, backprop_oracle, property_tests)
    ]
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    files += [Path(np.__file__), Path(scipy.__file__), Path(pytest.__file__)]
    files += sorted(CORPUS.rglob("*.py"))
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if "__pycache__" not in p.parts
    }


BEFORE = _installed_files()


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_verdict(name, capfd, tmp_path, monkeypatch):
    entry = MANIFEST[name]
    monkeypatch.chdir(tmp_path)  # a submission must leave the current folder alone too
    options = {
        "--seed": "0",
        "--examples": EXAMPLES,
        "--timeout": TIMEOUT,
        "--memory": MEMORY_MIB,
        "--activation": entry.get("activation", "sigmoid"),
        "--layout": entry.get("layout", "canonical"),
        "--function": entry.get("function", "loss_and_grad"),
    }
    argv = ["check", str(CORPUS / name), "--json", *(x for pair in options.items() for x in pair)]
    status = main(argv)
    out, _ = capfd.readouterr()
    document = json.loads(out)  # exactly one JSON document, nothing printed around it
    (result,) = document["results"]
    kinds = [f["kind"] for f in result["findings"]]
    report = json.dumps(result["findings"], indent=1)[:3000]
    assert result["verdict"] == entry["verdict"], report
    assert status == (0 if entry["verdict"] == "pass" else 1)
    assert set(entry["kinds"]) <= set(kinds), report
    if "parts" in entry:
        assert {p["name"]: p["verdict"] for p in result["parts"]} == entry["parts"], report
    # Each mistake once, however many parts name it.
    diagnosed = sorted({f["mistake"] for f in result["findings"] if f["kind"] == "diagnosis"})
    if entry["verdict"] == "pass":
        assert set(kinds) <= {"note"}, report  # no correct submission gets a diagnosis
        assert result["counterexample"] is None
    elif "mistake" in entry or "mistakes" in entry:
        assert diagnosed == sorted(entry.get("mistakes", [entry.get("mistake")])), report
    else:  # a hostile file: no known mistake is claimed for it
        assert diagnosed == [], report
    assert list(tmp_path.iterdir()) == []


FULL_SIGNATURE_CORRECT = sorted(
    name
    for name, entry in MANIFEST.items()
    if name.startswith("correct/") and "function" not in entry
)
LAYOUT_FILES = sorted(name for name in MANIFEST if name.startswith("wrong/layout_"))


def _check(name: str, **changes: object) -> Result:
    entry = MANIFEST[name]
    options = Options(
        activation=entry.get("activation", "sigmoid"),
        layout=entry.get("layout", "canonical"),
        seed=0,
        examples=int(EXAMPLES),
        timeout=float(TIMEOUT),
    )
    return check_file(CORPUS / name, replace(options, **changes))


@pytest.mark.parametrize("name", FULL_SIGNATURE_CORRECT + LAYOUT_FILES)
def test_layout_auto_finds_the_layout_and_passes(name):
    """Correct files, and files right in another layout, pass under --layout auto."""
    result = _check(name, layout="auto")
    expected = MANIFEST[name].get("layout", "canonical")
    if name in LAYOUT_FILES:  # "wrong" only because the manifest checks them as canonical
        expected = "ng" if "_ng_" in name else "weights-then-biases"
    assert result.verdict == "pass", [f.message for f in result.all_findings()]
    (note,) = result.all_findings()
    assert note.kind == "note"
    assert note.details == {"layout": expected}
    assert note.message.startswith(f"--layout auto: the submission matches the {expected} layout")


@pytest.mark.parametrize(
    ("name", "layout", "mistake"),
    [
        ("correct/ng_layout.py", "canonical", "layout-ng"),
        ("correct/weights_then_biases_layout.py", "canonical", "layout-weights-then-biases"),
        ("correct/vectorised_sigmoid.py", "ng", "layout-canonical"),
        ("correct/ng_layout.py", "weights-then-biases", "layout-ng"),
    ],
)
def test_right_in_another_layout_fails_with_that_layout_named(name, layout, mistake):
    result = _check(name, layout=layout)
    assert result.verdict == "fail"
    diagnosed = [f.details["mistake"] for f in result.all_findings() if f.kind == "diagnosis"]
    assert diagnosed == [mistake]


# The hostile files whose defeat depends on isolation: without namespaces, the
# worker's audit hook alone must still refuse what they try.
ISOLATION_DEPENDENT = [
    "hostile/write_into_packages.py",
    "hostile/network_at_import.py",
    "hostile/subprocess_at_import.py",
    "hostile/forge_protocol.py",
    "hostile/obfuscated_jax_import.py",
    "hostile/imports_manual_backprop.py",
]


@pytest.mark.parametrize("name", ISOLATION_DEPENDENT)
def test_hostile_files_fail_the_same_way_without_namespaces(name):
    entry = MANIFEST[name]
    options = Options(isolate=False, seed=0, examples=int(EXAMPLES), timeout=float(TIMEOUT))
    result = check_file(CORPUS / name, options)
    kinds = {f.kind for f in result.all_findings()}
    assert result.verdict == "fail"
    assert set(entry["kinds"]) <= kinds
    assert result.sandbox is None  # reported as "sandbox": false, with a banner in text


def test_no_submission_changed_an_installed_file():
    """Runs after the corpus (pytest keeps the file's order): every hash is unchanged."""
    after = _installed_files()
    changed = sorted(p for p in BEFORE if after.get(p) != BEFORE[p])
    assert changed == []
    assert sys.modules.get("submission") is None  # nothing was imported in this process
