r"""The network: forward pass, probabilities, and the objective with its gradient.

The gradient comes from ``jax.value_and_grad`` of the one pure function
:func:`_objective`; there is no backward pass written anywhere in this package.
Compare with ``manual_backprop.network``, which has the same private helpers under
the same names (``_forward``, ``_output_loss``, ``_objective``, ``_validated_logits``,
``_validated_arguments``) and writes the deltas by hand in ``_backprop``.

Every public function validates its inputs, runs in float64 inside the scoped
``jax.enable_x64(True)`` (JAX's global default, float32, is left alone) and calls a
function compiled by ``jax.jit`` with ``layer_sizes`` and ``activation`` as static
arguments, so each architecture is traced and compiled once per input shape and then
reused.

The keyword ``output`` chooses the output layer and its loss, as in ``manual_backprop``:
``"auto"`` (a sigmoid and the binary cross-entropy for one output unit, a softmax and the
categorical one for more) or ``"sigmoids"`` (Coursera ML ex4: every output unit a sigmoid
of its own, the sum of their binary cross-entropies). It is a static argument too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _checks
from ._x64 import in_float64
from .activations import ACTIVATIONS, sigmoid
from .layout import n_params, unpack
from .losses import (
    binary_cross_entropy,
    l2_penalty,
    sigmoids_cross_entropy,
    softmax_cross_entropy,
)

__all__ = ["forward", "loss", "loss_and_grad", "predict_proba"]


def _forward(
    params: list[tuple[jax.Array, jax.Array]], X: jax.Array, h: Callable[[jax.Array], jax.Array]
) -> tuple[list[jax.Array], list[jax.Array]]:
    r"""Forward pass, keeping every layer's pre-activations and activations (pure, traced).

    .. math::

        Z_0 = X, \qquad A_l = Z_{l-1} W_l + b_l, \qquad Z_l = h(A_l) \quad (l < L)

    Parameters
    ----------
    params : list of (jax.Array, jax.Array), length L
        ``(W_l, b_l)`` with shapes (n_{l-1}, n_l) and (n_l,).
    X : jax.Array, shape (N, n_0)
    h : callable
        The hidden activation, a value of ``ACTIVATIONS``.

    Returns
    -------
    A : list of jax.Array
        Pre-activations ``[A_1, ..., A_L]``, ``A_l`` of shape (N, n_l).
    Z : list of jax.Array
        Layer inputs ``[Z_0 = X, Z_1, ..., Z_{L-1}]``, ``Z_l`` of shape (N, n_l).
    """
    A: list[jax.Array] = []
    Z: list[jax.Array] = [X]  # Z_0
    for l, (W_l, b_l) in enumerate(params, start=1):
        A.append(Z[-1] @ W_l + b_l)  # A_l, shape (N, n_l)
        if l < len(params):  # hidden layers only: the loss takes the logits A_L
            Z.append(h(A[-1]))  # Z_l
    return A, Z


def _output_loss(A_L: jax.Array, T: jax.Array, output: str) -> jax.Array:
    """Data term of the loss: binary cross-entropy for one output, softmax's for more;
    the sum of the K units' binary cross-entropies for ``output="sigmoids"``."""
    if output == "sigmoids":
        return sigmoids_cross_entropy(A_L, T)
    if A_L.shape[1] == 1:
        return binary_cross_entropy(A_L[:, 0], T)
    return softmax_cross_entropy(A_L, T)


