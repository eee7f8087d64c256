"""Generate the five 2-D point sets used by the week-6 backpropagation exercise.

The course's original ``.mat`` files are not public, so this script builds
deterministic stand-ins.  Each file holds a single ``(n_points, 2)`` float64
array (one point per row, columns are the x and y coordinates) stored under a
key equal to the file stem, e.g. ``pointsClass1Week6.mat`` ->
``pointsClass1Week6``.

Binary exercise (class 1 -> target 0, class 2 -> target 1), 200 points each:
an XOR layout of four Gaussian blobs (sd 0.3) centred on (+-1, +-1).  Class 1
occupies the (+1, +1) and (-1, -1) blobs, class 2 the other diagonal.  Any
straight line leaves at least one blob of each class on the same side, so a
linear classifier is stuck near chance (about 50 %), while a network with a
handful of sigmoid hidden units can carve out the two diagonal bands.

Three-class exercise (classes 1, 2, 3 -> labels 0, 1, 2), 120 points each:
class 1 is a central disk of radius 1; classes 2 and 3 are the upper and lower
halves of a ring with radii 1.4 to 2.0 (with a small angular gap at the split
line).  A linear softmax can only give each class a convex, polygonal region;
the best it can do is a horizontal band for the disk, which swallows the ends
of both ring halves.  The disk/ring boundary is a circle, so a hidden layer
is needed for curved decision boundaries.

Every file is drawn from its own ``numpy.random.default_rng`` seeded with a
fixed integer (see ``SEEDS``), so regenerating gives bit-identical arrays.
Only the ``.mat`` header (which carries a timestamp) changes between runs.

Usage: ``python data/make_data.py [--out DIR]`` (default: this folder).
"""

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.io
from numpy.typing import NDArray

Points = NDArray[np.float64]

# One fixed seed per output file; the file stem is also the .mat key.
SEEDS = {
    "pointsClass1Week6": 61001,
    "pointsClass2Week6": 61002,
    "xWeek6Ex3PointsClass1": 63001,
    "xWeek6Ex3PointsClass2": 63002,
    "xWeek6Ex3PointsClass3": 63003,
}

N_PER_BLOB = 100  # binary: two blobs per class -> 200 points per class
BLOB_SD = 0.3
N_PER_CLASS_3 = 120  # three-class exercise: points per class
DISK_RADIUS = 1.0
RING_RADII = (1.4, 2.0)
ANGLE_GAP = 0.05  # radians left empty on each side of the ring's split line


def _blobs(rng: np.random.Generator, centres: Sequence[tuple[float, float]]) -> Points:
    """Isotropic Gaussian blobs, ``N_PER_BLOB`` points around each centre."""
    parts = [np.asarray(c) + BLOB_SD * rng.standard_normal((N_PER_BLOB, 2)) for c in centres]
    return np.vstack(parts)


def _polar(
    rng: np.random.Generator, r_min: float, r_max: float, angle_min: float, angle_max: float
) -> Points:
    """Points uniform by area in an annular sector (``r_min = 0`` gives a disk)."""
    u = rng.uniform(r_min**2, r_max**2, N_PER_CLASS_3)
    angle = rng.uniform(angle_min, angle_max, N_PER_CLASS_3)
    r = np.sqrt(u)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def _recipes() -> dict[str, Callable[[np.random.Generator], Points]]:
    """Map each key to a function of its generator producing the points."""
    lo, hi = RING_RADII
    g = ANGLE_GAP
    return {
        "pointsClass1Week6": lambda rng: _blobs(rng, [(1.0, 1.0), (-1.0, -1.0)]),
        "pointsClass2Week6": lambda rng: _blobs(rng, [(1.0, -1.0), (-1.0, 1.0)]),
        "xWeek6Ex3PointsClass1": lambda rng: _polar(rng, 0.0, DISK_RADIUS, 0.0, 2 * np.pi),
        "xWeek6Ex3PointsClass2": lambda rng: _polar(rng, lo, hi, g, np.pi - g),
        "xWeek6Ex3PointsClass3": lambda rng: _polar(rng, lo, hi, np.pi + g, 2 * np.pi - g),
    }


def generate(out_dir: str | Path) -> dict[str, Points]:
    """Write the five ``.mat`` files into ``out_dir``; return the arrays by key."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Points] = {}
    for key, make in _recipes().items():
        points = np.ascontiguousarray(make(np.random.default_rng(SEEDS[key])), dtype=np.float64)
        scipy.io.savemat(out_dir / f"{key}.mat", {key: points}, do_compression=False)
        arrays[key] = points
    return arrays


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output folder (default: the folder of this script)",
    )
    args = parser.parse_args(argv)
    for key, points in generate(args.out).items():
        print(f"{args.out / (key + '.mat')}: {key} {points.shape}")


if __name__ == "__main__":
    main()
