"""Command-line argument parsing shared by ``manual-backprop`` and ``backprop-oracle``."""

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["Parser", "number"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def number(
    convert: Callable[[str], float], accept: Callable[[float], bool], expected: str
) -> Callable[[str], Any]:
    """An argparse ``type=``: ``convert`` the text, refuse values ``accept`` rejects."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse
