"""The fast paths: Objective, out= buffers, derivatives from outputs, blocks of rows."""

import numpy as np
import pytest

import manual_backprop as mb
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


def test_a_batch_large_enough_for_row_blocks_gives_the_per_sample_gradient():
    """2100 samples x 128 hidden units: the hidden arrays are taken in two row blocks.
    Same sums in another order as the per-sample algorithm (property 4's 1e-12 of the
    gradient's scale, see property_tests/tolerances.py)."""
    sizes = [2, 128, 1]
    W, X, T = _problem(sizes, 2100)
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


def test_objective_reuses_its_working_arrays():
    """The point of an Objective: after it is made, a call allocates the gradient and small
    per-layer temporaries, never another (N, n_l) array (tracemalloc sees numpy's buffers)."""
    import tracemalloc

    sizes = [4, 256, 1]
    W, X, T = _problem(sizes, 2000)
    fun = mb.Objective(X, T, sizes, 1e-3)
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
