"""The engine (``manual_backprop/engine.py``): ``Objective`` gives the reference's numbers, fast.

What it promises, each stated as behaviour: one part gives the reference's loss bit for bit
and its gradient up to rounding; parts give the numbers of one part up to the order of the
sums; threads change no bit; working arrays are reused across calls; the data is copied;
bad input is refused; BLAS limited to one thread means one part; a forked child computes;
importing the package registers no at-fork hook.

Tolerances (``backprop_oracle/tolerances.py``, section 1): the engine adds the same products as the
reference in another order (parts' means weighted by their shares, ``1^T delta`` for the
column sums) and takes ``h'`` from ``Z`` (``z (1 - z)``, exact to an absolute ~eps rather
than relatively): the per-sample-versus-vectorised bounds cover both, the loss to
``OWN_LOSS_RTOL`` of itself, the gradient to ``REORDERED_SUM_RTOL`` of its scale.
"""

import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import types
import warnings
from itertools import pairwise

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import manual_backprop as mb
from backprop_oracle.tolerances import OWN_LOSS_RTOL, REORDERED_SUM_RTOL
from manual_backprop import engine
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES
from manual_backprop.engine import DERIVATIVES_FROM_OUTPUT
from manual_backprop.gradcheck import gradient_scale

EPS = float(np.finfo(np.float64).eps)
PARTS_RANGE = r"^parts: expected None or an integer from 1 to 5 \(the number of samples\), got "
PARTS_TYPE = "^parts: expected None or an integer, got "
# A batch is cut automatically from 2 x 131072 pre-activations (Objective's docstring).
TWO_PARTS_OF_WORK = 2 * 131072


def _problem(sizes, n_samples, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, sizes[0]))
    labels = rng.integers(0, max(sizes[-1], 2), n_samples)
    T = labels.astype(float) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]
    return mb.init_weights(sizes, seed), X, T


def _assert_close(label, J, grad, J_ref, grad_ref, scale):
    """The loss to OWN_LOSS_RTOL of itself, the gradient to REORDERED_SUM_RTOL of its scale."""
    assert abs(J - J_ref) <= OWN_LOSS_RTOL * J_ref, f"{label}: loss {J!r} against {J_ref!r}"
    error = float(np.max(np.abs(grad - grad_ref)))
    assert error <= REORDERED_SUM_RTOL * scale, (
        f"{label}: gradient differs by {error:.3g}, more than {REORDERED_SUM_RTOL:g} of its "
        f"scale {scale:.3g} (worst entry {int(np.argmax(np.abs(grad - grad_ref)))})"
    )


@pytest.fixture
def two_blas_threads():
    """BLAS on two threads, as on this project's 2-core machine: the parts run in threads."""
    with threadpool_limits(limits=2, user_api="blas"):
        yield


def _blas_threads():
    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


def _recording(monkeypatch, activation="sigmoid", fail_in_pool=False):
    """Wrap ``h`` in the public registry ``mb.ACTIVATIONS``, which the engine reads on every
    call: the one window into a part while it runs. Notes (thread name, BLAS threads)."""
    seen = []
    h = ACTIVATIONS[activation]

    def recording(a, out=None):
        seen.append((threading.current_thread().name, _blas_threads()))
        if fail_in_pool and threading.current_thread() is not threading.main_thread():
            raise RuntimeError("a part failed")
        return h(a, out=out)

    monkeypatch.setitem(ACTIVATIONS, activation, recording)
    return seen


# ---------------------------------------------------------------- the reference's numbers


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("sizes", [[3, 1], [2, 5, 1], [4, 6, 6, 3]])
def test_one_part_gives_the_reference_loss_bit_for_bit_on_every_call(sizes, activation):
    """Same forward pass and loss formulas: the same bits. The gradient differs from the
    reference's by rounding only; a repeated W gives the same bits again (the reused
    working arrays keep nothing from one call to the next), in a new array."""
    W0, X, T = _problem(sizes, 7)
    fun = mb.Objective(X, T, sizes, 0.1, activation, parts=1)
    grads = []
    for W in (W0, 3.0 * W0, W0):
        J, grad = fun(W)
        J_ref, grad_ref = mb.loss_and_grad(W, X, T, sizes, 0.1, activation)
        assert J == J_ref
        assert fun.loss(W) == J
        scale = gradient_scale(W, X, T, sizes, 0.1, activation)
        _assert_close("one part", J, grad, J_ref, grad_ref, scale)
        grads.append(grad)
    assert grads[0] is not grads[2]
    np.testing.assert_array_equal(grads[0], grads[2])