def _objective(
    W: jax.Array,
    X: jax.Array,
    T: jax.Array,
    layer_sizes: tuple[int, ...],
    lam: jax.Array,
    activation: str,
    output: str,
) -> jax.Array:
    r"""The objective :math:`J(W)`, the single function that ``jax.grad`` differentiates.

    .. math::

        J(W) = J_{\text{data}}(A_L, T) + \lambda \sum_{l=1}^{L} \lVert W_l \rVert_F^2

    with :math:`J_{\text{data}}` the binary cross-entropy of :math:`\sigma(A_L)` when
    :math:`n_L = 1` and the softmax cross-entropy of :math:`A_L` when :math:`n_L \ge 2`;
    with ``output="sigmoids"``, the sum over the units of the binary cross-entropies of
    :math:`\sigma(A_{L,:k})`.

    Parameters
    ----------
    W : jax.Array, shape (n_params,)
    X : jax.Array, shape (N, n_0)
    T : jax.Array, shape (N,) when n_L = 1, else (N, n_L) rows summing to 1;
        (N, n_L) entries in [0, 1] for ``output="sigmoids"``
    layer_sizes : tuple of int (static)
    lam : jax.Array, shape ()
    activation : str (static)
    output : str (static)

    Returns
    -------
    jax.Array, shape ()
    """
    params = unpack(W, layer_sizes)
    A, _ = _forward(params, X, ACTIVATIONS[activation])
    data_term = _output_loss(A[-1], T, output)
    penalty = l2_penalty([W_l for W_l, _ in params], lam)  # biases are not penalised
    return data_term + penalty


def _logits_of_flat(
    W: jax.Array, X: jax.Array, layer_sizes: tuple[int, ...], activation: str
) -> jax.Array:
    """The logits ``A_L`` of :func:`_forward`, from the flat vector ``W``."""
    A, _ = _forward(unpack(W, layer_sizes), X, ACTIVATIONS[activation])
    return A[-1]


# Each compiled XLA program keeps memory mappings of its own; the kernel's default limit
# (vm.max_map_count = 65530) ran out after about 1,400 distinct architectures in one
# process ("LLVM compilation error: Cannot allocate memory"). A sweep over random
# architectures would hit that, so at most this many programs are kept per function.
_MAX_COMPILED = 128


class _BoundedJit:
    """``jax.jit`` whose cache of compiled programs is emptied when it grows too large.

    Compiled once per (static arguments, input shapes), then reused; when a new
    signature would make more than ``_MAX_COMPILED``, the cache starts over.
    """

    def __init__(self, function: Callable[..., Any], static_argnums: tuple[int, ...]) -> None:
        self._jitted = jax.jit(function, static_argnums=static_argnums)
        self._static = static_argnums
        self._seen: set[tuple[object, ...]] = set()

    def __call__(self, *args: Any) -> Any:
        signature = tuple(
            arg if i in self._static else (jnp.shape(arg), jnp.result_type(arg))
            for i, arg in enumerate(args)
        )
        if signature not in self._seen:
            if len(self._seen) >= _MAX_COMPILED:
                self._jitted.clear_cache()  # type: ignore[attr-defined]  # not in the stub
                self._seen.clear()
            self._seen.add(signature)
        return self._jitted(*args)


# layer_sizes (a tuple), activation and output (str) are static arguments: part of the cache key.
_logits_jit = _BoundedJit(_logits_of_flat, static_argnums=(2, 3))
_loss_jit = _BoundedJit(_objective, static_argnums=(3, 5, 6))
_loss_and_grad_jit = _BoundedJit(jax.value_and_grad(_objective), static_argnums=(3, 5, 6))


def _validated_logits(W: object, X: object, layer_sizes: object, activation: object) -> jax.Array:
    """Validate, then run the compiled forward pass; refuse a non-finite result."""
    sizes = _checks.check_layer_sizes(layer_sizes)
    activation = _checks.check_activation(activation)
    W = _checks.check_weights(W, sizes, n_params(sizes))
    X = _checks.check_inputs(X, sizes[0])
    A_L: jax.Array = _logits_jit(
        jnp.asarray(W, dtype=jnp.float64), jnp.asarray(X, dtype=jnp.float64), sizes, activation
    )
    _checks.check_finite_result("output logit A_L", np.asarray(A_L))
    return A_L


