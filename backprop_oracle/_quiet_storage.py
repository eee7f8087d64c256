"""Keeps Hypothesis's storage out of the grader's folders; the package imports it first.

Hypothesis keeps a storage folder, ``.hypothesis`` in the current working
directory unless told otherwise, and writes into it even with
``database=None``: the version installed here (6.155) caches there the
constants it reads from the source of every local module
(``.hypothesis/constants/``), and, when text is drawn, its Unicode tables.
``backprop-oracle check`` run in a folder of submissions would leave that
folder behind there.

So, before Hypothesis is first imported (:mod:`backprop_oracle.checks` imports
it), this module sets ``HYPOTHESIS_STORAGE_DIRECTORY``, which Hypothesis reads
on its first use of storage (``hypothesis/configuration.py``), to a path
inside the null device. No one can create that folder: Hypothesis tries, fails
and goes without its cache (the constants are read from the source again,
about 0.3 s per process). Nothing is written anywhere, and there is no
temporary folder to remove afterwards, not even when the oracle is killed.
The processes of ``--jobs`` inherit the variable.

Left alone: a storage folder the user chose (the variable already set), and a
process that imported Hypothesis before the oracle, or runs pytest (a test
session, this project's own among them, keeps its ``.hypothesis``). A process
that imports the oracle first and then runs Hypothesis tests of its own with
the default database gets Hypothesis's warning that the folder is unusable, and
an in-memory database: it can set ``HYPOTHESIS_STORAGE_DIRECTORY`` itself.
"""

import os
import sys

__all__ = ["NOWHERE", "VARIABLE", "keep_hypothesis_storage_away"]

VARIABLE = "HYPOTHESIS_STORAGE_DIRECTORY"
#: A folder that cannot be created: its parent is the null device, not a folder.
NOWHERE = os.path.join(os.devnull, "hypothesis")


def keep_hypothesis_storage_away() -> bool:
    """Point Hypothesis's storage at :data:`NOWHERE` unless that is not ours to decide.

    Returns whether it did.
    """
    if os.environ.get(VARIABLE):
        return False  # the user's choice
    if "hypothesis" in sys.modules or "_pytest" in sys.modules:
        return False  # a test session, or another user of Hypothesis, came first
    os.environ[VARIABLE] = NOWHERE
    return True


keep_hypothesis_storage_away()
