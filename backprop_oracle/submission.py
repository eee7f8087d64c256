"""The submission as the checks see it: a function in a worker, called in its own layout.

Every call takes and returns canonical vectors (SPEC section 2): the vector
sent is rearranged into the layout the submission is judged in, and the
gradient it returns is read back from that layout. A worker that dies is
restarted, and the call's reply says so; a hang, tampering, a worker that
keeps dying, output past the worker's limit, files written full, or the file's
deadline ends the search (:class:`~backprop_oracle.search.StopSearch`) with
the finding that says why.
"""

import math
import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backprop_oracle.conventions import OUTPUTS, Encoding
from backprop_oracle.findings import Finding
from backprop_oracle.layouts import from_layout, to_layout
from backprop_oracle.sandbox import Reply, Worker, WorkerDied
from backprop_oracle.search import StopSearch
from backprop_oracle.static import forbidden_imports, gradient_shortcuts

__all__ = ["MAX_RESTARTS", "Submission"]

Array = NDArray[np.float64]

#: A submission that kills its worker this often is not restarted again.
MAX_RESTARTS = 20
#: What an objective ``fun(W)`` is sent besides W: nothing (its data are its own).
_NO_X = np.zeros((0, 0))
_NO_T = np.zeros(0)


def _failed_write(traceback: str) -> str:
    """Where the failed write was, from the worker's traceback text ("" if it does not say)."""
    places = re.findall(r"line (\d+), in (\w+)", traceback)
    if not places:
        return ""
    line, function = places[-1]
    return f"; the write that failed: line {line}, in {function}"


