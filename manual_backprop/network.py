r"""The network: forward pass, loss, and its gradient by backpropagation, twice.

This is the reference a student reads beside ``jax_reference/network.py``:
the two files have the same private helpers under the same names, and
:func:`_backprop` here is the backward code that ``jax.value_and_grad`` writes
for the twin. :func:`loss_and_grad` backpropagates the whole batch at once,
written exactly as ``docs/STUDY.md`` gives the formulas;
:func:`loss_and_grad_per_sample` is the exercise's literal algorithm (Exercise
2a, after Bishop, *Pattern Recognition and Machine Learning*, section 5.3.1),
one sample at a time. They compute the same numbers up to the order of their
sums. Speed lives elsewhere: :class:`manual_backprop.Objective`
(``manual_backprop/engine.py``) computes the same numbers fast, and a property
test proves it equal to :func:`loss_and_grad`.

Model, for ``layer_sizes = [n_0, ..., n_L]`` (see the package docstring for
the notation)::

    Z_0 = X
    A_l = Z_{l-1} @ W_l + b_l              l = 1 .. L
    Z_l = h(A_l)                           l = 1 .. L-1  (hidden layers)
    output: sigmoid(A_L) if n_L == 1, else softmax(A_L) row by row
            (output="auto"); with output="sigmoids", sigmoid(A_L) entry by entry

    J(W) = cross-entropy(A_L, T) + lam * sum_l ||W_l||_F^2

The keyword ``output`` chooses the output layer and its loss. ``"auto"`` (the
default) is SPEC section 1's: one sigmoid unit with the binary cross-entropy, or K >= 2
softmax units with the categorical one. ``"sigmoids"`` is Coursera ML ex4's: K
independent sigmoid units with the sum of their K binary cross-entropies
(:func:`manual_backprop.losses.sigmoids_cross_entropy`), whose targets are any (N, K)
matrix of 0/1 (or [0, 1]) entries; for K = 1 it is the binary case of ``"auto"``.

See Also
--------
jax_reference.network : the same forward pass and loss; its gradient comes
    from ``jax.value_and_grad`` and it has no backward code.
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import softmax

from manual_backprop._checks import (
    check_activation,
    check_choice,
    check_finite_result,
    check_inputs,
    check_lam,
    check_layer_sizes,
    check_sigmoid_targets,
    check_targets,
    check_weights,
)
from manual_backprop.activations import ACTIVATIONS, DERIVATIVES, sigmoid
from manual_backprop.layout import _n_params, _unpack, pack
from manual_backprop.losses import (
    binary_cross_entropy,
    binary_output_delta,
    l2_penalty,
    l2_penalty_grad,
    sigmoids_cross_entropy,
    sigmoids_output_delta,
    softmax_cross_entropy,
    softmax_output_delta,
)

__all__ = [
    "forward",
    "loss",
    "loss_and_grad",
    "loss_and_grad_per_sample",
    "predict",
    "predict_proba",
]

Array = NDArray[np.float64]
Params = list[tuple[Array, Array]]

# The values of the keyword ``output``: SPEC's output chosen by n_L, or ex4's K sigmoids.
_OUTPUTS = ("auto", "sigmoids")


def _forward(params: Params, X: Array, h: Callable[..., Array]) -> tuple[list[Array], list[Array]]:
    r"""Forward pass, keeping every layer's pre-activations and activations.

    .. math::

        Z_0 = X, \qquad A_l = Z_{l-1} W_l + b_l, \qquad Z_l = h(A_l) \quad (l < L)

    Parameters
    ----------
    params : list of (ndarray, ndarray), length L
        ``(W_l, b_l)`` with shapes (n_{l-1}, n_l) and (n_l,).
    X : ndarray, shape (N, n_0)
    h : callable
        The hidden activation, a value of ``ACTIVATIONS``.

    Returns
    -------
    A : list of ndarray
        Pre-activations ``[A_1, ..., A_L]``, ``A_l`` of shape (N, n_l).
    Z : list of ndarray
        Layer inputs ``[Z_0 = X, Z_1, ..., Z_{L-1}]``, ``Z_l`` of shape (N, n_l).
        Every ``A_l`` and ``Z_l`` is a new array.
    """
    A: list[Array] = []
    Z: list[Array] = [X]  # Z_0
    for l, (W_l, b_l) in enumerate(params, start=1):
        A.append(Z[-1] @ W_l + b_l)  # A_l, shape (N, n_l)
        if l < len(params):  # hidden layers only: the loss takes the logits A_L
            Z.append(h(A[-1]))  # Z_l
    return A, Z


def _output_loss(A_L: Array, T: Array, output: str) -> float:
    """Data term of the loss: binary cross-entropy for one output, softmax's for more;
    the sum of the K units' binary cross-entropies for ``output="sigmoids"``."""
    if output == "sigmoids":
        return sigmoids_cross_entropy(A_L, T)
    if A_L.shape[1] == 1:
        return binary_cross_entropy(A_L, T)
    return softmax_cross_entropy(A_L, T)


