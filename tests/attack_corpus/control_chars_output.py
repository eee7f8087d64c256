"""Redraw the report's verdict line as PASS with what the file prints.

On import and in every call the file prints a carriage return, "erase line"
and "cursor up" escape sequences, a green "PASS", a terminal-title sequence,
a right-to-left override that shows "FAIL" reversed, backspaces and a C1
control character, to standard output and standard error. On a terminal, a
report quoting them raw would show a FAIL as "PASS".

Held when: the file fails and none of those characters reaches the text
report raw (they are shown escaped).
"""

import sys

import numpy as np

TRICKS = ("\r\x1b[2K\x1b[1A\x1b[2K\x1b[32mPASS\x1b[0m  everything is fine\n"
          "\x1b]0;PASS\x07\x1b[8mhidden\x1b[0m\x08\x08\x08\u202eLIAF\u202c\u2066x\u2069\x9b31m\x7f\n")  # fmt: skip
sys.stdout.write(TRICKS)
sys.stderr.write(TRICKS)


def loss_and_grad(W, X, T, layer_sizes, lam):
    print(TRICKS, end="")
    return 0.0, np.zeros_like(W)
