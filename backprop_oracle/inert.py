"""Making a submission's text safe to show: no terminal control, no path of the grader's.

Whatever comes from a submission (what it printed, its exception messages and
tracebacks, the guard's messages about it, descriptions of what it returned,
its function's name, even its file name) is shown in text reports only after
:func:`escape_controls`: a printed carriage return or escape sequence can then
never move the cursor and redraw a FAIL as "PASS". :class:`PathHider` replaces
the absolute paths of the grader's machine that such text may hold (the
submission's own path, its path inside the jail, the scratch folder, the
Python runtime and its packages, the home and current folders) before they
reach any report, text or JSON.
"""

import os
import re
import site
import sys
import sysconfig
from pathlib import Path

from backprop_oracle.jail import SITE, SUBMISSION_DIR, WORKER, submission_name

__all__ = ["PathHider", "display_name", "escape_controls"]

#: Characters that control a terminal or the direction of text: C0 controls
#: (newline and tab excepted), DEL, C1 controls, the Unicode line and paragraph
#: separators, and the bidirectional marks, embeddings, overrides and isolates.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
#: The same, newline and tab included: for text that must stay on one line.
_CONTROLS_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, one_line: bool = False) -> str:
    r"""``text`` with every control character written as an escape (``\x1b``, ``\u202e``).

    Parameters
    ----------
    text : str
        Text that came from a submission.
    one_line : bool
        Escape newline and tab too (for a file name or a table cell).

    Returns
    -------
    str
        The same text, inert on a terminal: only printable characters, and
        newlines and tabs unless ``one_line``.
    """
    return (_CONTROLS_ONE_LINE if one_line else _CONTROLS).sub(_escape, text)


def display_name(path: Path) -> str:
    """The name a report gives a submission: as the user gave it; an absolute path
    relative to the current folder when it lies inside it, else its file name alone
    (a report never shows a folder of the grader's machine)."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except (ValueError, OSError):
            return path.name
    return str(path)


def _runtime_paths() -> dict[str, str]:
    """Folders of the oracle's own Python and this project, each with the name shown for it."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    prefixes |= {os.path.realpath(p) for p in prefixes} | {sysconfig.get_path("stdlib")}
    packages = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    packages |= set(site.getsitepackages())
    if site.ENABLE_USER_SITE and site.USER_SITE:
        packages.add(site.USER_SITE)
    names = dict.fromkeys(prefixes, "<python>") | dict.fromkeys(packages, "<site-packages>")
    names[str(Path(__file__).resolve().parent.parent)] = "<oracle>"  # this project's checkout
    return {folder: name for folder, name in names.items() if folder and folder != "/"}


class PathHider:
    """Replaces absolute paths of the grader's machine in a submission's text.

    Parameters
    ----------
    submission : Path
        The submission file as the user gave it.
    shown : str
        How reports name it (:func:`display_name`).
    scratch : str or None
        The worker's scratch folder on the host, when it ran without the jail.
    """

    def __init__(self, submission: Path, shown: str, scratch: str | None = None) -> None:
        pairs: list[tuple[str, str]] = []
        real = os.path.realpath(submission)
        for path in {real, os.path.abspath(submission)}:
            pairs.append((path, shown))
        pairs.append((f"{SUBMISSION_DIR}/{submission_name(Path(real))}", shown))
        pairs.append((WORKER, "<oracle's worker>"))
        if scratch:
            pairs += [(scratch, "<scratch>"), (os.path.realpath(scratch), "<scratch>")]
        pairs += list(_runtime_paths().items())
        pairs.append((SITE, "<site-packages>"))
        home = os.path.expanduser("~")
        if home not in ("", "/", "~"):
            pairs.append((home, "~"))
        cwd = os.getcwd()
        if cwd != "/":
            pairs.append((cwd, "."))
        self._names = dict(sorted(pairs, key=lambda pair: len(pair[0])))
        # Longest first, so that a folder never hides part of a longer path inside
        # it; a path matches only whole (followed by "/" or by no name character).
        alternatives = sorted(self._names, key=len, reverse=True)
        self._pattern = re.compile(
            "(" + "|".join(map(re.escape, alternatives)) + r")(?=/|$|[^\w.-])"
        )

    def __call__(self, text: str) -> str:
        """``text`` with each known path replaced by its name."""
        return self._pattern.sub(lambda match: self._names[match.group()], text)