def _objective(
    params: Params, X: Array, T: Array, lam: float, activation: str, output: str
) -> float:
    r"""The objective :math:`J(W)`: the data term of the output plus the penalty.

    .. math::

        J(W) = J_{\text{data}}(A_L, T) + \lambda \sum_{l=1}^{L} \lVert W_l \rVert_F^2
    """
    A, _ = _forward(params, X, ACTIVATIONS[activation])
    data_term = _output_loss(A[-1], T, output)
    penalty = l2_penalty([W_l for W_l, _ in params], lam)  # biases are not penalised
    return data_term + penalty


def _output_delta(A_L: Array, T: Array, output: str) -> Array:
    """``delta_L = dJ/dA_L`` of the data term: ``(p - t) / N`` or ``(P - T) / N``, with
    ``P = sigma(A_L)`` entry by entry for ``output="sigmoids"`` (the same canonical link)."""
    if output == "sigmoids":
        return sigmoids_output_delta(A_L, T)
    if A_L.shape[1] == 1:
        return binary_output_delta(A_L, T)
    return softmax_output_delta(A_L, T)


def _backprop(
    params: Params, X: Array, T: Array, lam: float, activation: str, output: str
) -> tuple[float, Params]:
    r"""Forward pass, loss and backward pass: ``J`` and ``[(dJ/dW_l, dJ/db_l)]``.

    The backward code that ``jax.value_and_grad(_objective)`` stands for in
    the twin; line for line the formulas of ``docs/STUDY.md``:

    .. math::

        \delta_L = (P - T) / N, \qquad
        \delta_{l-1} = h'(A_{l-1}) \odot (\delta_l W_l^\top),

        \frac{\partial J}{\partial W_l} = Z_{l-1}^\top \delta_l + 2\lambda W_l,
        \qquad \frac{\partial J}{\partial b_l} = \sum_i (\delta_l)_{i,:}
    """
    h, h_prime = ACTIVATIONS[activation], DERIVATIVES[activation]
    # Forward pass, keeping every A_l and Z_l (lists from 0: A_l is A[l - 1], Z_l is Z[l]).
    A, Z = _forward(params, X, h)
    J = _output_loss(A[-1], T, output) + l2_penalty([W_l for W_l, _ in params], lam)
    # delta_L = (P - T) / N
    delta = _output_delta(A[-1], T, output)
    grads: Params = []
    # Backward pass, from the output layer down to the first.
    for l in range(len(params), 0, -1):
        W_l, _ = params[l - 1]
        dW_l = Z[l - 1].T @ delta + l2_penalty_grad(W_l, lam)  # Z_{l-1}.T @ delta_l + 2 lam W_l
        db_l = delta.sum(axis=0)  # delta_l.sum(axis=0)
        grads.insert(0, (dW_l, db_l))
        if l > 1:  # delta_{l-1} = h'(A_{l-1}) * (delta_l @ W_l.T); the inputs X need none
            delta = h_prime(A[l - 2]) * (delta @ W_l.T)
    return J, grads


def _validated_logits(W: Any, X: Any, layer_sizes: Any, activation: Any) -> Array:
    """Validate, then run the forward pass; refuse a non-finite result."""
    sizes = check_layer_sizes(layer_sizes)
    activation = check_activation(activation, tuple(ACTIVATIONS))
    W = check_weights(W, _n_params(sizes))
    X = check_inputs(X, sizes[0])
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        A, _ = _forward(_unpack(W, sizes), X, ACTIVATIONS[activation])
    if not np.all(np.isfinite(A[-1])):
        check_finite_result(np.inf)
    return A[-1]


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
    return _validated_logits(W, X, layer_sizes, activation)