@pytest.mark.parametrize("n_parts", [2, 3])
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("sizes", [[3, 1], [2, 5, 1], [4, 6, 6, 3]])
def test_parts_give_the_numbers_of_one_part(sizes, activation, n_parts):
    """8 rows in parts of 4 and 4, or 2, 3 and 3 (unequal, so that a wrong share shows): the
    parts' means weighted by their shares are the batch's, up to the order of the sums.
    The loss alone is cut alike: the same bits as the loss beside the gradient."""
    W, X, T = _problem(sizes, 8)
    J_one, grad_one = mb.Objective(X, T, sizes, 0.1, activation, parts=1)(W)
    fun = mb.Objective(X, T, sizes, 0.1, activation, parts=n_parts)
    assert fun.parts == n_parts
    J, grad = fun(W)
    scale = gradient_scale(W, X, T, sizes, 0.1, activation)
    _assert_close(f"{n_parts} parts against one", J, grad, J_one, grad_one, scale)
    assert fun.loss(W) == J
    J_ref, grad_ref = mb.loss_and_grad(W, X, T, sizes, 0.1, activation)
    _assert_close(f"{n_parts} parts against the reference", J, grad, J_ref, grad_ref, scale)


def test_as_many_parts_as_samples_and_one_sample():
    sizes = [2, 5, 1]
    for n_samples in (1, 3):
        W, X, T = _problem(sizes, n_samples)
        J_ref, grad_ref = mb.loss_and_grad(W, X, T, sizes, 0.1)
        J, grad = mb.Objective(X, T, sizes, 0.1, parts=n_samples)(W)
        _assert_close(f"{n_samples} parts", J, grad, J_ref, grad_ref, gradient_scale(
            W, X, T, sizes, 0.1, "sigmoid"))  # fmt: skip


def test_a_batch_large_enough_for_row_blocks_gives_the_reference():
    """2100 samples x 128 hidden units: the engine takes the hidden arrays in two blocks of
    rows (2100 x 128 > 2^18 entries); across the blocks' border nothing changes."""
    sizes = [2, 128, 1]
    W, X, T = _problem(sizes, 2100)
    assert 2100 * 128 > 1 << 18
    J, grad = mb.Objective(X, T, sizes, 1e-3, parts=1)(W)
    J_ref, grad_ref = mb.loss_and_grad(W, X, T, sizes, 1e-3)
    assert J == J_ref
    _assert_close("row blocks", J, grad, J_ref, grad_ref, gradient_scale(
        W, X, T, sizes, 1e-3, "sigmoid"))  # fmt: skip


def test_working_memory_past_32_mb_gives_the_reference():
    """3000 x (1400 + 1400 + 1) pre-activations and deltas, more than one 32 MB allocation
    holds: the arrays are allocated one by one (engine._Memory), with the same numbers."""
    sizes = [3, 1400, 1]
    W, X, T = _problem(sizes, 3000)
    J, grad = mb.Objective(X, T, sizes, 1e-3, parts=1)(W)
    J_ref, grad_ref = mb.loss_and_grad(W, X, T, sizes, 1e-3)
    assert J == J_ref
    _assert_close("past 32 MB", J, grad, J_ref, grad_ref, gradient_scale(
        W, X, T, sizes, 1e-3, "sigmoid"))  # fmt: skip


