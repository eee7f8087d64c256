"""What a student or teacher reads from the grader: messages that say what happened.

Each test writes a file as a student would and checks the words of the report,
or checks that nothing unasked-for reaches the user (a numpy warning from the
reference, a folder the oracle leaves behind).
"""

import json
from pathlib import Path

import pytest

from backprop_oracle import Options, check_file
from backprop_oracle.cli import main
from backprop_oracle.jail import Limits
from backprop_oracle.sandbox import sandbox_available

CORPUS = Path(__file__).parent / "oracle_corpus"
CORRECT_FILE = CORPUS / "correct" / "vectorised_sigmoid.py"
#: The worker's output limit in MiB, as the report should state it.
OUTPUT_MIB = Limits.output_bytes >> 20
ISOLATE = sandbox_available() is None


def _student_file(tmp_path: Path, name: str, before: str = "", in_call: str = "") -> Path:
    """The correct corpus file, with ``before`` at module level (after the imports) and
    ``in_call`` as the first line of ``loss_and_grad``."""
    source = CORRECT_FILE.read_text()
    head = "def loss_and_grad(W, X, T, layer_sizes, lam):\n"
    assert head in source
    if in_call:
        source = source.replace(head, head + f"    {in_call}\n")
    if before:
        source = source.replace("import numpy as np\n", f"import numpy as np\n{before}\n", 1)
    path = tmp_path / name
    path.write_text(source)
    return path


# --------------------------------------------------------- output over the limit


@pytest.mark.parametrize(
    "in_call",
    [
        # a big debug dump in every call: 1 MiB a call
        "print('W =', 'x' * (1 << 20))",
        # a debug line in a loop, many times a call
        "for i in range(2000): print('debug', i, W[:3], X.shape, '-' * 1000)",
    ],
    ids=["dump", "loop"],
)
def test_printing_past_the_limit_in_the_calls_says_so(in_call, tmp_path):
    """A right answer printed with too much debug output: the report says how much is
    too much, and no other finding (not-repeatable, a raw OSError) follows from it."""
    path = _student_file(tmp_path, "chatty.py", in_call=in_call)
    result = check_file(path, Options(examples=20, seed=1, timeout=20.0, isolate=ISOLATE))
    kinds = [f.kind for f in result.findings]
    messages = " | ".join(f.message for f in result.findings)
    assert result.verdict == "fail"
    assert f"your file printed more than {OUTPUT_MIB} MiB" in messages
    assert kinds == ["crash"], messages
    assert "OSError" not in messages
    assert "File too large" not in messages
    # Its numbers were right: no counterexample for a file stopped by what it printed.
    assert result.counterexample is None


def test_printing_past_the_limit_at_import_says_so(tmp_path, capsys):
    """The same dump at module level: one finding that says so, through the command line."""
    path = _student_file(tmp_path, "chatty_import.py", before="print('x' * (40 << 20))")
    argv = ["check", "--json", str(path), "--examples", "20", "--seed", "1"]
    assert main(argv + ([] if ISOLATE else ["--no-sandbox"])) == 1
    (result,) = json.loads(capsys.readouterr().out)["results"]
    messages = " | ".join(f["message"] for f in result["findings"])
    assert result["verdict"] == "fail"
    assert len(result["findings"]) == 1, messages
    assert f"your file printed more than {OUTPUT_MIB} MiB" in messages
    assert "OSError" not in messages
    assert "File too large" not in messages
