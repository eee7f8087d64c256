"""Student files written in Coursera ex4's and CS231n's own interfaces, judged as they are.

``tests/convention_corpus/manifest.toml`` says, for each file, the convention
it is written in, the encoding it uses (ex4: unrolling, first label, shape of
``y``; CS231n: penalty factor), the verdict of each part and the mistakes each
part's diagnosis must name. ``verify.py`` beside it checks the files against
``manual_backprop`` independently of the oracle.
"""

import tomllib
from pathlib import Path

import pytest

from backprop_oracle import Options, check_file
from backprop_oracle.cli import main
from backprop_oracle.conventions import DEFAULT_NAMES
from backprop_oracle.sandbox import sandbox_available

CORPUS = Path(__file__).parent / "convention_corpus"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
ISOLATE = sandbox_available() is None


def test_the_corpus_covers_the_issue():
    """At least 6 files per convention; ex4 in both unrollings and both label bases; every
    new catalogue name made by some file."""
    by_convention: dict[str, list[dict]] = {}
    for entry in MANIFEST.values():
        by_convention.setdefault(entry["convention"], []).append(entry)
    assert len(by_convention["ex4"]) >= 6
    assert len(by_convention["cs231n"]) >= 6
    ex4 = by_convention["ex4"]
    assert {e["encoding"]["order"] for e in ex4} == {"row", "column"}
    assert {e["encoding"]["base"] for e in ex4} == {0, 1}
    named = {m for e in MANIFEST.values() for found in e["mistakes"].values() for m in found}
    new = {"penalty-scale", "gradient-is-parameters", "block-scaled", "log-epsilon"}
    assert new | {"bias-unit-not-one", "unstable-loss"} <= named
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*.py")}
    assert on_disk == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_file_gets_its_verdicts_encoding_and_mistakes(name):
    entry = MANIFEST[name]
    convention = entry["convention"]
    function = entry.get("class", DEFAULT_NAMES[convention])
    result = check_file(
        CORPUS / name, Options(convention=convention, function=function, isolate=ISOLATE)
    )
    verdicts = {p.name: p.verdict for p in result.parts}
    assert verdicts == entry["parts"], [f.message for p in result.parts for f in p.findings]
    assert result.verdict == entry["verdict"]
    for part in result.parts:
        if part.name not in entry["mistakes"]:
            continue  # the manifest leaves it open, and says why
        named = sorted({f.details["mistake"] for f in part.findings if f.kind == "diagnosis"})
        assert named == sorted(entry["mistakes"][part.name]), (part.name, part.findings)
    found = next(f.details for f in result.findings if "encoding" in f.details)["encoding"]
    expected = entry["encoding"]
    if convention == "ex4":
        assert found["order"] == expected["order"]
        assert found["label_base"] == expected["base"]
        if not expected.get("y_shape_any"):
            assert found["y_shape"].replace(" ", "") == expected["y_shape"]
    else:
        assert found["penalty_factor"] == expected["penalty_factor"]


def test_a_penalty_factor_given_wrongly_is_the_penalty_scale():
    """``--penalty-factor 0.5`` on a class whose penalty is ``reg * sum W^2``: its penalty is
    then twice the assignment's, in the loss and the gradient alike."""
    result = check_file(
        CORPUS / "cs231n/two_layer_net.py",
        Options(convention="cs231n", function="TwoLayerNet", penalty_factor=0.5, isolate=ISOLATE),
    )
    part = next(p for p in result.parts if p.name == "two-layer")
    assert part.verdict == "fail"
    assert [f.details["mistake"] for f in part.findings if f.kind == "diagnosis"] == [
        "penalty-scale"
    ]
    (note,) = [f for f in result.findings if "encoding" in f.details]
    assert note.message.startswith("cs231n convention, as given: ")
    assert note.details["encoding"] == {"penalty_factor": 0.5}


@pytest.mark.parametrize("hidden", ["0", "2-5"])
def test_an_ex4_rubric_asking_for_another_depth_is_refused(tmp_path, hidden, capsys):
    """nnCostFunction takes one hidden size: a rubric part without 1 hidden layer is a misuse."""
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(f'[[part]]\nname = "deep"\nmax_score = 1\nhidden_layers = "{hidden}"\n')
    path = CORPUS / "ex4/vectorised_rowmajor_base0.py"
    with pytest.raises(SystemExit) as stopped:
        main(["check", str(path), "--convention", "ex4", "--rubric", str(rubric)])
    assert stopped.value.code == 2
    assert "the ex4 convention has one hidden layer" in capsys.readouterr().err