def test_objective_defaults_are_those_of_loss_and_grad():
    sizes = [2, 3, 1]
    W, X, T = _problem(sizes, 5)
    J, grad = mb.Objective(X, T, sizes)(W)
    J_explicit, grad_explicit = mb.Objective(X, T, sizes, 0.0, "sigmoid", parts=None)(W)
    assert J == J_explicit == mb.loss(W, X, T, sizes)
    np.testing.assert_array_equal(grad, grad_explicit)


# ---------------------------------------------------------------- threads


@pytest.mark.usefixtures("two_blas_threads")
def test_the_parts_run_in_pool_threads_with_blas_on_one_thread_and_change_no_bit(monkeypatch):
    sizes = [4, 6, 6, 3]
    W, X, T = _problem(sizes, 50)
    fun = mb.Objective(X, T, sizes, 0.1, parts=3)
    blas_before = threadpool_info()
    seen = _recording(monkeypatch)
    J, grad = fun(W)
    here = threading.current_thread().name
    pool_threads = {name for name, _ in seen} - {here}
    assert pool_threads, "no part ran in a pool thread"
    assert all(name.startswith("manual_backprop") for name in pool_threads)
    assert all(blas == 1 for _, blas in seen), "BLAS was not on one thread in the parts"
    assert threadpool_info() == blas_before  # restored

    seen.clear()
    assert fun.loss(W) == J  # the loss alone is cut and threaded alike
    assert {name for name, _ in seen} - {here}
    assert all(blas == 1 for _, blas in seen)

    seen.clear()
    with threadpool_limits(limits=1, user_api="blas"):  # one core: the parts run here
        J_here, grad_here = fun(W)
    assert {name for name, _ in seen} == {here}
    assert J_here == J
    np.testing.assert_array_equal(grad_here, grad)


@pytest.mark.usefixtures("two_blas_threads")
def test_one_part_runs_in_the_calling_thread_with_blas_left_alone(monkeypatch):
    """No hand-off to threads for a small batch, and BLAS keeps its threads for the part."""
    sizes = [4, 6, 6, 3]
    W, X, T = _problem(sizes, 50)
    fun = mb.Objective(X, T, sizes, 0.1, parts=1)
    seen = _recording(monkeypatch)
    fun(W)
    fun.loss(W)
    assert seen
    assert set(seen) == {(threading.current_thread().name, 2)}


@pytest.mark.usefixtures("two_blas_threads")
def test_a_call_while_another_holds_the_threads_runs_its_parts_here_with_the_same_bits(
    monkeypatch,
):
    """Two Objectives called at once from two threads: the second runs its parts one after
    the other in its own thread, and both give the numbers they give alone."""
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    first, second = (mb.Objective(X, T, sizes, 0.1, parts=2) for _ in range(2))
    alone = second(W)
    entered, leave = threading.Semaphore(0), threading.Event()
    h = ACTIVATIONS["sigmoid"]

    def holding(a, out=None):
        if threading.current_thread() is not threading.main_thread():  # the first call's parts
            entered.release()
            assert leave.wait(60.0)
        return h(a, out=out)

    monkeypatch.setitem(ACTIVATIONS, "sigmoid", holding)
    results = {}
    holder = threading.Thread(target=lambda: results.update(first=first(W)))
    holder.start()
    try:
        for _ in range(2):  # both parts of the first call are running: it holds the threads
            while not entered.acquire(timeout=0.1):
                assert holder.is_alive(), "the first call ended without running its parts"
        seen = _recording(monkeypatch)  # wraps ``holding``
        # The first call has set BLAS to one thread; raised again meanwhile (by this
        # thread), BLAS would allow threads, but the first call still holds them.
        with threadpool_limits(limits=2, user_api="blas"):
            J, grad = second(W)
    finally:
        leave.set()
        holder.join(60.0)
    assert {name for name, _ in seen} == {threading.current_thread().name}
    assert J == alone[0]
    np.testing.assert_array_equal(grad, alone[1])
    assert results["first"][0] == alone[0]
    np.testing.assert_array_equal(results["first"][1], alone[1])


