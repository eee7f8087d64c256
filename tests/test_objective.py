"""The fast paths: Objective, out= buffers, derivatives from outputs, blocks of rows."""

import itertools
import os
import select
import signal
import threading
import types
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import manual_backprop as mb
from manual_backprop import network
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES, DERIVATIVES_FROM_OUTPUT
from manual_backprop.gradcheck import gradient_scale
from manual_backprop.network import _BLOCK_ENTRIES, _row_blocks

EPS = float(np.finfo(np.float64).eps)


def _problem(sizes, n_samples, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, sizes[0]))
    labels = rng.integers(0, max(sizes[-1], 2), n_samples)
    T = labels.astype(float) if sizes[-1] == 1 else np.eye(sizes[-1])[labels]
    return mb.init_weights(sizes, seed), X, T


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("sizes", [[3, 1], [2, 5, 1], [4, 6, 6, 3]])
def test_objective_gives_loss_and_grad_bit_for_bit_on_every_call(sizes, activation):
    """Same operations on the same numbers: identical results, and reused buffers keep
    nothing from one call to the next."""
    W0, X, T = _problem(sizes, 7)
    fun = mb.Objective(X, T, sizes, 0.1, activation)
    grads = []
    for W in (W0, 3.0 * W0, W0):
        J, grad = fun(W)
        J_ref, grad_ref = mb.loss_and_grad(W, X, T, sizes, 0.1, activation)
        assert J == J_ref
        np.testing.assert_array_equal(grad, grad_ref)
        assert fun.loss(W) == mb.loss(W, X, T, sizes, 0.1, activation)
        grads.append(grad)
    assert grads[0] is not grads[2]  # a new gradient array on every call
    np.testing.assert_array_equal(grads[0], grads[2])


def test_objective_copies_its_data_and_leaves_the_callers_alone():
    sizes = [2, 3, 1]
    W, X, T = _problem(sizes, 5)
    T_before, W_before = T.copy(), W.copy()
    fun = mb.Objective(X, T, sizes, 0.1)
    J = fun(W)[0]
    assert fun.loss(W) == J
    np.testing.assert_array_equal(W, W_before)  # nothing the caller passed was changed
    np.testing.assert_array_equal(T, T_before)
    X[:] = np.nan  # the caller changes its array afterwards: the objective keeps what it checked
    assert fun(W)[0] == J


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda X, T: mb.Objective(X[:, :1], T, [2, 3, 1]), "^X: expected 2 columns"),
        (lambda X, T: mb.Objective(X, T[:-1], [2, 3, 1]), "^T: expected 5 targets"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], lam=-1.0), "^lam: expected a finite number"),
        (lambda X, T: mb.Objective(X, T, [2, 3, 1], activation="gelu"), "^activation: expected"),
        (lambda X, T: mb.Objective(X, T, [2, 0, 1]), "^layer_sizes: entry 1"),
    ],
)
def test_objective_refuses_bad_data_when_made(make, message):
    _, X, T = _problem([2, 3, 1], 5)
    with pytest.raises(ValueError, match=message):
        make(X, T)


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


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_activations_write_into_out_and_may_overwrite_their_input(name):
    a = np.linspace(-5.0, 5.0, 11)
    expected, slope = ACTIVATIONS[name](a), DERIVATIVES[name](a)
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


def test_row_blocks_cover_every_row_once():
    for shape in [(1, 3), (10, 4), (5000, 100), (3, 1 << 19)]:
        blocks = _row_blocks(np.empty(shape))
        rows = np.concatenate([np.arange(shape[0])[b] for b in blocks])
        np.testing.assert_array_equal(rows, np.arange(shape[0]))
        assert all(
            len(range(*b.indices(shape[0]))) * shape[1] <= max(_BLOCK_ENTRIES, shape[1])
            for b in blocks
        )


def test_a_batch_large_enough_for_row_blocks_gives_the_per_sample_gradient(monkeypatch):
    """2100 samples x 128 hidden units, in one part: the hidden arrays are taken in two
    row blocks. Same sums in another order as the per-sample algorithm (property 4's
    1e-12 of the gradient's scale, see property_tests/tolerances.py)."""
    monkeypatch.setattr(network, "_MIN_ENTRIES_PER_PART", 2100 * 129)  # exactly one part
    sizes = [2, 128, 1]
    W, X, T = _problem(sizes, 2100)
    assert len(network._parts(2100, sizes)) == 1
    assert len(_row_blocks(np.empty((2100, 128)))) == 2
    J, grad = mb.Objective(X, T, sizes, 1e-3)(W)
    J_loop, grad_loop = mb.loss_and_grad_per_sample(W, X, T, sizes, 1e-3)
    scale = gradient_scale(W, X, T, sizes, 1e-3, "sigmoid")
    assert abs(J - J_loop) <= 1e-13 * J
    assert np.max(np.abs(grad - grad_loop)) <= 1e-12 * scale