def predict_proba(
    W: Array,
    X: Array,
    layer_sizes: Sequence[int],
    activation: str = "sigmoid",
    output: str = "auto",
) -> Array:
    """Output probabilities of the network.

    Parameters
    ----------
    W, X, layer_sizes, activation
        As in :func:`forward`.
    output : {"auto", "sigmoids"}, default "auto"
        As in :func:`loss`.

    Returns
    -------
    ndarray, shape (N,) or (N, K)
        Binary output (``n_L == 1``, either ``output``): ``p_i``, the probability of
        target 1. Multiclass (``"auto"``): ``P_ik``, the softmax of the logits, rows
        summing to 1. ``"sigmoids"`` with K >= 2: ``P_ik = sigma(A_ik)``, each unit's
        own probability of its target being 1; a row need not sum to 1.

    See Also
    --------
    jax_reference.predict_proba
    """
    output = _check_output(output)
    A_L = _validated_logits(W, X, layer_sizes, activation)
    if A_L.shape[1] == 1:  # binary: probability of target 1, shape (N,)
        return sigmoid(A_L[:, 0])
    if output == "sigmoids":  # K independent units: sigma(A_ik), shape (N, K)
        return sigmoid(A_L)
    # multiclass: one row of softmax probabilities per sample, shape (N, K); logits
    # more than ~1.8e308 apart overflow the shift, and the rows are right all the same
    with np.errstate(over="ignore"):
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
        Multiclass: the index of the largest logit. That is also Coursera ex4's
        prediction for K independent sigmoid outputs (``output="sigmoids"`` elsewhere),
        the unit of largest ``sigma(a_ik)``: the sigmoid is increasing, so ``predict``
        needs no ``output``.
    """
    A_L = _validated_logits(W, X, layer_sizes, activation)
    if A_L.shape[1] == 1:
        return (A_L[:, 0] >= 0.0).astype(np.intp)
    return np.argmax(A_L, axis=1)


def _check_output(output: Any) -> str:
    """Return ``output`` if it is one of ``"auto"``, ``"sigmoids"``."""
    return check_choice(output, _OUTPUTS, "output")


def _validated_arguments(
    W: Any, X: Any, T: Any, layer_sizes: Any, lam: Any, activation: Any, output: Any
) -> tuple[tuple[int, ...], Params, Array, Array, float, str, str]:
    """Validate every argument of the objective; ``T`` comes back as an (N, n_L) matrix."""
    lam = check_lam(lam)
    sizes = check_layer_sizes(layer_sizes)
    activation = check_activation(activation, tuple(ACTIVATIONS))
    output = _check_output(output)
    W = check_weights(W, _n_params(sizes))
    X = check_inputs(X, sizes[0])
    if output == "sigmoids":
        T = check_sigmoid_targets(T, X.shape[0], sizes[-1])
    else:
        T = check_targets(T, X.shape[0], sizes[-1])
    return sizes, _unpack(W, sizes), X, T, lam, activation, output


def loss(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
    output: str = "auto",
) -> float:
    r"""Regularised cross-entropy of the network.

    .. math::

        J(W) = -\frac{1}{N}\sum_{i}\bigl[t_i\log p_i + (1-t_i)\log(1-p_i)\bigr]
               + \lambda\sum_l\lVert W_l\rVert_F^2                 \quad (n_L = 1)

        J(W) = -\frac{1}{N}\sum_{i}\sum_k T_{ik}\log P_{ik}
               + \lambda\sum_l\lVert W_l\rVert_F^2                 \quad (n_L \ge 2)

    and, with ``output="sigmoids"`` (Coursera ML ex4), :math:`P_{ik} = \sigma(A_{ik})`
    for every unit on its own:

    .. math::

        J(W) = -\frac{1}{N}\sum_{i}\sum_k\bigl[T_{ik}\log P_{ik}
               + (1-T_{ik})\log(1-P_{ik})\bigr] + \lambda\sum_l\lVert W_l\rVert_F^2

    Parameters
    ----------
    W : ndarray, shape (n_params,)
        Flat parameters in the canonical layout.
    X : ndarray, shape (N, n_0)
        Inputs, one sample per row.
    T : ndarray, shape (N,), (N, 1) or (N, K)
        Binary: targets in [0, 1]. Multiclass: one-hot rows, or integer labels
        in ``0 .. K-1``. ``output="sigmoids"`` with K >= 2: shape (N, K), entries in
        [0, 1] (0/1 in ex4), any number of 1s per row; no integer labels.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    lam : float, default 0
        Strength of the L2 penalty on the weights (never the biases).
    activation : {"sigmoid", "relu", "tanh"}, default "sigmoid"
        Hidden-layer activation ``h``.
    output : {"auto", "sigmoids"}, default "auto"
        The output layer and its loss. ``"auto"``: a sigmoid and the binary
        cross-entropy for ``n_L == 1``, a softmax and the categorical cross-entropy
        for ``n_L >= 2``. ``"sigmoids"``: ``n_L`` independent sigmoid units and the sum
        of their binary cross-entropies (the same as ``"auto"`` for ``n_L == 1``).

    Returns
    -------
    float

    See Also
    --------
    jax_reference.loss
    """
    _, params, X, T, lam, activation, output = _validated_arguments(
        W, X, T, layer_sizes, lam, activation, output
    )
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        J = _objective(params, X, T, lam, activation, output)
    check_finite_result(J)
    return J


def loss_and_grad(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
    output: str = "auto",
) -> tuple[float, Array]:
    r"""Loss and its gradient by backpropagation, the whole batch at once.

    With ``delta_l = dJ/dA_l`` (shape (N, n_l)) for the data term:

    .. math::

        \delta_L = (P - T) / N

        \delta_{l-1} = h'(A_{l-1}) \odot (\delta_l W_l^\top)

        \frac{\partial J}{\partial W_l} = Z_{l-1}^\top \delta_l + 2\lambda W_l,
        \qquad \frac{\partial J}{\partial b_l} = \sum_i (\delta_l)_{i,:}

    where ``P`` is the sigmoid, the softmax, or (``output="sigmoids"``) the sigmoid
    of every logit: each output paired with its own loss, ``delta_L`` has the same form.

    Parameters
    ----------
    W, X, T, layer_sizes, lam, activation, output
        As in :func:`loss`.

    Returns
    -------
    loss : float
        ``J(W)``, as :func:`loss` computes it.
    grad : ndarray, shape (n_params,)
        ``dJ/dW`` in the same canonical layout as ``W``; a new array.

    Notes
    -----
    The reference: plain array operations, new arrays on every call. An
    optimiser calling it again and again on the same data should be handed
    :class:`manual_backprop.Objective`, which computes the same numbers fast.

    See Also
    --------
    loss_and_grad_per_sample : the same numbers, one sample at a time.
    manual_backprop.Objective : the same numbers, fast, for fixed data.
    jax_reference.loss_and_grad : the same numbers from ``jax.value_and_grad``.
    """
    _, params, X, T, lam, activation, output = _validated_arguments(
        W, X, T, layer_sizes, lam, activation, output
    )
    # The plain vectorised backpropagation for every output: loss_and_grad never routes
    # to the engine (manual_backprop.Objective), which knows only output="auto".
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
        J, grads = _backprop(params, X, T, lam, activation, output)
    grad = pack(grads)  # the canonical layout of W
    check_finite_result(J, grad)
    return J, grad


def loss_and_grad_per_sample(
    W: Array,
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
    output: str = "auto",
) -> tuple[float, Array]:
    r"""Loss and gradient by the exercise's backpropagation, one sample at a time.

    The steps of Exercise 2a (Bishop, PRML, section 5.3.1), for each sample
    ``x_n`` in turn, in the exercise's notation (``w_kj`` is the weight from
    unit ``j`` to unit ``k``, i.e. ``W_l[j, k]`` here):

    1. Forward propagate ``x_n``: every unit's input ``a_j`` and output
       ``z_j = h(a_j)``.
    2. Evaluate the output deltas :math:`\delta_k = y_k(x_n) - t_{nk}` (the same
       form for each output and its own loss: sigmoid, softmax, or K sigmoids).
    3. Backpropagate: :math:`\delta_j = h'(a_j) \sum_k w_{kj} \delta_k`.
    4. Derivatives of this sample's loss:
       :math:`\partial E_n / \partial w_{ji} = \delta_j z_i` (and
       :math:`\partial E_n / \partial b_j = \delta_j`).

    The per-sample derivatives are summed and divided by ``N`` (the loss is a
    mean); then the penalty's gradient ``2 lam W_l``, which backpropagation
    does not see, is added.

    Parameters
    ----------
    W, X, T, layer_sizes, lam, activation, output
        As in :func:`loss`.

    Returns
    -------
    loss : float
    grad : ndarray, shape (n_params,)

    See Also
    --------
    loss_and_grad : the same numbers, the whole batch at once.
    """
    sizes, params, X, T, lam, activation, output = _validated_arguments(
        W, X, T, layer_sizes, lam, activation, output
    )
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
            data_loss += _output_loss(y_logits, t_row, output)

            # Step 2: output deltas y_k(x_n) - t_nk (a batch of one: no 1/N here).
            delta: list[Array] = [np.empty(0)] * n_layers
            delta[-1] = _output_delta(y_logits, t_row, output)[0]

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
    check_finite_result(J, grad)
    return J, grad
