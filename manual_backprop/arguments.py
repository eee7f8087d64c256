"""Command-line argument parsing shared by both commands.

``manual-backprop`` (:mod:`manual_backprop.cli`) and ``backprop-oracle``
(:mod:`backprop_oracle.cli`) parse their arguments with the same parser class,
so that both report a misuse the same way: one line on standard error, exit
status 2 (SPEC section 5), and both refuse a bad number with the same message.
"""

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["Parser", "number"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` on standard error and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def number(
    convert: Callable[[str], float], accept: Callable[[float], bool], expected: str
) -> Callable[[str], Any]:
    """An argparse ``type=``: ``convert`` the text, refuse values ``accept`` rejects.

    Parameters
    ----------
    convert : callable
        ``convert(text) -> value``, such as ``int`` or ``float``; a ``ValueError``
        it raises counts as a refusal.
    accept : callable
        ``accept(value) -> bool``: whether the converted value is allowed.
    expected : str
        What was expected, for the message: ``"a positive integer"``.

    Returns
    -------
    callable
        ``parse(text) -> value``, raising :class:`argparse.ArgumentTypeError`
        with ``expected {expected}, got {text!r}`` for a refused text.
    """

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse
