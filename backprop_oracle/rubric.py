"""Rubrics: a check as a list of named parts, each with its problem family and its points.

A :class:`Part` says which function to call, with which hidden activation,
on which problems (its :class:`Family`: hidden layers, output kind, range of
``lam``, weight scale), and what it is worth. The default rubric is the seed's
exercise (``rubrics/default.toml``, printed by ``backprop-oracle rubric``); a
teacher's rubric is a TOML file of the same form (:func:`parse_rubric`).

The narrowing flags (``--hidden-layers``, ``--outputs``, ``--lam-max``)
restrict every part (:func:`narrow`); a part left with no problem is skipped,
and :attr:`Part.skipped` says why.

Weight scales: "ordinary" problems have no output logit beyond
:data:`ORDINARY_LOGIT`, where every correct formula for the loss is accurate
(see the value's comment); "saturating" problems have logits beyond it, up to
thousands, where only a loss computed stably from the logits stays finite and
accurate.
"""

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib.resources import files
from typing import Any

__all__ = [
    "CONVENTION_RUBRICS",
    "EXAMPLES",
    "MAX_HIDDEN",
    "ORDINARY_LOGIT",
    "OUTPUTS",
    "Family",
    "Part",
    "RubricError",
    "default_rubric",
    "narrow",
    "parse_hidden_layers",
    "parse_rubric",
    "rubric_text",
]

#: The largest |output logit| of an "ordinary" problem. The textbook loss
#: -log(1 - sigmoid(a)) is the least accurate correct formula: 1 - p is rounded
#: with an absolute error of about eps / 2, so the term (about a) errs by about
#: eps e^a, a relative error of eps e^a / a: 4.9e-13 at a = 10, a twentieth of
#: the oracle's LOSS_RTOL (1e-11); 3.0e-12 at a = 12, and 1e-11 near a = 13.4.
#: Measured (tests/measure_oracle_margins.py --examples 2000, ordinary weights):
#: the textbook loss of tests/oracle_corpus/wrong/unstable_loss_vectorised.py stays
#: below 7.0e-3 of the oracle's loss tolerance, a margin of ~140.
ORDINARY_LOGIT = 10.0
#: The most hidden layers a part may ask for (the oracle's problems have 0 to 5).
MAX_HIDDEN = 5
#: Output kinds: one sigmoid output, or 2 to 5 softmax outputs.
OUTPUTS = ("binary", "multiclass", "both")
#: Named example rubrics shipped with the oracle (``backprop-oracle rubric --example``).
EXAMPLES = {"seed-bonus": "seed_bonus.toml"}
#: Each convention's default rubric (``cs231n-deep``: a class taking ``hidden_dims``).
CONVENTION_RUBRICS = {
    "spec": "default.toml",
    "ex4": "ex4.toml",
    "cs231n": "cs231n.toml",
    "cs231n-deep": "cs231n_deep.toml",
}

_ACTIVATIONS = ("sigmoid", "relu", "tanh")
_WEIGHTS = ("ordinary", "saturating")
_CHECKS = ("numbers", "contract")
_VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")
_LAM_MAX = 1e3
_KEYS = {
    "name",
    "title",
    "max_score",
    "checks",
    "function",
    "activation",
    "hidden_layers",
    "outputs",
    "lam_min",
    "lam_max",
    "weights",
    "like",
    "examples",
    "visibility",
}


class RubricError(ValueError):
    """A rubric that cannot be used; the message names the part and the key."""


@dataclass(frozen=True)
class Family:
    """The problems of a part: hidden layers, output kind, ``lam``, weight scale."""

    hidden: tuple[int, int] = (0, MAX_HIDDEN)
    outputs: str = "both"
    lam: tuple[float, float] = (0.0, _LAM_MAX)
    weights: str = "ordinary"

    def output_sizes(self) -> tuple[int, ...]:
        """The numbers of output units drawn: 1 for binary, 2 to 5 for multiclass."""
        return {"binary": (1,), "multiclass": (2, 3, 4, 5), "both": (1, 2, 3, 4, 5)}[self.outputs]

    def contains(self, layer_sizes: list[int], lam: float) -> bool:
        """Whether a problem of these sizes and ``lam`` belongs to the family."""
        hidden = len(layer_sizes) - 2
        return (
            self.hidden[0] <= hidden <= self.hidden[1]
            and layer_sizes[-1] in self.output_sizes()
            and self.lam[0] <= lam <= self.lam[1]
        )

    def describe(self) -> str:
        """In words, e.g. "2-5 hidden layers, binary, lam 0 to 1000, ordinary weights"."""
        lo, hi = self.hidden
        layers = f"{lo}" if lo == hi else f"{lo}-{hi}"
        noun = "hidden layer" if (lo, hi) == (1, 1) else "hidden layers"
        outputs = {"both": "binary or multiclass"}.get(self.outputs, self.outputs)
        lam = (
            f"lam {self.lam[0]:g}"
            if self.lam[0] == self.lam[1]
            else (f"lam {self.lam[0]:g} to {self.lam[1]:g}")
        )
        return f"{layers} {noun}, {outputs}, {lam}, {self.weights} weights"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        lo, hi = self.hidden
        return {
            "hidden_layers": f"{lo}" if lo == hi else f"{lo}-{hi}",
            "outputs": self.outputs,
            "lam": list(self.lam),
            "weights": self.weights,
        }


