"""The oracle: checks somebody else's backpropagation, safely, against the reference.

``backprop-oracle check FILE`` imports a submission's
``loss_and_grad(W, X, T, layer_sizes, lam)`` in a sandboxed worker process,
puts random problems to it (the oracle's own problems, drawn by Hypothesis),
compares its loss and gradient with :func:`manual_backprop.loss_and_grad` and
with finite differences of its own loss, shrinks a failure to the smallest
counterexample, and reports which parameter block is wrong. A check is a list
of parts (a rubric), each with its own problems, verdict and points. See SPEC
section 5 for the contract and the output.

Modules: :mod:`.rubric` (parts, their problem families and points; the default
rubric), :mod:`.checks` (one file's check: its parts in order, the calls and the
verdicts), :mod:`.problems` (the problems: Hypothesis strategies),
:mod:`.search` (the Hypothesis driver, shrinking and time budgets),
:mod:`.rules` (the comparison rules, pure functions), :mod:`.submission` (the
submitted function, called in its layout), :mod:`.layout_detection`
(``--layout auto``), :mod:`.activation_detection` (``--activation auto``),
:mod:`.diagnosis` and :mod:`.mistakes` (naming the
mistake), :mod:`.sandbox` (the worker process and its isolation),
:mod:`.layouts` (parameter layouts), :mod:`.static` (forbidden imports in the
source), :mod:`.tolerances`, :mod:`.findings`, :mod:`.report`,
:mod:`.template`, :mod:`.cli`; :mod:`._quiet_storage` keeps Hypothesis's
storage folder out of the current folder.

The oracle imports only public names of :mod:`manual_backprop`, and no test
package (``tests/test_layers.py``, and the import-linter contracts in
``pyproject.toml``, check both).
"""

# First, before anything imports Hypothesis (.checks does): Hypothesis's storage
# then never lands in the grader's current folder. See _quiet_storage.
from backprop_oracle import _quiet_storage  # noqa: F401

# isort: split
from backprop_oracle.checks import Options, check_file
from backprop_oracle.findings import KINDS, Finding, Result
from backprop_oracle.layouts import LAYOUTS, from_layout, to_layout
from backprop_oracle.report import json_report, text_report
from backprop_oracle.template import template

__all__ = [
    "KINDS",
    "LAYOUTS",
    "Finding",
    "Options",
    "Result",
    "check_file",
    "from_layout",
    "json_report",
    "template",
    "text_report",
    "to_layout",
]
