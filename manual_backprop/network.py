"""The network: forward pass, loss, and its gradient by backpropagation, twice.

:func:`loss_and_grad` backpropagates the whole batch at once with matrix
products; :func:`loss_and_grad_per_sample` is the exercise's literal
algorithm (Exercise 2a, after Bishop, *Pattern Recognition and Machine
Learning*, section 5.3.1), one sample at a time. They compute the same
numbers; read the second to learn, run the first. :class:`Objective` is the
first prepared for ``scipy.optimize.minimize``: the data checked once and the
working arrays reused on every call.

Model, for ``layer_sizes = [n_0, ..., n_L]`` (see the package docstring for
the notation)::

    Z_0 = X
    A_l = Z_{l-1} @ W_l + b_l              l = 1 .. L
    Z_l = h(A_l)                           l = 1 .. L-1  (hidden layers)
    output: sigmoid(A_L) if n_L == 1, else softmax(A_L) row by row

    J(W) = cross-entropy(A_L, T) + lam * sum_l ||W_l||_F^2

See Also
--------
jax_reference.network : the same forward pass and loss; its gradient comes
    from ``jax.value_and_grad`` and it has no backward code.
"""

import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import softmax
from threadpoolctl import ThreadpoolController

from manual_backprop._checks import (
    check_activation,
    check_inputs,
    check_lam,
    check_layer_sizes,
    check_targets,
    check_weights,
)
from manual_backprop.activations import (
    ACTIVATIONS,
    DERIVATIVES,
    DERIVATIVES_FROM_OUTPUT,
    sigmoid,
)
from manual_backprop.layout import _n_params, _unpack, n_params
from manual_backprop.losses import (
    _softmax_cross_entropy,
    _softmax_output_delta,
    _softmax_parts,
    binary_cross_entropy,
    binary_output_delta,
    l2_penalty,
    l2_penalty_grad,
    softmax_cross_entropy,
    softmax_output_delta,
)

__all__ = [
    "Objective",
    "forward",
    "loss",
    "loss_and_grad",
    "loss_and_grad_per_sample",
    "predict",
    "predict_proba",
]

Array = NDArray[np.float64]
Params = list[tuple[Array, Array]]
Shape = tuple[int, ...]
Shapes = list[Shape]


# ---------------------------------------------------------------- validation


def _prepare(
    W: Any, X: Any, layer_sizes: Any, activation: Any
) -> tuple[tuple[int, ...], Params, Array, str]:
    """Validate the arguments every function takes; unpack ``W`` into layers."""
    sizes = check_layer_sizes(layer_sizes)
    activation = check_activation(activation, tuple(ACTIVATIONS))
    W = check_weights(W, _n_params(sizes))
    X = check_inputs(X, sizes[0])
    return sizes, _unpack(W, sizes), X, activation


def _prepare_loss(
    W: Any, X: Any, T: Any, layer_sizes: Any, lam: Any, activation: Any
) -> tuple[tuple[int, ...], Params, Array, Array, float, str]:
    """Validate the arguments of the loss functions; ``T`` comes back as an (N, n_L) matrix."""
    lam = check_lam(lam)
    sizes, params, X, activation = _prepare(W, X, layer_sizes, activation)
    return sizes, params, X, check_targets(T, X.shape[0], sizes[-1]), lam, activation


def _require_finite_result(loss: float, grad: Array | None = None) -> None:
    """Refuse a result that overflowed float64 rather than return inf or NaN."""
    if not np.isfinite(loss) or (grad is not None and not np.all(np.isfinite(grad))):
        raise ValueError(
            "W: the loss or its gradient overflowed float64 (weights or inputs too large "
            "for this network)"
        )


# ---------------------------------------------------------------- building blocks


# Each elementwise step on an (N, n_l) array is several passes through it (the
# sigmoid alone is four). Once the array outgrows the CPU's cache (S5: 20 MB)
# every pass waits on main memory; taking the rows a block of ~2 MB at a time
# and doing all of a step's passes on one block before the next keeps the
# block in cache in between. Measured: a fifth off S5's whole evaluation.
_BLOCK_ENTRIES = 1 << 18