@pytest.mark.usefixtures("two_blas_threads")
def test_a_failing_part_lets_go_of_the_threads_and_of_blas(monkeypatch):
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    fun = mb.Objective(X, T, sizes, parts=2)
    blas_before = threadpool_info()
    _recording(monkeypatch, fail_in_pool=True)
    with pytest.raises(RuntimeError, match="a part failed"):
        fun(W)
    assert threadpool_info() == blas_before
    monkeypatch.undo()
    seen = _recording(monkeypatch)  # the threads are free again: the next call uses them
    fun(W)
    assert {name for name, _ in seen} - {threading.current_thread().name}


def test_blas_on_one_thread_means_one_part_and_large_batches_get_one_part_per_thread():
    sizes = [64, 128, 128, 1]
    two_parts = -(-TWO_PARTS_OF_WORK // sum(sizes[1:]))  # the fewest rows for two parts
    _, X, T = _problem(sizes, two_parts)
    with threadpool_limits(limits=2, user_api="blas"):
        assert mb.Objective(X, T, sizes).parts == 2
        assert mb.Objective(X[:-1], T[:-1], sizes).parts == 1
    with threadpool_limits(limits=1, user_api="blas"):
        assert mb.Objective(X, T, sizes).parts == 1
    _, X, T = _problem([2, 10, 10, 10, 10, 1], 200)  # Exercise 2: never cut
    assert mb.Objective(X, T, [2, 10, 10, 10, 10, 1]).parts == 1


def test_without_a_blas_library_found_there_is_one_part(monkeypatch):
    """threadpoolctl finds no BLAS (numpy built without one). The one private name patched
    in these tests: the engine's cached view of the process's BLAS libraries."""
    no_blas = types.SimpleNamespace(lib_controllers=[])
    monkeypatch.setattr(engine._THREADS, "_controller", no_blas)
    sizes = [64, 128, 128, 1]
    _, X, T = _problem(sizes, 4 * TWO_PARTS_OF_WORK // sum(sizes[1:]))
    assert mb.Objective(X, T, sizes).parts == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.usefixtures("two_blas_threads")
def test_a_forked_child_gets_threads_of_its_own():
    """The parent's pool threads do not exist in a child made by fork (multiprocessing's
    default on Linux): without a new pool there, the child would wait for them forever."""
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    fun = mb.Objective(X, T, sizes, parts=3)
    _, grad = fun(W)  # the parent's pool now exists
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Other libraries loaded in this test process (JAX) warn at every fork.
        warnings.simplefilter("ignore")
        pid = os.fork()
    if pid == 0:  # the child: send the gradient's bytes, and leave at once
        try:
            os.write(write_end, fun(W)[1].tobytes())
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 60.0)
        assert ready, "the forked child did not answer within 60 s"
        answer = os.read(read_end, grad.nbytes)
    finally:
        os.close(read_end)
        if not ready:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    np.testing.assert_array_equal(np.frombuffer(answer), grad)


def test_a_new_pool_registers_one_fork_hook_which_gives_a_child_threads_of_its_own(monkeypatch):
    """engine._Threads (private, a new instance here, nothing of the engine's patched): its
    first parallel section makes the pool and registers one hook; run as in a forked child
    while the parent's section holds the pool, the hook lets the child make a pool of its own.
    (The registration is public: os.register_at_fork, recorded instead of done.)"""
    hooks = []
    monkeypatch.setattr(os, "register_at_fork", lambda **hook: hooks.append(hook))
    threads = engine._Threads()
    pools = []
    with threadpool_limits(limits=2, user_api="blas"):
        assert threads.blas_threads() == 2
        with threads.parallel() as pool:
            pools.append(pool)
            assert threads.blas_threads() == 1  # BLAS on one thread in the section
            with threads.parallel() as busy:
                assert busy is None  # held: a second section runs without threads
        with threads.parallel() as pool:
            pools.append(pool)
        assert len(hooks) == 1
        assert list(hooks[0]) == ["after_in_child"]
        with threads.parallel() as pool:  # held by a parent's thread when the child forks
            hooks[0]["after_in_child"]()  # what the child runs first
            with threadpool_limits(limits=2, user_api="blas"), threads.parallel() as in_child:
                pools.append(in_child)
        assert threads.blas_threads() == 2  # restored
    try:
        assert pools[0] is not None
        assert pools[1] is pools[0]  # one pool, kept
        assert pools[2] is not None
        assert pools[2] is not pools[0]  # the child's own
        assert len(hooks) == 1  # the hook is inherited, never registered twice
        for pool in pools[1:]:  # its threads say whose they are
            name = pool.submit(lambda: threading.current_thread().name).result(timeout=60.0)
            assert name.startswith("manual_backprop_")
    finally:
        for pool in {id(p): p for p in pools if p is not None}.values():
            pool.shutdown()


def test_importing_the_package_registers_no_at_fork_hook_and_threads_register_one():
    """Importing is free of side effects; the first threaded call registers the hook that
    a forked child needs, once."""
    script = textwrap.dedent(
        """
        import os
        hooks = []
        register = os.register_at_fork
        def recording(**kwargs):
            hooks.extend(getattr(f, "__module__", None) or "?" for f in kwargs.values())
            register(**kwargs)
        os.register_at_fork = recording
        import numpy as np
        from threadpoolctl import threadpool_limits
        import manual_backprop as mb
        X, t = np.random.default_rng(0).normal(size=(9, 2)), np.arange(9) % 2
        ours = lambda: [m for m in hooks if m.startswith("manual_backprop")]
        print(len(ours()))
        mb.loss_and_grad(mb.init_weights([2, 3, 1], 0), X, t, [2, 3, 1])
        mb.Objective(X, t, [2, 3, 1])(mb.init_weights([2, 3, 1], 0))
        print(len(ours()))
        fun = mb.Objective(X, t, [2, 3, 1], parts=2)
        with threadpool_limits(limits=2, user_api="blas"):
            for _ in range(2):
                J = fun(mb.init_weights([2, 3, 1], 0))[0]
            print(ours(), flush=True)
            pid = os.fork()
            if pid == 0:  # a child: its own pool, under the hook it inherited
                print(fun(mb.init_weights([2, 3, 1], 0))[0] == J, ours(), flush=True)
                os._exit(0)
            os.waitpid(pid, 0)
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    hook = "['manual_backprop.engine']"
    assert completed.stdout.splitlines() == ["0", "0", hook, f"True {hook}"], completed.stderr


# ---------------------------------------------------------------- working memory


@pytest.mark.parametrize("n_parts", [1, 2])
def test_objective_reuses_its_working_arrays(n_parts):
    """After it is made, a call allocates the gradient and small per-layer temporaries,
    never another (N, n_l) array (tracemalloc sees numpy's buffers), in one part or two."""
    sizes = [4, 256, 1]
    W, X, T = _problem(sizes, 2000)
    fun = mb.Objective(X, T, sizes, 1e-3, parts=n_parts)
    one_layer = 2000 * 256 * 8  # bytes of one (N, n_1) float64 array
    for call in (lambda: fun(W), lambda: fun.loss(W)):
        call()
        tracemalloc.start()
        try:
            call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < one_layer / 4


@pytest.mark.parametrize(
    "shapes",
    [
        [(1,), (1, 1)],
        [(7,), (7, 5), (7, 1), (7, 5), (3,)],
        [(2500,), (2500, 300), (2500, 7), (2500, 300), (873, 300), (1220,)],
    ],
)
@pytest.mark.parametrize("size", ["what they need", "32 MB", "past 32 MB"])
def test_working_memory_hands_out_disjoint_arrays_on_cache_lines(shapes, size):
    """engine._Memory (private, read here, not patched): arrays of the asked shapes, C-ordered,
    each on a 64-byte line, none overlapping another; one allocation up to 32 MB (2^22
    entries), past it one allocation per array (see its docstring: glibc's threshold)."""
    rounded = sum(-(-int(np.prod(shape)) // 8) * 8 for shape in shapes)  # whole cache lines
    n_entries = {"what they need": rounded, "32 MB": 1 << 22, "past 32 MB": (1 << 22) + 1}[size]
    one_block = size != "past 32 MB"
    memory = engine._Memory(n_entries)
    arrays = [memory.take(shape) for shape in shapes]
    assert [a.shape for a in arrays] == shapes
    assert all(a.flags.c_contiguous and a.dtype == np.float64 for a in arrays)
    owners = {id(a.base) for a in arrays}
    assert len(owners) == (1 if one_block else len(arrays))
    spans = sorted((a.ctypes.data, a.ctypes.data + a.nbytes) for a in arrays)
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans))
    assert all(start % 64 == 0 for start, _ in spans)


def test_row_blocks_cover_every_row_once():
    """engine._row_blocks (private, read here): consecutive blocks of at most 2^18 entries
    (one row at least), covering every row once and in order."""
    for shape in [(1, 3), (10, 4), (5000, 100), (3, 1 << 19), (300_000, 1)]:
        blocks = engine._row_blocks(np.empty(shape))
        rows = np.concatenate([np.arange(shape[0])[b] for b in blocks])
        np.testing.assert_array_equal(rows, np.arange(shape[0]))
        sizes = [len(range(*b.indices(shape[0]))) for b in blocks]
        assert all(n * shape[1] <= max(1 << 18, shape[1]) for n in sizes)
        assert all(n * shape[1] > (1 << 18) - shape[1] for n in sizes[:-1])  # no tiny blocks


# ---------------------------------------------------------------- data and bad input


def test_objective_copies_its_data_and_leaves_the_callers_alone():
    sizes = [2, 3, 1]
    W, X, T = _problem(sizes, 5)
    T_before, W_before = T.copy(), W.copy()
    fun = mb.Objective(X, T, sizes, 0.1)
    J = fun(W)[0]
    assert fun.loss(W) == J
    np.testing.assert_array_equal(W, W_before)  # nothing the caller passed was changed
    np.testing.assert_array_equal(T, T_before)
    X[:] = np.nan  # the caller changes its arrays afterwards: the objective keeps what it checked
    T[:] = 1.0 - T
    assert fun(W)[0] == J


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda X, T: mb.Objective(X[:, :1], T, [2, 3, 1]), ValueError, "^X: expected 2 columns"),
        (lambda X, T: mb.Objective(X, T[:-1], [2, 3, 1]), ValueError, "^T: expected 5 targets"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], lam=-1.0), ValueError, "^lam: expected a"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], activation="gelu"), ValueError, "^activ"),
        (lambda X, T: mb.Objective(X, T, [2, 0, 1]), ValueError, "^layer_sizes: entry 1"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], parts=0), ValueError, PARTS_RANGE + "0$"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], parts=6), ValueError, PARTS_RANGE + "6$"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], parts=2.0), TypeError, PARTS_TYPE + "float$"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], parts=True), TypeError, PARTS_TYPE + "bool$"),
        (
            lambda X, T: mb.Objective(X, T, [2, 3, 1], parts=np.True_),
            TypeError,
            PARTS_TYPE + "bool",
        ),
    ],
)
def test_objective_refuses_bad_data_when_made(make, error, message):
    """Every message names the argument and what was expected, word for word for parts."""
    _, X, T = _problem([2, 3, 1], 5)
    with pytest.raises(error, match=message):
        make(X, T)


