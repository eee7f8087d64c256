"""Figures of the main job: the data, the decision regions, the loss per iteration.

Figures are built with ``matplotlib.figure.Figure`` directly, not through
``pyplot``: no global state, no window, no back end to choose; each is
written to a PNG. Colours come from ``cividis`` (monotonic in lightness, so it
survives greyscale printing) and every class also has its own marker shape.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

__all__ = ["plot_data", "plot_decision_regions", "plot_loss"]

Array = NDArray[np.float64]
MARKERS = ("o", "^", "s")
POINT_COLOURS = ("white", "black", "0.55")  # every class also has its own marker
CLASS_SHADES = (0.1, 0.55, 0.95)  # regions: positions in cividis, dark, middle, light


def _scatter_classes(ax: Axes, X: Array, labels: NDArray[np.intp], names: Sequence[str]) -> None:
    for c, name in enumerate(names):
        points = X[labels == c]
        ax.scatter(
            points[:, 0],
            points[:, 1],
            s=16,
            marker=MARKERS[c],
            color=POINT_COLOURS[c],
            edgecolors="black",
            linewidths=0.6,
            label=name,
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", framealpha=0.9)
    ax.set_aspect("equal")


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def plot_data(
    X: Array, labels: NDArray[np.intp], names: Sequence[str], title: str, path: Path
) -> Path:
    """Scatter plot of the data set, one marker and shade per class."""
    fig = Figure(figsize=(5.2, 4.8))
    ax = fig.subplots()
    _scatter_classes(ax, X, labels, names)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_decision_regions(
    X: Array,
    labels: NDArray[np.intp],
    names: Sequence[str],
    predict_proba: Callable[[Array], Array],
    title: str,
    path: Path,
) -> Path:
    """The network's decision regions with the data on top.

    Binary: the probability of class 2 as shading, with the 1/2 contour.
    Multiclass: each region in its class's shade, with the boundaries drawn.
    """
    margin = 0.5
    x1 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, 300)
    x2 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, 300)
    grid_1, grid_2 = np.meshgrid(x1, x2)
    P = predict_proba(np.column_stack([grid_1.ravel(), grid_2.ravel()]))
    fig = Figure(figsize=(5.8, 4.8))
    ax = fig.subplots()
    if P.ndim == 1:
        p = P.reshape(grid_1.shape)
        shading = ax.contourf(
            grid_1, grid_2, p, levels=np.linspace(0, 1, 11), cmap="cividis", alpha=0.75
        )
        ax.contour(grid_1, grid_2, p, levels=[0.5], colors="black", linewidths=1.5)
        fig.colorbar(shading, ax=ax, label="p, the probability of t = 1")
    else:
        region = P.argmax(axis=1).reshape(grid_1.shape)
        cmap = colormaps["cividis"]
        colours = [cmap(CLASS_SHADES[c]) for c in range(P.shape[1])]
        ax.contourf(
            grid_1,
            grid_2,
            region,
            levels=np.arange(P.shape[1] + 1) - 0.5,
            colors=colours,
            alpha=0.35,
        )
        ax.contour(
            grid_1,
            grid_2,
            region,
            levels=np.arange(P.shape[1]) + 0.5,
            colors="black",
            linewidths=1.2,
        )
    _scatter_classes(ax, X, labels, names)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_loss(losses: Sequence[float], title: str, path: Path) -> Path:
    """The loss after every iteration, on a log scale."""
    fig = Figure(figsize=(5.2, 3.8))
    ax = fig.subplots()
    ax.semilogy(np.arange(len(losses)), losses, color="black", linewidth=1.5)
    ax.set_xlabel("iteration")
    ax.set_ylabel("regularised cross-entropy J(W)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)