@in_float64
def forward(
    W: ArrayLike, X: ArrayLike, layer_sizes: Sequence[int], activation: str = "sigmoid"
) -> NDArray[np.float64]:
    r"""Forward pass: the output logits :math:`A_L` for every sample.

    .. math::

        Z_0 = X, \qquad A_l = Z_{l-1} W_l + b_l, \qquad Z_l = h(A_l) \quad (l < L)

    Parameters
    ----------
    W : array_like, shape (n_params(layer_sizes),)
        The canonical flat parameter vector.
    X : array_like, shape (N, n_0)
        Inputs, one row per sample.
    layer_sizes : sequence of int
        :math:`[n_0, \dots, n_L]`.
    activation : {"sigmoid", "relu", "tanh"}
        The hidden activation :math:`h`.

    Returns
    -------
    A_L : numpy.ndarray, shape (N, n_L), float64
        The output pre-activations (logits), before the sigmoid or softmax.

    Raises
    ------
    TypeError, ValueError
        Invalid input, or logits that overflow float64.

    See Also
    --------
    manual_backprop.network.forward : the numpy twin.
    """
    return np.array(_validated_logits(W, X, layer_sizes, activation), dtype=np.float64)


@in_float64
def predict_proba(
    W: ArrayLike,
    X: ArrayLike,
    layer_sizes: Sequence[int],
    activation: str = "sigmoid",
    output: str = "auto",
) -> NDArray[np.float64]:
    r"""Output probabilities of the network.

    .. math::

        p_i = \sigma(a_{L,i}) \quad (n_L = 1), \qquad
        P_{ik} = \frac{e^{A_{L,ik}}}{\sum_j e^{A_{L,ij}}} \quad (n_L \ge 2),

    or :math:`P_{ik} = \sigma(A_{L,ik})` for ``output="sigmoids"``.

    Parameters
    ----------
    W : array_like, shape (n_params(layer_sizes),)
        The canonical flat parameter vector.
    X : array_like, shape (N, n_0)
        Inputs, one row per sample.
    layer_sizes : sequence of int
        :math:`[n_0, \dots, n_L]`.
    activation : {"sigmoid", "relu", "tanh"}
        The hidden activation :math:`h`.
    output : {"auto", "sigmoids"}, default "auto"
        As in :func:`loss`.

    Returns
    -------
    numpy.ndarray, float64
        Shape (N,) for a binary network (:math:`n_L = 1`, either ``output``): the
        probability of target 1. Shape (N, n_L) otherwise: one row of class
        probabilities per sample, or with ``output="sigmoids"`` each unit's own
        probability of its target being 1 (a row need not sum to 1).

    Raises
    ------
    TypeError, ValueError
        Invalid input, or logits that overflow float64.

    See Also
    --------
    manual_backprop.network.predict_proba : the numpy twin.
    """
    output = _checks.check_output(output)
    A_L = _validated_logits(W, X, layer_sizes, activation)
    if A_L.shape[1] == 1:  # binary: probability of target 1, shape (N,)
        return np.array(sigmoid(A_L[:, 0]), dtype=np.float64)
    if output == "sigmoids":  # K independent units, shape (N, K)
        return np.array(sigmoid(A_L), dtype=np.float64)
    # multiclass: one row of softmax probabilities per sample, shape (N, K)
    return np.array(jax.nn.softmax(A_L, axis=1), dtype=np.float64)


def _validated_arguments(
    W: object,
    X: object,
    T: object,
    layer_sizes: object,
    lam: object,
    activation: object,
    output: object,
) -> tuple[jax.Array, jax.Array, jax.Array, tuple[int, ...], jax.Array, str, str]:
    """Validate every argument of the objective and convert it to what ``_objective`` takes."""
    sizes = _checks.check_layer_sizes(layer_sizes)
    activation = _checks.check_activation(activation)
    output = _checks.check_output(output)
    lam_value = _checks.check_lam(lam)
    W = _checks.check_weights(W, sizes, n_params(sizes))
    X = _checks.check_inputs(X, sizes[0])
    if output == "sigmoids":
        T = _checks.check_sigmoid_targets(T, X.shape[0], sizes[-1])  # (N, n_L) always
    else:
        T = _checks.check_targets(T, X.shape[0], sizes[-1])
    return (
        jnp.asarray(W, dtype=jnp.float64),
        jnp.asarray(X, dtype=jnp.float64),
        jnp.asarray(T, dtype=jnp.float64),
        sizes,
        jnp.asarray(lam_value, dtype=jnp.float64),
        activation,
        output,
    )


