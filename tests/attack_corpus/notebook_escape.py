"""A notebook (this file's ``# %%`` cells, IPython syntax and all, made an .ipynb by the test).

Template: the ``@@NAME@@`` strings are the test's canaries. Its cells, run in
order as a teacher's "run all" would:

1. ``!cat`` the grader's secret and ``%%bash`` a marker file: IPython syntax
   the oracle turns into calls of its own ``get_ipython()``, which run nothing;
2. read the grader's secret and notes, every classmate's file it can find from
   the working folder (the data view) and ``/data``, and the host's files
   through the data folder's links (``..``);
3. overwrite the data file beside it, write the marker into every target and
   into the data folder, start a shell and a process through ``os.system``;
4. reach ``get_ipython`` beyond its stub: its ``__class__`` and globals;
5. define ``fun(W)``, consistent with itself and nothing else.

Held when: nothing is read (no canary, no ``ATTACK-SUCCEEDED``), the data file
beside it is unchanged, no marker is written anywhere, no process survives,
and the verdict is never "pass".
"""

# %%
!cat "@@SECRET@@"
files = !ls /

# %%
%%bash
touch "@@MARKER@@"

# %%
import glob
import os

for path in ["@@SECRET@@", "@@NOTES@@", *glob.glob("*"), *glob.glob("/data/**", recursive=True),
             *glob.glob("../*"), *glob.glob("../../*"), "/etc/hostname"]:
    try:
        with open(path, errors="replace") as file:
            text = file.read(4000)
    except OSError:
        continue
    if "secret-" in text or "notes-" in text or "neighbour-" in text or "def loss_and_grad" in text:
        print("ATTACK-SUCCEEDED read", path, text[:200])

# %%
for name in glob.glob("*.mat"):
    try:
        with open(name, "wb") as file:
            file.write(b"@@MARKER@@")
        print("ATTACK-SUCCEEDED overwrote", name)
    except OSError as exc:
        print("refused", name, type(exc).__name__)
for target in "@@TARGETS@@".split(os.pathsep) + ["/data/x" + "@@MARKER@@"]:
    try:
        with open(os.path.join(target, "@@MARKER@@") if os.path.isdir(target) else target, "w") as f:
            f.write("@@MARKER@@")
    except OSError:
        pass
os.system("touch /tmp/" + "@@MARKER@@")

# %%
shell = get_ipython()
print(type(shell).__name__, sorted(vars(type(shell)))[:5])

# %%
import numpy as np


def fun(W):
    return float(W @ W), 2 * W