@dataclass(frozen=True)
class Part:
    """One part of a rubric (see ``rubrics/default.toml`` for the meaning of each field).

    ``function`` and ``activation`` are None where the command line decides;
    ``like`` names the parts whose families a ``saturating`` part takes;
    ``skipped`` says why narrowing left the part without problems.
    """

    name: str
    max_score: float
    title: str = ""
    checks: str = "numbers"
    function: str | None = None
    activation: str | None = None
    family: Family = field(default_factory=Family)
    like: tuple[str, ...] = ()
    examples: int | None = None
    visibility: str = "visible"
    skipped: str = ""


def _fail(where: str, message: str) -> RubricError:
    return RubricError(f"{where}: {message}")


def parse_hidden_layers(value: object, where: str = "hidden_layers") -> tuple[int, int]:
    """``1`` or ``"2-5"`` as a range ``(lo, hi)`` within 0 to :data:`MAX_HIDDEN`."""
    if isinstance(value, bool):
        raise _fail(where, f'expected a number or a range like "2-5", got {value!r}')
    if isinstance(value, int):
        lo = hi = value
    elif isinstance(value, str) and (m := re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", value)):
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
    else:
        raise _fail(where, f'expected a number or a range like "2-5", got {value!r}')
    if not 0 <= lo <= hi <= MAX_HIDDEN:
        raise _fail(where, f"{value!r} is not a range within 0 to {MAX_HIDDEN} hidden layers")
    return lo, hi


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(where, f"expected a finite number, got {value!r}")
    return float(value)


def _choice(value: object, choices: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _fail(where, f"expected one of {', '.join(choices)}; got {value!r}")
    return value


def _part(table: object, index: int) -> Part:
    where = f"part {index + 1}"
    if not isinstance(table, dict):
        raise _fail(where, "a part is a [[part]] table")
    name = table.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}", name):
        raise _fail(where, f"name: expected letters, digits, '-' and '_' (up to 32); got {name!r}")
    where = f"part {name!r}"
    if unknown := sorted(set(table) - _KEYS):
        raise _fail(
            where, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}"
        )
    if "max_score" not in table:
        raise _fail(where, "max_score is missing")
    max_score = _number(table["max_score"], f"{where}: max_score")
    if max_score < 0:
        raise _fail(where, f"max_score must be >= 0, got {max_score:g}")
    checks = _choice(table.get("checks", "numbers"), _CHECKS, f"{where}: checks")
    numbers_only = {"function", "activation", "hidden_layers", "outputs", "lam_min", "lam_max"}
    numbers_only |= {"weights", "like", "examples"}
    if checks == "contract" and (extra := sorted(set(table) & numbers_only)):
        raise _fail(where, f"a contract part has no problems of its own: remove {', '.join(extra)}")
    function = table.get("function")
    if function is not None and (not isinstance(function, str) or not function.isidentifier()):
        raise _fail(where, f"function: expected a Python name, got {function!r}")
    activation = table.get("activation")
    if activation is not None:
        activation = _choice(activation, _ACTIVATIONS, f"{where}: activation")
    weights = _choice(table.get("weights", "ordinary"), _WEIGHTS, f"{where}: weights")
    like = table.get("like", [])
    if not isinstance(like, list) or not all(isinstance(n, str) for n in like):
        raise _fail(where, f"like: expected a list of part names, got {like!r}")
    if like and (own := sorted(set(table) & {"hidden_layers", "outputs", "lam_min", "lam_max"})):
        raise _fail(
            where,
            f"a part with `like` takes its families from those parts: remove {', '.join(own)}",
        )
    if like and weights != "saturating":
        raise _fail(where, '`like` is for a part with weights = "saturating"')
    hidden = parse_hidden_layers(
        table.get("hidden_layers", f"0-{MAX_HIDDEN}"), f"{where}: hidden_layers"
    )
    outputs = _choice(table.get("outputs", "both"), OUTPUTS, f"{where}: outputs")
    lam_min = _number(table.get("lam_min", 0.0), f"{where}: lam_min")
    lam_max = _number(table.get("lam_max", _LAM_MAX), f"{where}: lam_max")
    if not 0.0 <= lam_min <= lam_max:
        raise _fail(
            where,
            f"expected 0 <= lam_min <= lam_max; got {lam_min:g} and {lam_max:g}",
        )
    examples = table.get("examples")
    if examples is not None and (
        isinstance(examples, bool) or not isinstance(examples, int) or examples < 1
    ):
        raise _fail(where, f"examples: expected a positive whole number, got {examples!r}")
    title = table.get("title", "")
    if not isinstance(title, str):
        raise _fail(where, f"title: expected text, got {title!r}")
    visibility = _choice(table.get("visibility", "visible"), _VISIBILITY, f"{where}: visibility")
    return Part(
        name=name,
        max_score=max_score,
        title=title,
        checks=checks,
        function=function,
        activation=activation,
        family=Family(hidden, outputs, (lam_min, lam_max), weights),
        like=tuple(like),
        examples=examples,
        visibility=visibility,
    )