@in_float64
def loss(
    W: ArrayLike,
    X: ArrayLike,
    T: ArrayLike,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
    output: str = "auto",
) -> float:
    r"""The regularised cross-entropy :math:`J(W)`.

    .. math::

        J(W) = -\frac{1}{N} \sum_{i} \bigl[t_i \log p_i + (1 - t_i) \log(1 - p_i)\bigr]
               + \lambda \sum_{l} \lVert W_l \rVert_F^2 \qquad (n_L = 1)

        J(W) = -\frac{1}{N} \sum_{i} \sum_{k} T_{ik} \log P_{ik}
               + \lambda \sum_{l} \lVert W_l \rVert_F^2 \qquad (n_L \ge 2)

    and, with ``output="sigmoids"`` (Coursera ML ex4), :math:`P_{ik} = \sigma(A_{ik})`:

    .. math::

        J(W) = -\frac{1}{N} \sum_{i} \sum_{k} \bigl[T_{ik} \log P_{ik}
               + (1 - T_{ik}) \log(1 - P_{ik})\bigr]
               + \lambda \sum_{l} \lVert W_l \rVert_F^2

    Parameters
    ----------
    W : array_like, shape (n_params(layer_sizes),)
        The canonical flat parameter vector.
    X : array_like, shape (N, n_0)
        Inputs, one row per sample, N >= 1.
    T : array_like
        Binary network: shape (N,) or (N, 1), values in [0, 1] (bool and int
        accepted). Multiclass network (:math:`n_L = K \ge 2`): shape (N, K) one-hot or
        probability rows, or shape (N,) integer labels in 0..K-1. With
        ``output="sigmoids"`` and K >= 2: shape (N, K), entries in [0, 1] (0/1 in ex4),
        any number of 1s per row; no labels.
    layer_sizes : sequence of int
        :math:`[n_0, \dots, n_L]`, ``L >= 1``.
    lam : float, default 0.0
        The penalty coefficient :math:`\lambda \ge 0`.
    activation : {"sigmoid", "relu", "tanh"}, default "sigmoid"
        The hidden activation :math:`h`.
    output : {"auto", "sigmoids"}, default "auto"
        The output layer and its loss: ``"auto"`` a sigmoid (:math:`n_L = 1`) or a
        softmax (:math:`n_L \ge 2`); ``"sigmoids"`` :math:`n_L` independent sigmoid
        units, the sum of their binary cross-entropies (``"auto"``'s for
        :math:`n_L = 1`).

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        Invalid input (the message names the argument), or a loss that overflows
        float64.

    See Also
    --------
    loss_and_grad : the loss with its gradient.
    manual_backprop.network.loss : the numpy twin.
    """
    arguments = _validated_arguments(W, X, T, layer_sizes, lam, activation, output)
    value = float(_loss_jit(*arguments))
    _checks.check_finite_result("loss", value)
    return value


@in_float64
def loss_and_grad(
    W: ArrayLike,
    X: ArrayLike,
    T: ArrayLike,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
    output: str = "auto",
) -> tuple[float, NDArray[np.float64]]:
    r"""The loss :math:`J(W)` and its gradient :math:`\nabla_W J`, by ``jax.value_and_grad``.

    Ready for ``scipy.optimize.minimize(..., jac=True)``. See :func:`loss` for the
    formula and the parameters; the gradient is taken with respect to ``W`` only.

    Returns
    -------
    loss : float
    grad : numpy.ndarray, shape (n_params(layer_sizes),), float64
        In the canonical layout of ``W``: blocks
        :math:`\partial J / \partial W_1, \partial J / \partial b_1, \dots`.

    Raises
    ------
    TypeError, ValueError
        Invalid input (the message names the argument), or a loss or gradient that
        overflows float64.

    See Also
    --------
    loss : the loss alone.
    manual_backprop.network.loss_and_grad : the numpy twin, with the backward pass by hand.
    """
    arguments = _validated_arguments(W, X, T, layer_sizes, lam, activation, output)
    value, grad = _loss_and_grad_jit(*arguments)
    value = float(value)
    grad = np.array(grad, dtype=np.float64)
    _checks.check_finite_result("loss or its gradient", value, grad)
    return value, grad
