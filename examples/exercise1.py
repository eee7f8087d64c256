"""Exercise 1 end to end: train a 2-4-1 sigmoid network on the binary data set.

Trains with ``scipy.optimize.minimize(jac=True)`` on the hand-written
``loss_and_grad``, then checks that gradient against the JAX twin and against
the per-sample algorithm, at the initial and the final weights.

    python examples/exercise1.py
"""

import numpy as np

import jax_reference as jr
import manual_backprop as mb

LAYER_SIZES = [2, 4, 1]
LAM = 1e-4


def largest_relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Normwise relative difference ``max|a - b| / max|b|``."""
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main() -> None:
    X, t = mb.load_binary_dataset()
    result = mb.train(X, t, LAYER_SIZES, lam=LAM, seed=0)
    accuracy = np.mean(mb.predict(result.W, X, LAYER_SIZES) == t)
    print(f"Exercise 1: layer sizes {LAYER_SIZES}, lam {LAM}, {len(X)} points")
    print(
        f"  loss {result.losses[0]:.4f} -> {result.losses[-1]:.4f} "
        f"in {result.result.nit} iterations; train accuracy {accuracy:.1%}"
    )
    W0 = mb.init_weights(LAYER_SIZES, seed=0)
    for label, W in (("initial", W0), ("final", result.W)):
        _, grad = mb.loss_and_grad(W, X, t, LAYER_SIZES, LAM)
        _, grad_jax = jr.loss_and_grad(W, X, t, LAYER_SIZES, LAM)
        _, grad_per_sample = mb.loss_and_grad_per_sample(W, X, t, LAYER_SIZES, LAM)
        print(
            f"  gradient at the {label} weights: vs jax.grad "
            f"{largest_relative_error(grad, grad_jax):.1e}, per-sample vs vectorised "
            f"{largest_relative_error(grad_per_sample, grad):.1e}"
        )


if __name__ == "__main__":
    main()
