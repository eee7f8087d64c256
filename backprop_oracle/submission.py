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

import numpy as np
from numpy.typing import NDArray

import manual_backprop as mb
from backprop_oracle.findings import Finding
from backprop_oracle.layouts import from_layout, to_layout
from backprop_oracle.sandbox import Reply, Worker, WorkerDied
from backprop_oracle.search import StopSearch
from backprop_oracle.static import forbidden_imports, gradient_shortcuts

__all__ = ["EXERCISE_SIZES", "MAX_RESTARTS", "Submission"]

Array = NDArray[np.float64]

#: A submission that kills its worker this often is not restarted again.
MAX_RESTARTS = 20
#: Parameter counts tried for a ``fun(W)`` whose module does not say its length:
#: the exercise's networks 2-4-1, 2-10-10-10-10-1 and 2-10-3.
EXERCISE_SIZES = ([2, 4, 1], [2, 10, 10, 10, 10, 1], [2, 10, 3])


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

    def start(self, source: str, forbidden: Sequence[str]) -> tuple[bool, list[Finding]]:
        """Scan the source, start the worker: whether there is a function to call, and findings.

        ``source`` is the file's text, read by the oracle; ``forbidden`` names
        the top-level modules it may not import.
        """
        findings = [
            Finding("forbidden-import", f"line {line} imports {module}", {"module": module})
            for module, line in forbidden_imports(source, tuple(forbidden))
        ]
        findings += [Finding("warning", sentence) for sentence in gradient_shortcuts(source)]
        try:
            hello = self.worker.start()
        except WorkerDied as died:
            kind = died.kind if died.kind in ("timeout", "tampering") else "import-error"
            findings.append(Finding(kind, f"while importing the submission: {died.message}"))
            return False, findings
        status, message = hello.get("status"), str(hello.get("message", ""))
        if status == "ready":
            self.style = str(hello.get("style"))
            return True, findings
        if status == "missing-function":
            defined = f" (it defines: {message})" if message else " (it defines no function)"
            if message.startswith("signature"):
                defined = (
                    f": its {message} fits neither loss_and_grad(W, X, T, layer_sizes, lam) "
                    "nor fun(W)"
                )
            findings.append(
                Finding("missing-function", f"no usable function {self.worker.function!r}{defined}")
            )
        elif status == "memory":
            findings.append(Finding("memory", f"ran out of memory while imported: {message}"))
        elif hello.get("full"):
            said = f"while importing the submission: {self.worker.files_message()}"
            findings.append(Finding("import-error", said + _failed_write(message)))
        else:
            findings.append(Finding("import-error", message or "the import failed"))
        return False, findings

    def call(self, W: Array, X: Array, T: Array, layer_sizes: list[int], lam: float) -> Reply:
        """The submission's answer at canonical ``W``; a hang or garbled answer stops the search."""
        if time.monotonic() >= self.deadline_at:
            raise StopSearch(Finding("timeout", self.deadline_message))
        if self.worker.printed_too_much:
            raise StopSearch(Finding("crash", self.worker.output_message()))
        if self.files_full is not None:
            raise StopSearch(Finding("crash", self.files_full))
        W_sent = W if self.style == "closure" else to_layout(W, layer_sizes, self.layout)
        try:
            reply = self.worker.call(W_sent, X, T, layer_sizes, lam)
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
        if reply.grad is not None and self.style != "closure":
            reply.grad = from_layout(reply.grad, layer_sizes, self.layout)
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

    def closure_length(self) -> int | None:
        """The length of ``W`` for ``fun(W)``: from the module, or by trying the exercise's."""
        hint = self.worker.hello.get("hint", {})
        if isinstance(hint.get("n_params"), int) and hint["n_params"] > 0:
            return int(hint["n_params"])
        sizes = hint.get("layer_sizes")
        if isinstance(sizes, list) and len(sizes) >= 2 and all(s > 0 for s in sizes):
            return mb.n_params(sizes)
        for sizes in EXERCISE_SIZES:
            W = mb.init_weights(sizes, 0)
            if self.call(W, np.zeros((0, 0)), np.zeros(0), [], 0.0).status == "ok":
                return W.size
        return None

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
