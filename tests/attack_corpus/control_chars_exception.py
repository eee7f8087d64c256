"""Redraw the report's verdict line as PASS through an exception's message.

Every call raises a ValueError whose message holds a carriage return, "erase
line" and "cursor up" escape sequences, a green "PASS", a right-to-left
override and a terminal-title sequence. The oracle quotes the message in its
``crash`` finding.

Held when: the file fails and none of those characters reaches the text
report raw.
"""

TRICKS = ("\r\x1b[2K\x1b[1A\x1b[2K\x1b[32mPASS\x1b[0m  all good\x1b]0;PASS\x07"
          "\u202eLIAF\u202c\x08\x9b2K")  # fmt: skip


def loss_and_grad(W, X, T, layer_sizes, lam):
    raise ValueError(TRICKS)
