"""The engine: the batch loss and gradient of :mod:`.network`, made fast.

Everything in this module exists only for speed; none of it is needed to
understand backpropagation. Read :mod:`.network` for the algorithm: its
``_backprop`` is the exercise's formulas and nothing else. This module
computes the same numbers with

- working memory allocated once per :class:`Objective` and reused on every
  call (:class:`_Memory`, :class:`_Buffers`), ``Z_l`` written over ``A_l``;
- ``h'`` taken from the outputs ``Z_l`` (:data:`DERIVATIVES_FROM_OUTPUT`),
  one cache-sized block of rows at a time;
- a large batch cut into parts of rows, one per BLAS thread, each part
  backpropagated in a thread of its own with BLAS on one thread.

None of this changes the formulas, only the order in which the same sums are
added up and the rounding of ``h'``: ``property_tests/test_engine.py`` proves
the engine equal to :func:`manual_backprop.loss_and_grad` on random problems,
with and without forced parts. This module never imports :mod:`.network`.
"""

import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from manual_backprop._checks import (
    check_activation,
    check_finite_result,
    check_inputs,
    check_lam,
    check_layer_sizes,
    check_targets,
    check_weights,
)
from manual_backprop.activations import ACTIVATIONS
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
)

__all__ = [
    "DERIVATIVES_FROM_OUTPUT",
    "Objective",
    "relu_grad_from_output",
    "sigmoid_grad_from_output",
    "tanh_grad_from_output",
]

Array = NDArray[np.float64]
Params = list[tuple[Array, Array]]
Shape = tuple[int, ...]
Shapes = list[Shape]


# ---------------------------------------------------------------- h' from the outputs


def sigmoid_grad_from_output(z: Array, out: Array | None = None) -> Array:
    r"""The sigmoid's derivative from its output ``z = sigma(a)``.

    .. math:: \sigma'(a) = z\,(1 - z)

    Backpropagation keeps every ``Z_l`` anyway, and this costs two cheap
    passes where :func:`manual_backprop.sigmoid_grad` needs a ``cosh``. It is
    exact up to an absolute error of ~eps (not relative: ``1 - z`` rounds to 0
    for ``a > 37``), well inside the rounding that the gradient's sums carry.

    Parameters
    ----------
    z : ndarray, any shape
        Outputs of the sigmoid.
    out : ndarray, optional
        Where to write the result, not ``z`` itself (``z`` is read again after
        ``out`` is written); by default a new array.

    Returns
    -------
    ndarray, same shape as ``z``
    """
    d = np.subtract(1.0, z, out=_buffer(z, out))
    d *= z
    return d


def tanh_grad_from_output(z: Array, out: Array | None = None) -> Array:
    r"""tanh's derivative from its output ``z = tanh(a)``, to an absolute error of ~eps.

    .. math:: \tanh'(a) = 1 - z^2

    Parameters
    ----------
    z : ndarray, any shape
        Outputs of tanh.
    out : ndarray, optional
        Where to write the result (``z`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``z``
    """
    d = np.multiply(z, z, out=_buffer(z, out))
    return np.subtract(1.0, d, out=d)


def relu_grad_from_output(z: Array, out: Array | None = None) -> Array:
    r"""The ReLU's derivative from its output ``z = max(a, 0)``, exactly.

    .. math:: \mathrm{relu}'(a) = [z > 0]

    (0 at the kink, as :func:`manual_backprop.relu_grad`.)

    Parameters
    ----------
    z : ndarray, any shape
        Outputs of the ReLU.
    out : ndarray, optional
        Where to write the result (``z`` itself is allowed); by default a new array.

    Returns
    -------
    ndarray, same shape as ``z``
    """
    return np.greater(z, 0.0, out=_buffer(z, out))


def _buffer(z: Array, out: Array | None) -> Array:
    """``out``, or a new float64 array of ``z``'s shape."""
    return np.empty(np.shape(z)) if out is None else out


#: ``h'`` by the names of :data:`manual_backprop.ACTIVATIONS`, as functions of ``z = h(a)``.
DERIVATIVES_FROM_OUTPUT: dict[str, Callable[..., Array]] = {
    "sigmoid": sigmoid_grad_from_output,
    "relu": relu_grad_from_output,
    "tanh": tanh_grad_from_output,
}


# ---------------------------------------------------------------- blocks of rows

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