class Submission:
    """One submitted function, running in ``worker``.

    Parameters
    ----------
    worker : Worker
        The worker process that imports the file (not yet started).
    layout : str
        The layout the submission is judged in; :attr:`layout` may be changed
        before any call (``--layout auto``).
    deadline_at : float
        ``time.monotonic()`` after which no call is made: the file's deadline.
    deadline_message : str
        What the ``timeout`` finding says once the deadline has passed.
    """

    def __init__(
        self,
        worker: Worker,
        layout: str,
        deadline_at: float = math.inf,
        deadline_message: str = "the file's deadline has passed",
    ) -> None:
        self.worker = worker
        self.layout = layout
        self.deadline_at = deadline_at
        self.deadline_message = deadline_message
        #: ``"full"`` for ``loss_and_grad(W, X, T, layer_sizes, lam)``,
        #: ``"closure"`` for ``fun(W)``; known once :meth:`start` has run.
        self.style = "full"
        #: Set once a call failed because the submission's files were full: every
        #: later call stops the search with a crash finding that says this.
        self.files_full: str | None = None
        #: For a one-argument objective: its name in the file, and the length of its W.
        self.objective: str | None = None
        self.n_params = 0
        #: How a problem is written in the worker's convention (SPEC's by default):
        #: :meth:`call` sends it so and reads the gradient back; ``--convention``
        #: detection may change it before any call of the search.
        self.encoding = Encoding(worker.convention)

    @property
    def output(self) -> str:
        """The reference's output in this submission's convention (``sigmoids`` for ex4)."""
        return OUTPUTS[self.encoding.convention]

    @property
    def name(self) -> str:
        """The function this submission calls, by the name the file gives it."""
        return self.objective or self.worker.function

    def objectives(self) -> list["Submission"]:
        """One submission per one-argument objective the started worker found, each a
        view of the same worker calling its own function (style ``closure``)."""
        views = []
        for found in self.worker.hello.get("closures", []):
            view = Submission(self.worker, "canonical", self.deadline_at, self.deadline_message)
            view.style, view.objective, view.n_params = "closure", found["name"], found["n"]
            views.append(view)
        return views

    def start(
        self, sources: Sequence[tuple[str, str]], forbidden: Sequence[str]
    ) -> tuple[bool, list[Finding]]:
        """Scan the source, start the worker: whether there is a function to call, and findings.

        ``sources`` is the file's text, read by the oracle, as ``(where, text)`` pieces:
        one with ``where`` "" for a Python file, one per cell ("cell 3, ") for a
        notebook, so that a line is named where the student sees it; ``forbidden``
        names the top-level modules it may not import.
        """
        findings = [
            Finding("forbidden-import", f"{where}line {line} imports {module}", {"module": module})
            for where, source in sources
            for module, line in forbidden_imports(source, tuple(forbidden))
        ]
        findings += [
            Finding("warning", sentence.replace("(line ", f"({where}line "))
            for where, source in sources
            for sentence in gradient_shortcuts(source)
        ]
        try:
            hello = self.worker.start()
        except WorkerDied as died:
            kind = died.kind if died.kind in ("timeout", "tampering") else "import-error"
            findings.append(Finding(kind, f"while importing the submission: {died.message}"))
            return False, findings
        findings += self._cells(hello)
        status, message = hello.get("status"), str(hello.get("message", ""))
        if status == "ready":
            style = hello.get("style")
            self.style = "closure" if style == "closures" else "full"
            return True, findings
        if status == "missing-function":
            defined = f" (it defines: {message})" if message else " (it defines no function)"
            convention, name = self.encoding.convention, self.worker.function
            noun = "class" if convention == "cs231n" else "function"
            if convention != "spec":
                wanted = {
                    "ex4": f"function {name}(nn_params, input_layer_size, "
                    "hidden_layer_size, num_labels, X, y, lambda_)",
                    "cs231n": f"class {name} with a method loss(X, y, reg)",
                }[convention]
                defined = (
                    f": {message}" if message.startswith("not ") else defined
                ) + f"; the {convention} convention calls a {wanted}"
            elif message.startswith("signature"):
                defined = (
                    f": its {message} fits neither loss_and_grad(W, X, T, layer_sizes, lam) "
                    "nor fun(W)"
                )
            findings.append(Finding("missing-function", f"no usable {noun} {name!r}{defined}"))
        elif status == "memory":
            findings.append(Finding("memory", f"ran out of memory while imported: {message}"))
        elif hello.get("full"):
            said = f"while importing the submission: {self.worker.files_message()}"
            findings.append(Finding("import-error", said + _failed_write(message)))
        else:
            missing = hello.get("missing")
            said = message or "the import failed"
            if missing:  # below the traceback
                said = f"{said.rstrip()}\n{self.missing_message(missing)}"
            findings.append(Finding("import-error", said))
        return False, findings

    def missing_message(self, name: str) -> str:
        """Where the oracle looked for a file the submission could not open."""
        data = self.worker.data
        where = data.label if data is not None else "no data folder (none was given)"
        return (
            f"the file {name!r} is not there: the oracle looked in {where} "
            "(--data DIR gives another folder, --data seed the exercise's own files)"
        )

    def _cells(self, hello: dict[str, Any]) -> list[Finding]:
        """A notebook's cells that raised: a warning each (the cells after them ran)."""
        findings = []
        for cell in hello.get("cells", []):
            text = str(cell["message"]).rstrip()
            last = text.split("\n")[-1] if text else "an exception"
            said = f"cell {cell['cell']} raised {last}; the cells after it ran"
            if cell.get("missing"):
                said += f"; {self.missing_message(cell['missing'])}"
            findings.append(Finding("warning", said, {"cell": cell["cell"], "traceback": text}))
        return findings

    def call(self, W: Array, X: Array, T: Array, layer_sizes: list[int], lam: float) -> Reply:
        """The submission's answer at canonical ``W``; a hang or garbled answer stops the search."""
        if time.monotonic() >= self.deadline_at:
            raise StopSearch(Finding("timeout", self.deadline_message))
        if self.worker.printed_too_much:
            raise StopSearch(Finding("crash", self.worker.output_message()))
        if self.files_full is not None:
            raise StopSearch(Finding("crash", self.files_full))
        # An objective's own data are its own: it is sent W alone, in its layout when
        # its problem is known (layer_sizes), as drawn otherwise.
        reorder = bool(layer_sizes)
        W_sent = to_layout(W, layer_sizes, self.layout) if reorder else W
        try:
            if self.objective is not None:
                reply = self.worker.call(W_sent, _NO_X, _NO_T, [], 0.0, self.objective)
            else:
                W_sent, X_sent, T_sent, lam_sent = self.encoding.request(
                    W_sent, X, T, layer_sizes, lam
                )
                reply = self.worker.call(W_sent, X_sent, T_sent, layer_sizes, lam_sent)
        except WorkerDied as died:
            if self.worker.printed_too_much:
                # Not this problem's fault, and every later call would be stopped the
                # same way: the search ends here, with no finding about the numbers
                # (a second call that "returned nothing" is not a not-repeatable).
                raise StopSearch(Finding("crash", died.message)) from None
            if died.kind in ("timeout", "tampering") or self.worker.starts > MAX_RESTARTS:
                where = ""
                if layer_sizes:
                    sizes = "-".join(str(n) for n in layer_sizes)
                    where = f" (on a problem with layer sizes {sizes}, N = {X.shape[0]})"
                raise StopSearch(Finding(died.kind, died.message + where)) from None
            return Reply("died", {}, message=died.message)
        if reply.full:
            # Its files stay full, and each later call would fail the same way (or not,
            # once a file is rewritten): the search ends here, with one finding that says
            # why rather than a crash followed by not-repeatable or "not implemented".
            self.files_full = self.worker.files_message() + _failed_write(reply.message)
            raise StopSearch(Finding("crash", self.files_full))
        if reply.grad is not None and reorder:
            reply.grad = self.encoding.gradient(reply.grad, layer_sizes)
            reply.grad = from_layout(reply.grad, layer_sizes, self.layout)
        reply.mutated = [self.encoding.argument(name) for name in reply.mutated]
        return reply

    def answer(
        self, W: Array, X: Array, T: Array, layer_sizes: list[int], lam: float
    ) -> tuple[float, Array] | None:
        """The submission's finite loss and gradient (canonical), or None."""
        reply = self.call(W, X, T, layer_sizes, lam)
        if reply.status != "ok" or reply.loss is None or reply.grad is None:
            return None
        if not (math.isfinite(reply.loss) and np.all(np.isfinite(reply.grad))):
            return None
        return reply.loss, reply.grad

    def tampering(self, found: Sequence[Finding]) -> list[Finding]:
        """What the guard refused and what the submission patched, over every worker.

        A module already reported in ``found`` (by the source scan) is not reported again.
        """
        findings: list[Finding] = []
        for module in self.worker.forbidden:
            if all(f.details.get("module") != module for f in [*found, *findings]):
                findings.append(
                    Finding(
                        "forbidden-import", f"imported {module} at run time", {"module": module}
                    )
                )
        if self.worker.blocked:
            refused = "; ".join(
                b.removeprefix("backprop-oracle: a submission may not ")
                for b in self.worker.blocked[:5]
            )
            findings.append(Finding("tampering", f"tried to {refused} (refused)"))
        if self.worker.patched:
            findings.append(Finding("tampering", f"replaced {', '.join(self.worker.patched[:8])}"))
        return findings
