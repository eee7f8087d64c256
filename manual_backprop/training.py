"""Training: hand ``fun(W) -> (loss, grad)`` to ``scipy.optimize.minimize(jac=True)``.

This is Exercise 1.e: ``jac=True`` tells ``minimize`` that the objective
returns the gradient together with the loss, so every call runs one forward
and one backward pass.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import OptimizeResult, minimize

from manual_backprop._checks import (
    check_activation,
    check_inputs,
    check_lam,
    check_layer_sizes,
    check_targets,
    check_weights,
)
from manual_backprop.activations import ACTIVATIONS
from manual_backprop.engine import Objective
from manual_backprop.layout import init_weights, n_params
from manual_backprop.network import loss_and_grad_per_sample

__all__ = ["GRADIENT_METHODS", "TrainResult", "train"]

Array = NDArray[np.float64]

#: The ``scipy.optimize.minimize`` methods that use a gradient and need no Hessian.
GRADIENT_METHODS = ("L-BFGS-B", "BFGS", "CG", "Newton-CG", "TNC", "SLSQP", "trust-constr")


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    W : ndarray, shape (n_params,)
        The trained parameters, canonical layout.
    losses : list of float
        The loss at the initial weights, then after every iteration.
    result : scipy.optimize.OptimizeResult
        ``minimize``'s own report (``nit``, ``nfev``, ``message``, ...).
    """

    W: Array
    losses: list[float] = field(repr=False)
    result: OptimizeResult = field(repr=False)


def train(
    X: Array,
    T: Array,
    layer_sizes: Sequence[int],
    lam: float = 0.0,
    activation: str = "sigmoid",
    *,
    W0: Array | None = None,
    seed: int | np.random.Generator = 0,
    method: str = "L-BFGS-B",
    gradient: Literal["vectorized", "per-sample"] = "vectorized",
    options: dict[str, Any] | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Minimise the regularised cross-entropy with ``scipy.optimize.minimize``.

    Parameters
    ----------
    X : ndarray, shape (N, n_0)
        Inputs.
    T : ndarray, shape (N,), (N, 1) or (N, K)
        Targets, as :func:`manual_backprop.loss` accepts them.
    layer_sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    lam : float, default 0
        L2 penalty strength on the weights.
    activation : {"sigmoid", "relu", "tanh"}, default "sigmoid"
        Hidden-layer activation.
    W0 : ndarray, shape (n_params,), optional
        Starting point; by default :func:`manual_backprop.init_weights` with ``seed``.
    seed : int or numpy.random.Generator, default 0
        Seed of the initialisation when ``W0`` is not given.
    method : str, default "L-BFGS-B"
        One of :data:`GRADIENT_METHODS`.
    gradient : {"vectorized", "per-sample"}, default "vectorized"
        Which backpropagation computes the gradient: the whole batch at once
        (:class:`manual_backprop.Objective`, the engine that computes
        :func:`manual_backprop.loss_and_grad`'s numbers fast) or the exercise's
        per-sample algorithm, :func:`manual_backprop.loss_and_grad_per_sample`.
    options : dict, optional
        Passed to ``minimize`` as ``options`` (e.g. ``{"maxiter": 500}``).
    progress : callable, optional
        Called as ``progress(iteration, loss)`` after every iteration.

    Returns
    -------
    TrainResult
    """
    sizes = check_layer_sizes(layer_sizes)
    activation = check_activation(activation, tuple(ACTIVATIONS))
    lam = check_lam(lam)
    X = check_inputs(X, sizes[0])
    T = check_targets(T, X.shape[0], sizes[-1])
    if not isinstance(method, str) or method not in GRADIENT_METHODS:
        raise ValueError(
            f"method: expected one of {', '.join(GRADIENT_METHODS)} (minimize methods that "
            f"use the gradient), got {method!r}"
        )
    if gradient not in ("vectorized", "per-sample"):
        raise ValueError(f"gradient: expected 'vectorized' or 'per-sample', got {gradient!r}")
    if W0 is None:
        start = init_weights(sizes, seed)
    else:
        start = check_weights(W0, n_params(sizes)).copy()  # minimize must not touch the caller's
    fun: Callable[[Array], tuple[float, Array]]
    if gradient == "vectorized":
        # Data checked once; each call checks W only and reuses its working arrays.
        fun = Objective(X, T, sizes, lam, activation)
    else:

        def fun(W: Array) -> tuple[float, Array]:
            return loss_and_grad_per_sample(W, X, T, sizes, lam, activation)

    # The loss after each iteration is the one fun() computed last at that point;
    # remembering it saves a second forward pass per iteration.
    last: dict[str, Any] = {}

    def fun_remembering(W: Array) -> tuple[float, Array]:
        J, g = fun(W)
        last["W"], last["J"] = W.copy(), J
        return J, g

    losses = [fun(start)[0]]

    def record(W: Array, *_: Any) -> None:
        seen = "W" in last and np.array_equal(last["W"], W)
        losses.append(last["J"] if seen else fun(W)[0])
        if progress is not None:
            progress(len(losses) - 1, losses[-1])

    options = dict(options or {})
    result = minimize(
        fun_remembering, start, jac=True, method=method, callback=record, options=options
    )
    return TrainResult(W=np.asarray(result.x, dtype=np.float64), losses=losses, result=result)