# ---------------------------------------------------------------- working memory


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


class _Buffers:
    """The large arrays one forward and backward pass writes, for N samples."""

    def __init__(self, n_samples: int, layer_sizes: Sequence[int], memory: _Memory) -> None:
        ones, A, delta, h_prime = self.shapes(n_samples, layer_sizes)
        #: A vector of N ones, to sum over samples with a matrix product.
        self.ones = memory.take(ones)
        self.ones.fill(1.0)
        #: Pre-activations ``A_1 .. A_L``.
        self.A = [memory.take(shape) for shape in A]
        #: Activations ``Z_1 .. Z_{L-1}`` of the hidden layers, written over
        #: ``A_1 .. A_{L-1}``: backpropagation here needs ``Z_l`` (``h'`` is
        #: taken from it), never ``A_l`` again.
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


# ---------------------------------------------------------------- one pass, into buffers


def _forward_into(params: Params, X: Array, h: Callable[..., Array], buffers: _Buffers) -> Array:
    """The forward pass written into ``buffers``, ``Z_l`` over ``A_l``; returns ``A_L``."""
    for l, (W_l, b_l) in enumerate(params, start=1):
        Z_prev = X if l == 1 else buffers.Z[l - 2]
        A_l = np.matmul(Z_prev, W_l, out=buffers.A[l - 1])
        if l == len(params):
            A_l += b_l
        else:
            for rows in _row_blocks(A_l):  # A_l + b_l and h, a block in cache at a time
                A_l[rows] += b_l
                h(A_l[rows], out=A_l[rows])  # A_l becomes Z_l
    return buffers.A[-1]


def _loss_into(
    params: Params, X: Array, T: Array, lam: float, activation: str, buffers: _Buffers
) -> float:
    """The forward pass and the loss, ``J``."""
    with np.errstate(over="ignore", invalid="ignore"):  # the caller refuses an overflow
        A_L = _forward_into(params, X, ACTIVATIONS[activation], buffers)
        return _output_loss(A_L, T) + l2_penalty([W_l for W_l, _ in params], lam)


def _backprop_into(
    params: Params,
    X: Array,
    T: Array,
    lam: float,
    activation: str,
    grads: Params,
    buffers: _Buffers,
) -> float:
    """Forward pass, loss, backward pass, in ``buffers``; fills ``grads``, returns ``J``.

    ``grads`` are views of a flat gradient, one ``(dW_l, db_l)`` per layer.
    The reference's ``_backprop`` step for step, with ``h'`` from ``Z``.
    """
    h_prime = DERIVATIVES_FROM_OUTPUT[activation]
    Z = [X, *buffers.Z]  # Z_0 .. Z_{L-1}
    with np.errstate(over="ignore", invalid="ignore"):  # the caller refuses an overflow
        A_L = _forward_into(params, X, ACTIVATIONS[activation], buffers)
        data_loss, delta = _output_loss_and_delta(A_L, T)
        J = data_loss + l2_penalty([W_l for W_l, _ in params], lam)

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


def _output_loss(A_L: Array, T: Array) -> float:
    """Data term of the loss: binary cross-entropy for one output, softmax's for more."""
    if A_L.shape[1] == 1:
        return binary_cross_entropy(A_L, T)
    return softmax_cross_entropy(A_L, T)


def _output_loss_and_delta(A_L: Array, T: Array) -> tuple[float, Array]:
    """The data term and ``delta_L``, sharing the softmax's work."""
    if A_L.shape[1] == 1:
        return binary_cross_entropy(A_L, T), binary_output_delta(A_L, T)
    parts = _softmax_parts(A_L)
    return _softmax_cross_entropy(parts, T), _softmax_output_delta(parts, T)


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