def test_parts_may_be_any_integer_type():
    sizes = [2, 3, 1]
    W, X, T = _problem(sizes, 5)
    fun = mb.Objective(X, T, sizes, parts=np.int64(5))
    assert fun.parts == 5
    assert type(fun.parts) is int
    assert fun.loss(W) == pytest.approx(mb.loss(W, X, T, sizes), rel=OWN_LOSS_RTOL, abs=0)


@pytest.mark.parametrize(
    ("W", "message"),
    [
        (np.zeros(12), "^W: expected 13 parameters"),
        (np.full(13, np.nan), "^W: contains NaN or inf"),
        (np.array([np.inf] + [0.0] * 12), "^W: contains NaN or inf"),
    ],
)
def test_objective_refuses_a_bad_W_on_each_call(W, message):
    _, X, T = _problem([2, 3, 1], 5)
    fun = mb.Objective(X, T, [2, 3, 1], lam=0.0)  # lam = 0: an inf weight would not show in J
    with pytest.raises(ValueError, match=message):
        fun(W)
    with pytest.raises(ValueError, match=message):
        fun.loss(W)


@pytest.mark.parametrize("n_parts", [1, 2])
def test_objective_refuses_a_finite_loss_with_an_overflowing_gradient(n_parts):
    """lam W^2 = 1e308 is finite, its gradient 2 lam W = 2e308 is not (as in test_overflow)."""
    W, X, T = np.array([1.0, 0.0]), np.array([[0.0], [0.0]]), np.array([0.0, 1.0])
    fun = mb.Objective(X, T, [1, 1], 1e308, parts=n_parts)
    assert np.isfinite(fun.loss(W))
    with pytest.raises(ValueError, match="^W: the loss or its gradient overflowed float64"):
        fun(W)
    with pytest.raises(ValueError, match="^W: the loss or its gradient overflowed float64"):
        fun.loss(np.array([1e200, 0.0]))  # lam W^2 overflows the loss itself