def parse_rubric(text: str, source: str = "the rubric") -> list[Part]:
    """The parts of a rubric written in TOML; :class:`RubricError` names what is wrong."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{source} is not valid TOML: {exc}") from None
    if unknown := sorted(set(document) - {"part"}):
        raise RubricError(
            f"{source}: unknown table(s) {', '.join(unknown)}; a rubric has [[part]] tables only"
        )
    tables = document.get("part")
    if not isinstance(tables, list) or not tables:
        raise RubricError(f"{source} has no [[part]] table")
    try:
        parts = [_part(table, i) for i, table in enumerate(tables)]
    except RubricError as exc:
        raise RubricError(f"{source}: {exc}") from None
    names = [p.name for p in parts]
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise RubricError(f"{source}: part name(s) {', '.join(twice)} used twice")
    numbers = {p.name for p in parts if p.checks == "numbers" and not p.like}
    for part in parts:
        if bad := [n for n in part.like if n not in numbers]:
            raise RubricError(
                f"{source}: part {part.name!r}: like names {', '.join(bad)}, which is not a "
                "part with problems of its own"
            )
    if not any(p.checks == "numbers" for p in parts):
        raise RubricError(f'{source}: no part checks numbers (checks = "numbers")')
    return parts


def rubric_text(example: str | None = None, convention: str = "spec") -> str:
    """The text of the default rubric, of a convention's (:data:`CONVENTION_RUBRICS`), or
    of the named example rubric (:data:`EXAMPLES`)."""
    name = CONVENTION_RUBRICS[convention] if example is None else EXAMPLES[example]
    return files("backprop_oracle").joinpath("rubrics", name).read_text(encoding="utf-8")


def default_rubric(convention: str = "spec") -> list[Part]:
    """The seed's exercise (``ex1``, ``ex2``, ``ex3``, ``stability``, ``contract``), or a
    course convention's own parts."""
    source = "the default rubric" if convention == "spec" else f"the {convention} rubric"
    return parse_rubric(rubric_text(convention=convention), source)


def _narrowed(
    family: Family, hidden: tuple[int, int] | None, outputs: str | None, lam_max: float | None
) -> tuple[Family, str]:
    """``family`` within the flags, and why it is empty ("" when it is not)."""
    lo, hi = family.hidden
    if hidden is not None:
        lo, hi = max(lo, hidden[0]), min(hi, hidden[1])
        if lo > hi:
            a, b = family.hidden
            asks = f"{a}" if a == b else f"{a}-{b}"
            given = f"{hidden[0]}" if hidden[0] == hidden[1] else f"{hidden[0]}-{hidden[1]}"
            return (
                family,
                f"it asks for {asks} hidden layers and --hidden-layers {given} allows none of them",
            )
    kind = family.outputs
    if outputs is not None and outputs != "both":
        if kind not in (outputs, "both"):
            return family, f"its outputs are {kind} and --outputs {outputs} leaves none"
        kind = outputs
    lam = family.lam
    if lam_max is not None:
        if family.lam[0] > lam_max:
            return family, f"its lam starts at {family.lam[0]:g}, above --lam-max {lam_max:g}"
        lam = (family.lam[0], min(family.lam[1], lam_max))
    return Family((lo, hi), kind, lam, family.weights), ""


def narrow(
    parts: list[Part],
    hidden: tuple[int, int] | None = None,
    outputs: str | None = None,
    lam_max: float | None = None,
) -> list[Part]:
    """Every part restricted by the narrowing flags; an emptied part is marked skipped.

    A part with ``like`` is skipped when every part it takes its families from is.
    """
    result = []
    for part in parts:
        if part.checks != "numbers" or part.like:
            result.append(part)
            continue
        family, why = _narrowed(part.family, hidden, outputs, lam_max)
        result.append(replace(part, family=family, skipped=why))
    skipped = {p.name for p in result if p.skipped}
    for i, part in enumerate(result):
        if part.like and all(name in skipped for name in part.like):
            result[i] = replace(
                part,
                skipped=f"the parts it takes its problems from ({', '.join(part.like)}) are "
                "all skipped",
            )
    return result
