"""``python -m manual_backprop train ...``: the same as the ``manual-backprop`` command."""

import sys

from manual_backprop.cli import main

sys.exit(main())
