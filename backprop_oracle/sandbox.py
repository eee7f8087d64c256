"""Running a submission in a worker process: namespaces, limits, and the call protocol.

The oracle never runs submission code in its own process. A :class:`Worker`
starts ``_worker.py`` (standard library and numpy only) with:

- on Linux, new user, mount, network and PID namespaces (``unshare`` from
  util-linux): every mount read-only except a fresh scratch folder, no network
  interface but loopback, and the worker as PID 1 of its namespace, so that
  killing it kills every process it started;
- an address-space limit (``RLIMIT_AS``, default 2 GiB) and an output-size
  limit, set by the worker on itself before the submission is imported;
- an audit hook (``Guard`` in ``_worker.py``) refusing forbidden imports,
  writes outside the scratch folder, new processes and network use;
- a wall-clock limit per request, enforced here: on expiry the whole process
  group is killed.

Numbers come back as raw float64 bytes, read with :func:`numpy.frombuffer`;
nothing from the worker is unpickled or evaluated.
"""

import contextlib
import functools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backprop_oracle._worker import MAX_HEADER, write_frame

__all__ = ["SANDBOX_PROTECTIONS", "Reply", "Worker", "WorkerDied", "sandbox_available"]

Array = NDArray[np.float64]

_WORKER = Path(__file__).with_name("_worker.py")
_SETUP = Path(__file__).with_name("_sandbox.sh")
_UNSHARE = (
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "--net",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount-proc",
)
#: Limit for the worker's own start-up (Python and numpy, before the submission
#: is imported): generous, for a loaded machine; it does not depend on the submission.
STARTUP_SECONDS = 60.0
#: How much of the submission's own output the report quotes.
OUTPUT_QUOTE = 2000

SANDBOX_PROTECTIONS = (
    "user, mount, network and PID namespaces: the file system is read-only except a "
    "scratch folder, there is no network, and every process the submission starts dies "
    "with it"
)
ALWAYS_PROTECTIONS = (
    "a separate worker process whose output never reaches the report unlabelled",
    "numbers read back as raw float64",
    "memory and wall-clock limits",
    "an audit hook refusing forbidden imports, writes outside the scratch folder, "
    "new processes and network use",
)


@functools.cache
def sandbox_available() -> str | None:
    """None when namespaces work here, else why not (checked once per process)."""
    if sys.platform != "linux":
        return f"namespaces are a Linux feature (this is {sys.platform})"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "util-linux's unshare and mount are not installed"
    with tempfile.TemporaryDirectory(prefix="backprop-oracle-probe-") as scratch:
        probe = [*_UNSHARE, "sh", str(_SETUP), scratch, "true"]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"unshare failed: {exc}"
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        return f"unshare failed: {reason[-1] if reason else f'exit status {done.returncode}'}"
    return None