def _automatic_parts(n_samples: int, layer_sizes: Sequence[int]) -> int:
    """As many parts as BLAS has threads and the work allows (1 if BLAS has one thread:
    the caller, or whoever limited BLAS, has said this process gets one core)."""
    entries = n_samples * sum(layer_sizes[1:])
    n_parts = min(n_samples, entries // _MIN_ENTRIES_PER_PART)
    if n_parts >= 2:  # only then is BLAS asked, which takes microseconds
        n_parts = min(n_parts, _THREADS.blas_threads())
    return max(1, n_parts)


def _parts(n_samples: int, layer_sizes: Sequence[int], n_parts: int) -> list[_Part]:
    """The batch cut into ``n_parts`` consecutive parts of (nearly) equal sizes."""
    bounds = [n_samples * k // n_parts for k in range(n_parts + 1)]
    rows = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    memory = _Memory(sum(_Part.entries(part.stop - part.start, layer_sizes) for part in rows))
    return [_Part(part, layer_sizes, memory) for part in rows]


class _Threads:
    """The process's pool of threads for the parts, and its BLAS libraries.

    One instance, ``_THREADS``, serves every call. Nothing is made at import:
    the BLAS libraries are looked up on first use, and the pool is made on the
    first parallel call, which also registers the hook that gives a forked
    child a pool of its own (the parent's pool threads do not exist there).
    """

    def __init__(self) -> None:
        self._controller: ThreadpoolController | None = None  # looking up costs milliseconds
        self._pool: ThreadPoolExecutor | None = None
        # One parallel evaluation at a time: it sets BLAS's thread count for the whole process.
        self._lock = threading.Lock()
        self._fork_hook_registered = False

    def blas(self) -> ThreadpoolController:
        """The process's BLAS libraries (numpy's, scipy's), to read and limit their threads."""
        if self._controller is None:
            self._controller = ThreadpoolController().select(user_api="blas")
        return self._controller

    def blas_threads(self) -> int:
        """How many threads BLAS may use now (1 if no BLAS library is found)."""
        return max((lib.num_threads for lib in self.blas().lib_controllers), default=1)

    def forget(self) -> None:
        """In a forked child: the parent's pool threads and lock holders do not exist there."""
        self._pool, self._lock = None, threading.Lock()

    def _new_pool(self) -> ThreadPoolExecutor:
        """The pool, made on the first parallel call; a forked child will make its own."""
        if not self._fork_hook_registered:  # once (a forked child inherits the hook)
            os.register_at_fork(after_in_child=self.forget)
            self._fork_hook_registered = True
        return ThreadPoolExecutor(thread_name_prefix="manual_backprop")

    @contextmanager
    def parallel(self) -> Iterator[ThreadPoolExecutor | None]:
        """The pool, with BLAS on one thread meanwhile; None if BLAS has been limited to
        one thread since the parts were cut, or if another call holds the pool."""
        lock = self._lock
        if self.blas_threads() < 2 or not lock.acquire(blocking=False):
            yield None
            return
        try:
            if self._pool is None:
                self._pool = self._new_pool()
            with self.blas().limit(limits=1):
                yield self._pool
        finally:
            lock.release()


_THREADS = _Threads()


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
    with _THREADS.parallel() as pool:
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
    """:func:`_backprop_into` of the batch cut into ``parts``; fills ``grad``, returns ``J``."""
    sizes = [X.shape[1]] + [W_l.shape[1] for W_l, _ in params]
    if len(parts) == 1:
        grads = _unpack(grad, sizes)
        return _backprop_into(params, X, T, lam, activation, grads, parts[0].buffers)

    def data_term(part: _Part) -> float:
        """The part's mean loss without the penalty; its gradient goes to ``part.grad``."""
        rows, grads = part.rows, _unpack(part.grad, sizes)
        return _backprop_into(params, X[rows], T[rows], 0.0, activation, grads, part.buffers)

    J = _penalised_mean(data_term, parts, params, lam)
    shares = _shares(parts)
    # An overflow here leaves inf or NaN in the gradient, which the caller rejects
    # with a message (check_finite_result); numpy's warning would only repeat it.
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(parts[0].grad, shares[0], out=grad)
        for part, share in zip(parts[1:], shares[1:], strict=True):
            grad += share * part.grad
        for (W_l, _), (dW_l, _) in zip(params, _unpack(grad, sizes), strict=True):
            dW_l += l2_penalty_grad(W_l, lam)
    return J


def _loss_in_parts(
    params: Params, X: Array, T: Array, lam: float, activation: str, parts: list[_Part]
) -> float:
    """:func:`_loss_into` of the batch cut into ``parts`` as :func:`_backprop_in_parts` cuts it."""
    if len(parts) == 1:
        return _loss_into(params, X, T, lam, activation, parts[0].buffers)

    def data_term(part: _Part) -> float:
        rows = part.rows
        return _loss_into(params, X[rows], T[rows], 0.0, activation, part.buffers)

    return _penalised_mean(data_term, parts, params, lam)


# ---------------------------------------------------------------- the public face


def _check_parts(parts: Any, n_samples: int) -> int | None:
    """Return ``parts`` if it is None or a number of parts from 1 to ``n_samples``."""
    if parts is None:
        return None
    if isinstance(parts, bool | np.bool_) or not isinstance(parts, Integral):
        raise TypeError(f"parts: expected None or an integer, got {type(parts).__name__}")
    count = int(parts)
    if not 1 <= count <= n_samples:
        raise ValueError(
            f"parts: expected None or an integer from 1 to {n_samples} (the number of "
            f"samples), got {count}"
        )
    return count


class Objective:
    r"""``W -> (J(W), dJ/dW)`` for fixed data: the ``fun`` of ``minimize(fun, W0, jac=True)``.

    Exercise 1.e's ``fun(W)``, prepared once and made fast. ``X``, ``T``,
    ``layer_sizes``, ``lam`` and ``activation`` are checked when it is made;
    each call checks only ``W`` (its length and finiteness), nothing
    proportional to the data. The working arrays of the forward and backward
    passes are allocated once and reused by every call, so one Objective must
    not be called from two threads at once. Every call returns a new gradient
    array, equal to :func:`manual_backprop.loss_and_grad`'s up to the order of
    its sums (``property_tests/test_engine.py``).

    Parameters
    ----------
    X, T, layer_sizes, lam, activation
        As in :func:`manual_backprop.loss`. ``X`` and ``T`` are copied, so
        changing the caller's arrays later changes nothing here.
    parts : int or None, default None
        Into how many consecutive parts of rows the batch is cut, from 1 to N.
        None chooses: one part, unless the batch is large (``N * (n_1 + ... +
        n_L)`` at least 2 x 131072 pre-activations), when it is cut into as
        many parts as BLAS has threads. The parts, not the threads, fix the
        numbers: the loss and gradient are the parts' means weighted by their
        sizes.

    Attributes
    ----------
    parts : int
        The number of parts.

    Notes
    -----
    With two parts or more, each part is backpropagated in a thread of its
    own with BLAS set to one thread for the length of the call (the setting
    is the process's: BLAS work in other threads meanwhile runs on one thread
    too). Where BLAS has been limited to one thread
    (``threadpoolctl.threadpool_limits(1)``, ``OPENBLAS_NUM_THREADS=1``), or
    another call is using the threads, the parts run one after the other, and
    give the same bits.

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
    manual_backprop.loss_and_grad : the reference, every argument checked on every call.
    """

    def __init__(
        self,
        X: Array,
        T: Array,
        layer_sizes: Sequence[int],
        lam: float = 0.0,
        activation: str = "sigmoid",
        *,
        parts: int | None = None,
    ) -> None:
        self.layer_sizes = check_layer_sizes(layer_sizes)
        self.activation = check_activation(activation, tuple(ACTIVATIONS))
        self.lam = check_lam(lam)
        self.X = check_inputs(X, self.layer_sizes[0]).copy()
        self.T = check_targets(T, len(self.X), self.layer_sizes[-1]).copy()
        self.n_params = n_params(self.layer_sizes)
        n_parts = _check_parts(parts, len(self.X))
        if n_parts is None:
            n_parts = _automatic_parts(len(self.X), self.layer_sizes)
        self._parts = _parts(len(self.X), self.layer_sizes, n_parts)
        self.parts = n_parts

    def __call__(self, W: Array) -> tuple[float, Array]:
        """``(J(W), dJ/dW)``, as :func:`manual_backprop.loss_and_grad`."""
        params = _unpack(check_weights(W, self.n_params), self.layer_sizes)
        grad = np.empty(self.n_params)
        J = _backprop_in_parts(params, self.X, self.T, self.lam, self.activation, grad, self._parts)
        check_finite_result(J, grad)
        return J, grad

    def loss(self, W: Array) -> float:
        """``J(W)`` alone, as :func:`manual_backprop.loss`; the same bits as ``self(W)[0]``."""
        params = _unpack(check_weights(W, self.n_params), self.layer_sizes)
        J = _loss_in_parts(params, self.X, self.T, self.lam, self.activation, self._parts)
        check_finite_result(J)
        return J