def test_objective_defaults_are_those_of_loss_and_grad():
    W, X, T = _problem([2, 3, 1], 5)
    J, grad = mb.Objective(X, T, [2, 3, 1])(W)
    J_ref, grad_ref = mb.loss_and_grad(W, X, T, [2, 3, 1])
    assert J == J_ref
    np.testing.assert_array_equal(grad, grad_ref)


def test_objective_refuses_a_finite_loss_with_an_overflowing_gradient():
    """lam W^2 = 1e308 is finite, its gradient 2 lam W = 2e308 is not (as in test_overflow)."""
    W, X, T = np.array([1.0, 0.0]), np.array([[0.0]]), np.array([0.0])
    fun = mb.Objective(X, T, [1, 1], 1e308)
    assert np.isfinite(fun.loss(W))
    with pytest.raises(ValueError, match="^W: the loss or its gradient overflowed float64"):
        fun(W)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_derivatives_from_outputs_write_float64_into_out(name):
    z = ACTIVATIONS[name](np.linspace(-3.0, 3.0, 7))
    out = np.empty_like(z)
    assert DERIVATIVES_FROM_OUTPUT[name](z, out=out) is out
    assert DERIVATIVES_FROM_OUTPUT[name](z).dtype == np.float64


@pytest.mark.parametrize("n_parts", [1, 2])
def test_objective_reuses_its_working_arrays(monkeypatch, n_parts):
    """The point of an Objective: after it is made, a call allocates the gradient and small
    per-layer temporaries, never another (N, n_l) array (tracemalloc sees numpy's buffers),
    whether the batch is in one part or in several."""
    import tracemalloc

    monkeypatch.setattr(network, "_blas_threads", lambda: n_parts)
    sizes = [4, 256, 1]
    W, X, T = _problem(sizes, 2000)
    fun = mb.Objective(X, T, sizes, 1e-3)
    assert len(fun._parts) == n_parts
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


# ---------------------------------------------------------------- a large batch in parts


@pytest.fixture
def three_threads(monkeypatch):
    """Every batch cut into up to 3 parts, as on a machine whose BLAS has 3 threads."""
    monkeypatch.setattr(network, "_MIN_ENTRIES_PER_PART", 1)
    monkeypatch.setattr(network, "_blas_threads", lambda: 3)


@pytest.mark.usefixtures("three_threads")
@pytest.mark.parametrize("n_samples", [1, 2, 3, 7, 100])
def test_parts_cover_the_rows_once_in_order_and_none_is_empty(n_samples):
    parts = network._parts(n_samples, [2, 3, 1])
    assert len(parts) == min(3, n_samples)
    assert [p.rows.start for p in parts] == [0] + [p.rows.stop for p in parts[:-1]]
    assert parts[-1].rows.stop == n_samples
    sizes = [p.n_samples for p in parts]
    assert min(sizes) >= 1
    assert max(sizes) - min(sizes) <= 1