def _block_rows(n_columns: int) -> int:
    """How many rows of an array with ``n_columns`` columns make one block."""
    return max(1, _BLOCK_ENTRIES // max(1, n_columns))


def _row_blocks(array: Array) -> list[slice]:
    """Consecutive blocks of rows of ``array``, each about ``_BLOCK_ENTRIES`` entries."""
    step = _block_rows(array.shape[1])
    return [slice(start, start + step) for start in range(0, array.shape[0], step)]


class _Buffers:
    """The large arrays one forward and backward pass writes, for N samples.

    A call of :func:`loss_and_grad` makes new ones; an :class:`Objective`
    keeps one set and reuses it on every call, which saves allocating (and
    the operating system zeroing) several (N, n_l) arrays per call.
    """

    def __init__(self, n_samples: int, layer_sizes: Sequence[int], memory: "_Memory") -> None:
        ones, A, delta, h_prime = self.shapes(n_samples, layer_sizes)
        #: A vector of N ones, to sum over samples with a matrix product.
        self.ones = memory.take(ones)
        self.ones.fill(1.0)
        #: Pre-activations ``A_1 .. A_L``.
        self.A = [memory.take(shape) for shape in A]
        #: Activations ``Z_1 .. Z_{L-1}`` of the hidden layers, written over
        #: ``A_1 .. A_{L-1}``: backpropagation needs ``Z_l`` (``h'`` is taken
        #: from it), never ``A_l`` again.
        self.Z = self.A[:-1]
        #: ``delta_l`` of the hidden layers.
        self.delta = [memory.take(shape) for shape in delta]
        #: ``h'`` of one block of rows of each hidden layer (see ``_row_blocks``).
        self.h_prime = [memory.take(shape) for shape in h_prime]

    @staticmethod
    def shapes(n_samples: int, layer_sizes: Sequence[int]) -> tuple[Shape, Shapes, Shapes, Shapes]:
        """The shapes of ``ones``, ``A``, ``delta`` and ``h_prime``."""
        hidden = layer_sizes[1:-1]
        return (
            (n_samples,),
            [(n_samples, n) for n in layer_sizes[1:]],
            [(n_samples, n) for n in hidden],
            [(min(n_samples, _block_rows(n)), n) for n in hidden],
        )

    @classmethod
    def entries(cls, n_samples: int, layer_sizes: Sequence[int]) -> int:
        """How many float64 entries the buffers need, each rounded up to a cache line."""
        ones, A, delta, h_prime = cls.shapes(n_samples, layer_sizes)
        return sum(_Memory.rounded(math.prod(shape)) for shape in [ones, *A, *delta, *h_prime])


class _Memory:
    """One allocation handed out as arrays, each starting on a 64-byte cache line.

    Why one: the C library (glibc) hands a freed block of a few MB back to the
    operating system, and a call's new arrays then cost a page fault per 4 KB
    (measured: 12 MB of them, 3 ms, two thirds of S4's evaluation). Freeing a
    single large block raises the library's threshold for that to twice its
    size, and the next call of the same size reuses the block as it is. The
    threshold stops rising at 32 MB: beyond that one block would be mapped
    afresh on every call, so the arrays are then allocated one by one, each
    below it (measured on S5, 82 MB in all: 195 ms a call instead of 257).
    """

    LINE = 8  # float64 entries in a cache line
    MAX_BLOCK = 1 << 22  # entries: 32 MB

    @classmethod
    def rounded(cls, n_entries: int) -> int:
        """``n_entries`` rounded up to whole cache lines."""
        return -(-n_entries // cls.LINE) * cls.LINE

    @classmethod
    def aligned(cls, n_entries: int) -> Array:
        """A new array of ``n_entries`` float64 starting on a cache line."""
        memory = np.empty(n_entries + cls.LINE)
        first = (-memory.ctypes.data // memory.itemsize) % cls.LINE
        return memory[first : first + n_entries]

    def __init__(self, n_entries: int) -> None:
        self._free = self.aligned(n_entries) if n_entries <= self.MAX_BLOCK else None

    def take(self, shape: Shape) -> Array:
        """The next ``prod(shape)`` entries, as a C-ordered array of that shape."""
        size = math.prod(shape)
        if self._free is None:  # too large for one block
            return self.aligned(size).reshape(shape)
        taken, self._free = self._free[:size], self._free[self.rounded(size) :]
        return taken.reshape(shape)


def _forward(
    params: Params, X: Array, h: Callable[..., Array], buffers: _Buffers | None = None
) -> tuple[list[Array], list[Array]]:
    """Forward pass keeping what backpropagation needs, written into ``buffers`` (or new arrays).

    Returns
    -------
    A : list of ndarray
        Pre-activations ``[A_1, ..., A_L]``, ``A_l`` of shape (N, n_l); with
        ``buffers``, those of the hidden layers are overwritten by ``Z_l``.
    Z : list of ndarray
        Layer inputs ``[Z_0 = X, Z_1, ..., Z_{L-1}]``, ``Z_l`` of shape (N, n_l).
    """
    A: list[Array] = []
    Z: list[Array] = [X]
    for l, (W_l, b_l) in enumerate(params, start=1):
        A_l = np.matmul(Z[-1], W_l, out=None if buffers is None else buffers.A[l - 1])
        A.append(A_l)
        if l == len(params):
            A_l += b_l
        else:
            Z_l = np.empty_like(A_l) if buffers is None else buffers.Z[l - 1]
            for rows in _row_blocks(A_l):
                A_l[rows] += b_l
                h(A_l[rows], out=Z_l[rows])
            Z.append(Z_l)
    return A, Z


def _loss_value(
    params: Params, X: Array, T: Array, lam: float, activation: str, buffers: _Buffers | None = None
) -> float:
    """The forward pass and the loss, ``J``."""
    with np.errstate(over="ignore", invalid="ignore"):  # the caller refuses an overflow
        A, _ = _forward(params, X, ACTIVATIONS[activation], buffers)
        return _output_loss(A[-1], T) + l2_penalty([W_l for W_l, _ in params], lam)


def _backprop(
    params: Params,
    X: Array,
    T: Array,
    lam: float,
    activation: str,
    grads: Params,
    buffers: _Buffers,
) -> float:
    """The algorithm: forward pass, loss, backward pass; fills ``grads``, returns ``J``.

    ``grads`` are views of the flat gradient, one ``(dW_l, db_l)`` per layer.
    """
    h_prime = DERIVATIVES_FROM_OUTPUT[activation]
    with np.errstate(over="ignore", invalid="ignore"):  # the caller refuses an overflow
        # Forward pass, keeping every A_l and Z_l.
        A, Z = _forward(params, X, ACTIVATIONS[activation], buffers)
        data_loss, delta = _output_loss_and_delta(A[-1], T)
        J = data_loss + l2_penalty([W_l for W_l, _ in params], lam)

        # Backward pass, from the output layer down to the first.
        for l in range(len(params), 0, -1):
            W_l, _ = params[l - 1]
            dW_l, db_l = grads[l - 1]
            np.matmul(Z[l - 1].T, delta, out=dW_l)
            dW_l += l2_penalty_grad(W_l, lam)
            # dJ/db_l = sum over samples of delta_l, as the product 1^T delta_l:
            # BLAS does it several times faster than numpy's column sum.
            np.matmul(buffers.ones, delta, out=db_l)
            if l > 1:  # the inputs X need no delta
                # delta_{l-1} = h'(A_{l-1}) * (delta_l W_l^T), h' taken from Z_{l-1} = h(A_{l-1})
                delta = np.matmul(delta, W_l.T, out=buffers.delta[l - 2])
                h_prime_l = buffers.h_prime[l - 2]
                for rows in _row_blocks(delta):
                    block = delta[rows]
                    block *= h_prime(Z[l - 1][rows], out=h_prime_l[: len(block)])
    return J


# ---------------------------------------------------------------- a large batch in parts

# Between its matrix products a pass spends about half its time in elementwise
# steps (the activation, h', the products with delta), which numpy runs on one
# core while the others idle. On a large batch it pays to cut the
# rows into consecutive parts, one per core, and backpropagate each part in a
# thread of its own with BLAS on one thread: two one-thread products side by
# side are as fast as one two-thread product, and the elementwise steps now
# run on every core. Each part gives its rows' mean loss and gradient; their
# average weighted by the parts' sizes is the batch's. Measured on 2 cores
# (benchmarks/bench.py): S4 a fifth faster, S5 an eighth. The parts, not the
# threads, fix the numbers: run one after the other (another parallel call
# already running) they give the same bits.
#
# A part must hold at least this many entries of the layers' pre-activations
# (rows x sum of n_1 .. n_L); below it the threads' hand-offs cost more than
# they save (measured: 64-128-128-1 breaks even near N = 1000).
_MIN_ENTRIES_PER_PART = 1 << 17


class _Part:
    """Consecutive rows of the batch, with their own buffers and gradient."""

    def __init__(self, rows: slice, layer_sizes: Sequence[int], memory: _Memory) -> None:
        self.rows = rows
        self.n_samples = rows.stop - rows.start
        self.buffers = _Buffers(self.n_samples, layer_sizes, memory)
        self.grad = memory.take((_n_params(layer_sizes),))

    @staticmethod
    def entries(n_samples: int, layer_sizes: Sequence[int]) -> int:
        """How many entries of memory a part of ``n_samples`` rows takes."""
        return _Buffers.entries(n_samples, layer_sizes) + _Memory.rounded(_n_params(layer_sizes))


def _parts(n_samples: int, layer_sizes: Sequence[int]) -> list[_Part]:
    """The batch cut into as many parts as BLAS has threads and the work allows.

    One part (no threads) when BLAS has one thread: the caller, or whoever
    limited BLAS, has said this process gets one core.
    """
    entries = n_samples * sum(layer_sizes[1:])
    n_parts = min(n_samples, entries // _MIN_ENTRIES_PER_PART)
    if n_parts >= 2:  # only then is BLAS asked, which takes microseconds
        n_parts = min(n_parts, _blas_threads())
    n_parts = max(1, n_parts)
    bounds = [n_samples * k // n_parts for k in range(n_parts + 1)]
    rows = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    memory = _Memory(sum(_Part.entries(part.stop - part.start, layer_sizes) for part in rows))
    return [_Part(part, layer_sizes, memory) for part in rows]


_controller: ThreadpoolController | None = None  # made on first use: it costs milliseconds
_pool: ThreadPoolExecutor | None = None
# One parallel evaluation at a time: it sets BLAS's thread count for the whole process.
_parallel_lock = threading.Lock()


def _blas() -> ThreadpoolController:
    """The process's BLAS libraries (numpy's, scipy's), to read and limit their threads."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


def _blas_threads() -> int:
    """How many threads BLAS may use now."""
    return max((lib.num_threads for lib in _blas().lib_controllers), default=1)


def _forget_threads() -> None:
    """In a forked child: the parent's pool threads and lock holders do not exist there."""
    global _pool, _parallel_lock
    _pool, _parallel_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_threads)


@contextmanager
def _threads() -> Iterator[ThreadPoolExecutor | None]:
    """A pool of threads with BLAS on one thread; None if BLAS has been limited to one
    thread since the parts were cut, or if another call holds the pool."""
    global _pool
    if _blas_threads() < 2 or not _parallel_lock.acquire(blocking=False):
        yield None
        return
    try:
        if _pool is None:
            _pool = ThreadPoolExecutor(thread_name_prefix="manual_backprop")
        with _blas().limit(limits=1):
            yield _pool
    finally:
        _parallel_lock.release()


def _in_parts(
    evaluate: Callable[[_Part], float], parts: list[_Part], pool: ThreadPoolExecutor | None
) -> list[float]:
    """``evaluate(part)`` for every part, each in a thread of ``pool`` if there is one."""
    if pool is None:
        return [evaluate(part) for part in parts]
    others = [pool.submit(evaluate, part) for part in parts[1:]]
    try:
        first = evaluate(parts[0])
    finally:
        wait(others)  # never leave a thread writing into the buffers
    return [first] + [future.result() for future in others]


def _shares(parts: list[_Part]) -> list[float]:
    """Each part's share of the rows: the weights that turn the parts' means into the batch's."""
    n_samples = sum(part.n_samples for part in parts)
    return [part.n_samples / n_samples for part in parts]


def _penalised_mean(
    data_term: Callable[[_Part], float], parts: list[_Part], params: Params, lam: float
) -> float:
    """``J``: the parts' data terms, weighted by their shares, plus the penalty.

    All of it with BLAS on one thread, the penalty's products too: a BLAS call
    on several threads leaves them spinning for a while afterwards, taking the
    cores from the parts of the next call.
    """
    with _threads() as pool:
        losses = _in_parts(data_term, parts, pool)
        data_loss = sum(share * J_p for share, J_p in zip(_shares(parts), losses, strict=True))
        return data_loss + l2_penalty([W_l for W_l, _ in params], lam)


def _backprop_in_parts(
    params: Params,
    X: Array,
    T: Array,
    lam: float,
    activation: str,
    grad: Array,
    parts: list[_Part],
) -> float:
    """:func:`_backprop` of the batch cut into ``parts``; fills ``grad``, returns ``J``."""
    sizes = [X.shape[1]] + [W_l.shape[1] for W_l, _ in params]
    if len(parts) == 1:
        return _backprop(params, X, T, lam, activation, _unpack(grad, sizes), parts[0].buffers)

    def data_term(part: _Part) -> float:
        """The part's mean loss without the penalty; its gradient goes to ``part.grad``."""
        rows, grads = part.rows, _unpack(part.grad, sizes)
        return _backprop(params, X[rows], T[rows], 0.0, activation, grads, part.buffers)

    J = _penalised_mean(data_term, parts, params, lam)
    shares = _shares(parts)
    np.multiply(parts[0].grad, shares[0], out=grad)
    for part, share in zip(parts[1:], shares[1:], strict=True):
        grad += share * part.grad
    for (W_l, _), (dW_l, _) in zip(params, _unpack(grad, sizes), strict=True):
        dW_l += l2_penalty_grad(W_l, lam)
    return J


def _loss_in_parts(
    params: Params, X: Array, T: Array, lam: float, activation: str, parts: list[_Part]
) -> float:
    """:func:`_loss_value` of the batch cut into ``parts`` as :func:`_backprop_in_parts` cuts it."""
    if len(parts) == 1:
        return _loss_value(params, X, T, lam, activation, parts[0].buffers)

    def data_term(part: _Part) -> float:
        rows = part.rows
        return _loss_value(params, X[rows], T[rows], 0.0, activation, part.buffers)

    return _penalised_mean(data_term, parts, params, lam)


def _output_loss(A_L: Array, T: Array) -> float:
    """Data term of the loss: binary cross-entropy for one output, softmax's for more."""
    if A_L.shape[1] == 1:
        return binary_cross_entropy(A_L, T)
    return softmax_cross_entropy(A_L, T)


def _output_loss_and_delta(A_L: Array, T: Array) -> tuple[float, Array]:
    """:func:`_output_loss` and :func:`_output_delta`, sharing the softmax's work."""
    if A_L.shape[1] == 1:
        return binary_cross_entropy(A_L, T), binary_output_delta(A_L, T)
    parts = _softmax_parts(A_L)
    return _softmax_cross_entropy(parts, T), _softmax_output_delta(parts, T)


def _output_delta(A_L: Array, T: Array) -> Array:
    """``dJ/dA_L`` of the data term: ``(p - t) / N`` or ``(P - T) / N``."""
    if A_L.shape[1] == 1:
        return binary_output_delta(A_L, T)
    return softmax_output_delta(A_L, T)


# ---------------------------------------------------------------- public API


def forward(W: Array, X: Array, layer_sizes: Sequence[int], activation: str = "sigmoid") -> Array:
    """Logits of the output layer.

    Parameters
    ----------
    W : ndarray, shape (n_params,)
        Flat parameters in the canonical layout.
    X : ndarray, shape (N, n_0)
        Inputs, one sample per row.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    activation : {"sigmoid", "relu", "tanh"}
        Hidden-layer activation ``h``.

    Returns
    -------
    ndarray, shape (N, n_L)
        ``A_L``, before the output sigmoid or softmax.

    See Also
    --------
    jax_reference.forward
    """
    _, params, X, activation = _prepare(W, X, layer_sizes, activation)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        A, _ = _forward(params, X, ACTIVATIONS[activation])
    if not np.all(np.isfinite(A[-1])):
        _require_finite_result(np.inf)
    return A[-1]


def predict_proba(
    W: Array, X: Array, layer_sizes: Sequence[int], activation: str = "sigmoid"
) -> Array:
    """Output probabilities of the network.

    Parameters
    ----------
    W, X, layer_sizes, activation
        As in :func:`forward`.

    Returns
    -------
    ndarray, shape (N,) or (N, K)
        Binary output (``n_L == 1``): ``p_i``, the probability of target 1.
        Multiclass: ``P_ik``, the softmax of the logits, rows summing to 1.

    See Also
    --------
    jax_reference.predict_proba
    """
    A_L = forward(W, X, layer_sizes, activation)
    if A_L.shape[1] == 1:
        return sigmoid(A_L[:, 0])
    return softmax(A_L, axis=1)  # type: ignore[no-any-return]


def predict(W: Array, X: Array, layer_sizes: Sequence[int], activation: str = "sigmoid") -> Any:
    """Predicted class of every sample.

    Parameters
    ----------
    W, X, layer_sizes, activation
        As in :func:`forward`.

    Returns
    -------
    ndarray of int, shape (N,)
        Binary output: 1 where ``p_i >= 1/2`` (``a_i >= 0``), else 0.
        Multiclass: the index of the largest logit.
    """
    A_L = forward(W, X, layer_sizes, activation)
    if A_L.shape[1] == 1:
        return (A_L[:, 0] >= 0.0).astype(np.intp)
    return np.argmax(A_L, axis=1)


def loss(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
) -> float:
    r"""Regularised cross-entropy of the network.

    .. math::

        J(W) = -\frac{1}{N}\sum_{i}\bigl[t_i\log p_i + (1-t_i)\log(1-p_i)\bigr]
               + \lambda\sum_l\lVert W_l\rVert_F^2                 \quad (n_L = 1)

        J(W) = -\frac{1}{N}\sum_{i}\sum_k T_{ik}\log P_{ik}
               + \lambda\sum_l\lVert W_l\rVert_F^2                 \quad (n_L \ge 2)

    Parameters
    ----------
    W : ndarray, shape (n_params,)
        Flat parameters in the canonical layout.
    X : ndarray, shape (N, n_0)
        Inputs, one sample per row.
    T : ndarray, shape (N,), (N, 1) or (N, K)
        Binary: targets in [0, 1]. Multiclass: one-hot rows, or integer labels
        in ``0 .. K-1``.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    lam : float, default 0
        Strength of the L2 penalty on the weights (never the biases).
    activation : {"sigmoid", "relu", "tanh"}, default "sigmoid"
        Hidden-layer activation ``h``.

    Returns
    -------
    float

    See Also
    --------
    jax_reference.loss
    """
    sizes, params, X, T, lam, activation = _prepare_loss(W, X, T, layer_sizes, lam, activation)
    J = _loss_in_parts(params, X, T, lam, activation, _parts(len(X), sizes))
    _require_finite_result(J)
    return J


def loss_and_grad(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
) -> tuple[float, Array]:
    r"""Loss and its gradient by backpropagation, the whole batch at once.

    With ``delta_l = dJ/dA_l`` (shape (N, n_l)) for the data term:

    .. math::

        \delta_L = (P - T) / N

        \delta_{l-1} = h'(A_{l-1}) \odot (\delta_l W_l^\top)

        \frac{\partial J}{\partial W_l} = Z_{l-1}^\top \delta_l + 2\lambda W_l,
        \qquad \frac{\partial J}{\partial b_l} = \sum_i (\delta_l)_{i,:}

    Parameters
    ----------
    W, X, T, layer_sizes, lam, activation
        As in :func:`loss`.

    Returns
    -------
    loss : float
        ``J(W)``, as :func:`loss` computes it.
    grad : ndarray, shape (n_params,)
        ``dJ/dW`` in the same canonical layout as ``W``; a new array.

    Notes
    -----
    On a large batch (``N * (n_1 + ... + n_L)`` at least 2 x 131072
    pre-activations) the rows are cut into as many parts as BLAS
    has threads, and each part is backpropagated in a thread of its own, with
    BLAS set to one thread for the length of the call (the setting is the
    process's: BLAS work in other threads meanwhile runs on one thread too).
    Where BLAS has been limited to one thread
    (``threadpoolctl.threadpool_limits(1)``, ``OPENBLAS_NUM_THREADS=1``) the
    call uses one thread.

    See Also
    --------
    loss_and_grad_per_sample : the same numbers, one sample at a time.
    jax_reference.loss_and_grad : the same numbers from ``jax.value_and_grad``.
    """
    sizes, params, X, T, lam, activation = _prepare_loss(W, X, T, layer_sizes, lam, activation)
    grad = np.empty(_n_params(sizes))
    J = _backprop_in_parts(params, X, T, lam, activation, grad, _parts(len(X), sizes))
    _require_finite_result(J, grad)
    return J, grad


class Objective:
    r"""``W -> (J(W), dJ/dW)`` for fixed data: the ``fun`` of ``minimize(fun, W0, jac=True)``.

    Exercise 1.e's ``fun(W)``, prepared once. ``X``, ``T``, ``layer_sizes``,
    ``lam`` and ``activation`` are checked when it is made; each call checks
    only ``W`` (its length and finiteness), nothing proportional to the data.
    The working arrays of the forward and backward passes are allocated once
    and reused by every call, so one Objective must not be called from two
    threads at once. Every call returns a new gradient array, and the same
    numbers as :func:`loss_and_grad` (a large batch is cut into parts run in
    threads alike: see its Notes).

    Parameters
    ----------
    X, T, layer_sizes, lam, activation
        As in :func:`loss`. ``X`` and ``T`` are copied, so changing the
        caller's arrays later changes nothing here.

    Examples
    --------
    >>> import numpy as np, scipy.optimize, manual_backprop as mb
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); t = np.array([1.0, 1.0, 0.0])
    >>> fun = mb.Objective(X, t, [2, 4, 1], lam=1e-3)
    >>> result = scipy.optimize.minimize(fun, mb.init_weights([2, 4, 1], 0), jac=True)
    >>> bool(result.fun < fun(mb.init_weights([2, 4, 1], 0))[0])
    True

    See Also
    --------
    loss_and_grad : the same numbers, every argument checked on every call.
    """

    def __init__(
        self,
        X: Array,
        T: Array,
        layer_sizes: Sequence[int],
        lam: float = 0.0,
        activation: str = "sigmoid",
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        self.activation = check_activation(activation, tuple(ACTIVATIONS))
        self.lam = check_lam(lam)
        self.X = check_inputs(X, self.layer_sizes[0]).copy()
        self.T = check_targets(T, len(self.X), self.layer_sizes[-1]).copy()
        self.n_params = n_params(self.layer_sizes)
        self._parts = _parts(len(self.X), self.layer_sizes)

    def __call__(self, W: Array) -> tuple[float, Array]:
        """``(J(W), dJ/dW)``, as :func:`loss_and_grad`."""
        params = _unpack(check_weights(W, self.n_params), self.layer_sizes)
        grad = np.empty(self.n_params)
        J = _backprop_in_parts(params, self.X, self.T, self.lam, self.activation, grad, self._parts)
        _require_finite_result(J, grad)
        return J, grad

    def loss(self, W: Array) -> float:
        """``J(W)`` alone, as :func:`loss`."""
        params = _unpack(check_weights(W, self.n_params), self.layer_sizes)
        J = _loss_in_parts(params, self.X, self.T, self.lam, self.activation, self._parts)
        _require_finite_result(J)
        return J


def loss_and_grad_per_sample(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
) -> tuple[float, Array]:
    r"""Loss and gradient by the exercise's backpropagation, one sample at a time.

    The steps of Exercise 2a (Bishop, PRML, section 5.3.1), for each sample
    ``x_n`` in turn, in the exercise's notation (``w_kj`` is the weight from
    unit ``j`` to unit ``k``, i.e. ``W_l[j, k]`` here):

    1. Forward propagate ``x_n``: every unit's input ``a_j`` and output
       ``z_j = h(a_j)``.
    2. Evaluate the output deltas :math:`\delta_k = y_k(x_n) - t_{nk}`.
    3. Backpropagate: :math:`\delta_j = h'(a_j) \sum_k w_{kj} \delta_k`.
    4. Derivatives of this sample's loss:
       :math:`\partial E_n / \partial w_{ji} = \delta_j z_i` (and
       :math:`\partial E_n / \partial b_j = \delta_j`).

    The per-sample derivatives are summed and divided by ``N`` (the loss is a
    mean); then the penalty's gradient ``2 lam W_l``, which backpropagation
    does not see, is added.

    Parameters
    ----------
    W, X, T, layer_sizes, lam, activation
        As in :func:`loss`.

    Returns
    -------
    loss : float
    grad : ndarray, shape (n_params,)

    See Also
    --------
    loss_and_grad : the same numbers, the whole batch at once.
    """
    sizes, params, X, T, lam, activation = _prepare_loss(W, X, T, layer_sizes, lam, activation)
    h, h_prime = ACTIVATIONS[activation], DERIVATIVES[activation]
    n_layers = len(params)
    grad = np.zeros(_n_params(sizes))
    grads = _unpack(grad, sizes)  # views: accumulating into them fills ``grad``
    data_loss = 0.0

    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        for x_n, t_n in zip(X, T, strict=True):
            # Step 1: forward propagate x_n; a[l] and z[l] belong to layer l + 1
            # (z[0] is the input itself).
            a: list[Array] = []
            z: list[Array] = [x_n]
            for l, (W_l, b_l) in enumerate(params, start=1):
                a.append(z[-1] @ W_l + b_l)
                if l < n_layers:
                    z.append(h(a[-1]))
            y_logits, t_row = a[-1][np.newaxis], t_n[np.newaxis]  # a batch of one
            data_loss += _output_loss(y_logits, t_row)

            # Step 2: output deltas y_k(x_n) - t_nk (a batch of one: no 1/N here).
            delta: list[Array] = [np.empty(0)] * n_layers
            delta[-1] = _output_delta(y_logits, t_row)[0]

            # Step 3: backpropagate, delta_j = h'(a_j) * sum_k w_kj delta_k.
            for l in range(n_layers - 1, 0, -1):
                W_next, _ = params[l]
                delta[l - 1] = h_prime(a[l - 1]) * (W_next @ delta[l])

            # Step 4: dE_n/dw_ji = delta_j z_i, accumulated over the samples.
            for l in range(n_layers):
                dW_l, db_l = grads[l]
                dW_l += np.outer(z[l], delta[l])
                db_l += delta[l]

        n_samples = X.shape[0]
        grad /= n_samples  # the loss is the mean over samples
        for (W_l, _), (dW_l, _) in zip(params, grads, strict=True):
            dW_l += l2_penalty_grad(W_l, lam)  # the penalty, outside backpropagation
        J = data_loss / n_samples + l2_penalty([W_l for W_l, _ in params], lam)
    _require_finite_result(J, grad)
    return J, grad