@pytest.mark.parametrize("n_parts", [1, 2])
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_objective_refuses_an_overflowing_forward_pass_without_a_warning(n_parts, activation):
    """Logits of 2e308 (X W_1 and Z_1 W_2 overflow), targets 0 and 1 on them: inf and
    0 * inf along the way, and the engine says so in its own words, no numpy warning
    (warnings are errors here)."""
    sizes = [1, 2, 1]
    W = np.array([1e200, 1e200, 0.0, 0.0, 1e308, 1e308, 0.0])
    X, T = np.array([[1e200], [1e200]]), np.array([0.0, 1.0])
    fun = mb.Objective(X, T, sizes, 0.0, activation, parts=n_parts)
    for call in (fun, fun.loss):
        with pytest.raises(ValueError, match="^W: the loss or its gradient overflowed float64"):
            call(W)


# ---------------------------------------------------------------- h' from the outputs


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_activations_and_derivatives_write_into_out(name):
    """The engine writes h into its working arrays through ``out=`` (``a`` itself allowed);
    the derivatives take ``out=`` alike, and give float64 either way."""
    a = np.linspace(-5.0, 5.0, 11)
    expected, slope = ACTIVATIONS[name](a), DERIVATIVES[name](a)
    assert slope.dtype == np.float64
    out = np.empty_like(a)
    assert ACTIVATIONS[name](a, out=out) is out
    np.testing.assert_array_equal(out, expected)
    in_place = a.copy()
    ACTIVATIONS[name](in_place, out=in_place)
    np.testing.assert_array_equal(in_place, expected)
    assert DERIVATIVES[name](a, out=out) is out
    np.testing.assert_array_equal(out, slope)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_derivatives_from_outputs_agree_with_those_of_pre_activations(name):
    """h'(a) from z = h(a): exact for ReLU; for sigmoid and tanh to an absolute error of a
    few eps (z carries half an ulp of 1, and 1 - z and z * z add one rounding each)."""
    a = np.concatenate([np.linspace(-40.0, 40.0, 801), [-1e3, 0.0, 1e3]])
    from_output = DERIVATIVES_FROM_OUTPUT[name](ACTIVATIONS[name](a))
    if name == "relu":
        np.testing.assert_array_equal(from_output, DERIVATIVES[name](a))
    else:
        np.testing.assert_allclose(from_output, DERIVATIVES[name](a), rtol=0, atol=4 * EPS)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_derivatives_from_outputs_write_float64_into_out(name):
    z = ACTIVATIONS[name](np.linspace(-3.0, 3.0, 7))
    expected = DERIVATIVES_FROM_OUTPUT[name](z)
    assert expected.dtype == np.float64
    out = np.empty_like(z)
    assert DERIVATIVES_FROM_OUTPUT[name](z, out=out) is out
    np.testing.assert_array_equal(out, expected)