def test_small_batches_and_one_blas_thread_get_one_part():
    assert len(network._parts(200, [2, 10, 10, 10, 10, 1])) == 1  # Exercise 2: no threads
    # The fewest rows of 64-128-128-1 that hold two parts' worth of pre-activations.
    two_parts_of_work = -(-2 * network._MIN_ENTRIES_PER_PART // 257)
    with threadpool_limits(limits=2, user_api="blas"):
        assert len(network._parts(two_parts_of_work, [64, 128, 128, 1])) == 2
        assert len(network._parts(two_parts_of_work - 1, [64, 128, 128, 1])) == 1
    with threadpool_limits(limits=1, user_api="blas"):
        assert len(network._parts(two_parts_of_work, [64, 128, 128, 1])) == 1
        assert len(network._parts(10**6, [784, 256, 1])) == 1


def test_with_two_blas_threads_the_parts_run_in_two_threads(monkeypatch):
    monkeypatch.setattr(network, "_MIN_ENTRIES_PER_PART", 1)
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    seen = _recording_thread_names(monkeypatch)
    with threadpool_limits(limits=2, user_api="blas"):
        mb.loss_and_grad(W, X, T, sizes)
    assert len(seen) == 2
    assert len({name for name, _ in seen}) == 2


@pytest.mark.usefixtures("three_threads")
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("sizes", [[3, 1], [2, 5, 1], [4, 6, 6, 3]])
def test_parts_give_the_per_sample_numbers(sizes, activation):
    """8 rows in parts of 2, 3 and 3, each part's means weighted by its share: the same
    sums in another order (property 4's bounds: the loss to 1e-13 of itself, the gradient
    to 1e-12 of its scale, see property_tests/tolerances.py)."""
    W, X, T = _problem(sizes, 8)
    assert [p.n_samples for p in network._parts(8, sizes)] == [2, 3, 3]
    J, grad = mb.loss_and_grad(W, X, T, sizes, 0.1, activation)
    J_loop, grad_loop = mb.loss_and_grad_per_sample(W, X, T, sizes, 0.1, activation)
    scale = gradient_scale(W, X, T, sizes, 0.1, activation)
    assert abs(J - J_loop) <= 1e-13 * J_loop
    assert np.max(np.abs(grad - grad_loop)) <= 1e-12 * scale
    # The loss alone and the Objective cut the batch alike: the same bits.
    assert mb.loss(W, X, T, sizes, 0.1, activation) == J
    fun = mb.Objective(X, T, sizes, 0.1, activation)
    J_fun, grad_fun = fun(W)
    assert J_fun == J
    assert fun.loss(W) == J
    np.testing.assert_array_equal(grad_fun, grad)


def _recording_thread_names(monkeypatch, function="_backprop"):
    """Make ``network.<function>`` note the thread it runs in and BLAS's thread count there."""
    seen = []
    original = getattr(network, function)

    def recording(*args):
        blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
        seen.append((threading.current_thread().name, max(blas)))
        return original(*args)

    monkeypatch.setattr(network, function, recording)
    return seen


@pytest.mark.usefixtures("three_threads")
def test_the_parts_run_in_threads_with_one_blas_thread_and_the_threads_change_no_bit(
    monkeypatch,
):
    sizes = [4, 6, 6, 3]
    W, X, T = _problem(sizes, 50)
    blas_before = network._blas().info()
    seen = _recording_thread_names(monkeypatch)
    J, grad = mb.loss_and_grad(W, X, T, sizes, 0.1)
    assert len(seen) == 3
    assert {name for name, _ in seen} - {threading.current_thread().name}  # a pool thread
    assert all(blas == 1 for _, blas in seen)
    assert network._blas().info() == blas_before  # restored

    # The loss alone is cut and threaded alike.
    seen_loss = _recording_thread_names(monkeypatch, "_loss_value")
    assert mb.loss(W, X, T, sizes, 0.1) == J
    assert len(seen_loss) == 3
    assert {name for name, _ in seen_loss} - {threading.current_thread().name}
    assert all(blas == 1 for _, blas in seen_loss)

    # Another call holding the threads: the parts run one after the other, here.
    seen.clear()
    with network._parallel_lock:
        J_here, grad_here = mb.loss_and_grad(W, X, T, sizes, 0.1)
    assert {name for name, _ in seen} == {threading.current_thread().name}
    assert J_here == J
    np.testing.assert_array_equal(grad_here, grad)


@pytest.mark.usefixtures("three_threads")
def test_a_failing_part_lets_go_of_the_threads_and_of_blas(monkeypatch):
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    blas_before = network._blas().info()
    backprop = network._backprop

    def failing_in_a_pool_thread(*args):
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("a part failed")
        return backprop(*args)

    monkeypatch.setattr(network, "_backprop", failing_in_a_pool_thread)
    with pytest.raises(RuntimeError, match="a part failed"):
        mb.loss_and_grad(W, X, T, sizes)
    assert network._blas().info() == blas_before
    assert not network._parallel_lock.locked()


def test_an_objective_made_before_blas_was_limited_runs_its_parts_without_threads(monkeypatch):
    monkeypatch.setattr(network, "_MIN_ENTRIES_PER_PART", 1)
    monkeypatch.setattr(network, "_blas_threads", lambda: 2)
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    fun = mb.Objective(X, T, sizes)
    assert len(fun._parts) == 2
    monkeypatch.undo()
    seen = _recording_thread_names(monkeypatch)
    with threadpool_limits(limits=1, user_api="blas"):
        fun(W)
    assert {name for name, _ in seen} == {threading.current_thread().name}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.usefixtures("three_threads")
def test_a_forked_child_gets_threads_of_its_own():
    """The parent's pool threads do not exist in a child made by fork (multiprocessing's
    default on Linux): without a new pool there, the child would wait for them forever."""
    sizes = [2, 5, 1]
    W, X, T = _problem(sizes, 9)
    _, grad = mb.loss_and_grad(W, X, T, sizes)  # the parent's pool now exists
    assert network._pool is not None
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Other libraries loaded in this test process (JAX) warn at every fork.
        warnings.simplefilter("ignore")
        pid = os.fork()
    if pid == 0:  # the child: send the gradient's bytes, and leave at once
        try:
            os.write(write_end, mb.loss_and_grad(W, X, T, sizes)[1].tobytes())
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


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_the_forward_pass_without_buffers_keeps_pre_activations_and_activations_apart(
    activation,
):
    """The diagnostics (gradient_scale's h'(A), the ReLU kink and piece checks) read the
    hidden A_l; only backpropagation's own buffers may have Z_l written over them."""
    sizes = [3, 4, 5, 2]
    W, X, _ = _problem(sizes, 6)
    params = network._unpack(W, sizes)
    A, Z = network._forward(params, X, ACTIVATIONS[activation])
    for l, (W_l, b_l) in enumerate(params, start=1):
        np.testing.assert_array_equal(A[l - 1], Z[l - 1] @ W_l + b_l)
        if l < len(params):
            np.testing.assert_array_equal(Z[l], ACTIVATIONS[activation](A[l - 1]))
    assert np.any(A[0] < 0.0)  # so that relu's Z_1 and A_1 differ


@pytest.mark.usefixtures("three_threads")
@pytest.mark.parametrize(
    ("n_samples", "sizes"), [(1, [2, 1]), (7, [3, 5, 1]), (2500, [2, 300, 7, 3])]
)
@pytest.mark.parametrize("max_block", ["as set", "the total", "one under the total"])
def test_the_working_arrays_are_disjoint_and_start_on_cache_lines(
    monkeypatch, n_samples, sizes, max_block
):
    """They share one allocation, or past MAX_BLOCK entries are allocated one by one (see
    network._Memory): an overlap would let one array's writes corrupt another's."""
    bounds = [n_samples * k // min(3, n_samples) for k in range(min(3, n_samples) + 1)]
    total = sum(network._Part.entries(b - a, sizes) for a, b in itertools.pairwise(bounds))
    limit = {
        "as set": network._Memory.MAX_BLOCK,
        "the total": total,
        "one under the total": total - 1,
    }[max_block]
    monkeypatch.setattr(network._Memory, "MAX_BLOCK", limit)
    arrays = []
    for part in network._parts(n_samples, sizes):
        b, n = part.buffers, part.n_samples
        arrays += [b.ones, *b.A, *b.delta, *b.h_prime, part.grad]
        assert b.ones.shape == (n,)
        np.testing.assert_array_equal(b.ones, 1.0)
        assert [a.shape for a in b.A] == [(n, width) for width in sizes[1:]]
        assert [a.shape for a in b.delta] == [(n, width) for width in sizes[1:-1]]
        # h' is held one block of rows at a time, never more rows than the part has.
        blocks = [(min(n, network._block_rows(width)), width) for width in sizes[1:-1]]
        assert [a.shape for a in b.h_prime] == blocks
        assert part.grad.shape == (mb.n_params(sizes),)
    owners = {id(a.base) for a in arrays}
    assert len(owners) == (1 if total <= limit else len(arrays))
    spans = sorted((a.ctypes.data, a.ctypes.data + a.nbytes) for a in arrays)
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))
    assert all(start % 64 == 0 for start, _ in spans)
    assert all(a.flags.c_contiguous for a in arrays)


def test_without_a_blas_library_found_there_is_one_thread(monkeypatch):
    """threadpoolctl finds no BLAS (a numpy built without one): one part, no threads."""
    monkeypatch.setattr(network, "_controller", types.SimpleNamespace(lib_controllers=[]))
    assert network._blas_threads() == 1
    assert len(network._parts(10**6, [784, 256, 1])) == 1


def test_after_a_fork_the_child_has_no_pool_and_a_free_lock(monkeypatch):
    """What os.register_at_fork runs in a child, here called directly (in a real child
    its effects are out of this process's sight; see the fork test above)."""
    monkeypatch.setattr(network, "_pool", object())  # the parent's pool, as the child sees it
    held = threading.Lock()
    held.acquire()  # held by a parent's thread that the child does not have
    monkeypatch.setattr(network, "_parallel_lock", held)
    network._forget_threads()
    assert network._pool is None
    assert network._parallel_lock is not held
    assert not network._parallel_lock.locked()
