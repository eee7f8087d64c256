"""Put control characters in the report through the names the oracle lists.

The file defines no ``loss_and_grad``; the oracle's ``missing-function``
finding lists the callables the module does define, and this module defines
some whose names hold escape sequences and a right-to-left override. On
import it also opens, for writing, a path outside scratch whose name holds
the same characters, so that the guard's refusal quotes it.

Held when: the file fails and none of those characters reaches the text
report raw.
"""

import contextlib

TRICKS = "\r\x1b[2K\x1b[1A\x1b[32mPASS\x1b[0m\u202eLIAF\u202c\x9b2K"
globals()[TRICKS + "loss_and_grad"] = print
globals()["\x1b]0;PASS\x07helper"] = len
with contextlib.suppress(Exception):
    open("/" + TRICKS, "w")
