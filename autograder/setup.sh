#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image; the
# autograder's zip is unpacked in /autograder/source. The zip holds this file,
# run_autograder, a wheel of the oracle (pip wheel --no-deps -w autograder/ .) and,
# optionally, a rubric.toml of your own (backprop-oracle rubric > rubric.toml) and a
# data/ folder of the files the students' notebooks load.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip bubblewrap
# With the notebook extra: nbformat and IPython read .ipynb uploads, matplotlib runs their plots.
wheel=$(ls /autograder/source/manual_backprop-*.whl)
python3 -m pip install "$wheel[notebook]"
