"""``python -m backprop_oracle``: the same as the ``backprop-oracle`` command."""

from backprop_oracle.cli import main

raise SystemExit(main())