class WorkerDied(Exception):
    """The worker ended, hung or broke the protocol; ``kind`` is the finding it makes."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Reply:
    """One answer from the worker: its header and, for a call, the numbers."""

    status: str
    header: dict[str, Any]
    loss: float | None = None
    grad: Array | None = None
    message: str = ""
    mutated: list[str] = field(default_factory=list)


class Worker:
    """One submission running in a worker process, restarted when it dies.

    Parameters
    ----------
    path : Path
        The submission file.
    function : str
        The name of the function to call.
    timeout : float
        Wall-clock limit, in seconds, for the import and for each call.
    memory : int
        Address-space limit of the worker, in bytes.
    allow_autodiff : bool
        Let the submission import jax, torch, tensorflow or autograd.
    isolate : bool
        Use namespaces when :func:`sandbox_available`.
    """

    def __init__(
        self,
        path: Path,
        function: str,
        timeout: float,
        memory: int,
        allow_autodiff: bool,
        isolate: bool = True,
    ) -> None:
        self.path = Path(path).resolve()
        self.function = function
        self.timeout = timeout
        self.memory = memory
        self.allow_autodiff = allow_autodiff
        self.isolated = isolate and sandbox_available() is None
        self.scratch = Path(tempfile.mkdtemp(prefix="backprop-oracle-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.hello: dict[str, Any] = {}
        #: Everything the guard refused, over every worker started.
        self.forbidden: list[str] = []
        self.blocked: list[str] = []
        self.patched: list[str] = []
        self.starts = 0

    # -------------------------------------------------------------- lifetime

    def _command(self) -> list[str]:
        worker = [
            sys.executable,
            "-I",  # ignore PYTHON* variables, the user's site-packages and the current folder
            "-B",  # write no .pyc next to the submission
            str(_WORKER),
            str(self.path),
            self.function,
            str(self.scratch),
            str(self.memory),
            "1" if self.allow_autodiff else "0",
        ]
        if self.isolated:
            return [*_UNSHARE, "sh", str(_SETUP), str(self.scratch), *worker]
        return worker

    def start(self) -> dict[str, Any]:
        """Start the worker and import the submission; returns the worker's hello."""
        self.close()
        threads = "1"  # one BLAS thread: repeatable sums, and fair to parallel workers
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.scratch),
            "TMPDIR": str(self.scratch),
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
        }
        self.process = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=self.scratch,
            start_new_session=True,
        )
        self.starts += 1
        started, _ = self._receive(STARTUP_SECONDS)
        if started.get("status") != "started":
            self.close()
            raise WorkerDied("tampering", "the worker's first answer was not its start-up")
        header, _ = self._receive(self.timeout)
        self.hello = header
        return header

    def close(self) -> None:
        """Stop the worker (killing every process it started)."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def output(self) -> str:
        """The start of what the submission printed, over all its workers."""
        try:
            with open(self.scratch / "output.txt", "rb") as f:
                text = f.read(OUTPUT_QUOTE + 1).decode(errors="replace")
        except OSError:
            return ""
        return text if len(text) <= OUTPUT_QUOTE else text[:OUTPUT_QUOTE] + " [...]"

    def cleanup(self) -> None:
        """Stop the worker and delete its scratch folder."""
        self.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # -------------------------------------------------------------- protocol

    def _read(self, n: int, deadline: float) -> bytes:
        """Exactly ``n`` bytes from the worker before ``deadline``."""
        assert self.process is not None
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        chunks: list[bytes] = []
        remaining = n
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while remaining:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    self.close()
                    raise WorkerDied("timeout", f"no answer within {self.timeout:g} s")
                chunk = os.read(fd, min(remaining, 1 << 20))
                if not chunk:
                    raise WorkerDied("crash", self._death())
                chunks.append(chunk)
                remaining -= len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        """Why the worker's output ended."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        if code is None:
            return "the worker closed its output but did not exit"
        if code < 0:
            return f"the worker process was killed by {signal.Signals(-code).name}"
        return f"the worker process exited with status {code} in the middle of a call"

    def _receive(self, timeout: float) -> tuple[dict[str, Any], bytes]:
        deadline = time.monotonic() + timeout
        length = int.from_bytes(self._read(8, deadline), "little")
        if length > MAX_HEADER:
            self.close()
            raise WorkerDied("tampering", "the worker's answer was garbled (over-long header)")
        try:
            header = json.loads(self._read(length, deadline))
            size = int(header.get("payload", 0))
        except (ValueError, TypeError, AttributeError) as exc:
            self.close()
            raise WorkerDied("tampering", f"the worker's answer was garbled ({exc})") from None
        payload = self._read(size, deadline)
        for key, store in (
            ("forbidden", self.forbidden),
            ("blocked", self.blocked),
            ("patched", self.patched),
        ):
            for item in header.get(key, []):
                if isinstance(item, str) and item not in store:
                    store.append(item)
        return header, payload

    def call(self, W: Array, X: Array, T: Array, layer_sizes: list[int], lam: float) -> Reply:
        """Call the submission once; a dead worker is restarted first."""
        if self.process is None or self.process.poll() is not None:
            hello = self.start()
            if hello.get("status") != "ready":
                raise WorkerDied("crash", f"the submission could not be loaded again: {hello}")
        assert self.process is not None
        assert self.process.stdin is not None
        header = {
            "n": int(W.size),
            "x_shape": list(X.shape),
            "t_shape": list(T.shape),
            "layer_sizes": [int(n) for n in layer_sizes],
            "lam": float(lam),
        }
        payload = b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in (W, X, T))
        try:
            write_frame(self.process.stdin.fileno(), header, payload)
        except OSError:
            raise WorkerDied("crash", self._death()) from None
        reply, data = self._receive(self.timeout)
        status = str(reply.get("status"))
        mutated = [m for m in reply.get("mutated", []) if m in ("W", "X", "T")]
        result = Reply(status, reply, message=str(reply.get("message", "")), mutated=mutated)
        if status == "ok":
            if len(data) != 8 * (W.size + 1):
                self.close()
                raise WorkerDied("tampering", "the worker's answer had the wrong length")
            numbers = np.frombuffer(data, dtype="<f8")
            result.loss, result.grad = float(numbers[0]), numbers[1:].astype(np.float64)
        return result
