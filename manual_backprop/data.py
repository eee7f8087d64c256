"""Loaders for the exercise's ``.mat`` files and its two data sets.

The files live in the repository's ``data/`` folder (see ``data/README.md``
for how they are made). Each holds one array of 2-D points under a key equal
to the file's stem. Arrays saved column-wise by MATLAB users, shape (2, n),
are accepted and transposed to (n, 2).
"""

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.io import loadmat

__all__ = [
    "BINARY_FILES",
    "DATA_DIR",
    "MULTICLASS_FILES",
    "load_binary_dataset",
    "load_mat",
    "load_multiclass_dataset",
]

Array = NDArray[np.float64]

#: The repository's ``data/`` folder, where the exercise's files are.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: Binary exercise (1 and 2): class 1 -> target 0, class 2 -> target 1.
BINARY_FILES = ("pointsClass1Week6.mat", "pointsClass2Week6.mat")

#: Multiclass exercise (3): classes 1, 2, 3 -> labels 0, 1, 2.
MULTICLASS_FILES = (
    "xWeek6Ex3PointsClass1.mat",
    "xWeek6Ex3PointsClass2.mat",
    "xWeek6Ex3PointsClass3.mat",
)


def load_mat(path: str | Path, key: str | None = None) -> Array:
    """Load the points stored in one ``.mat`` file.

    Parameters
    ----------
    path : str or Path
        The ``.mat`` file.
    key : str, optional
        The variable to read; by default the file's stem, as in the exercise
        (``pointsClass1Week6.mat`` holds ``pointsClass1Week6``).

    Returns
    -------
    ndarray, shape (n_points, 2)
        A new float64 array, one point per row.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the key is missing, or the array is not (n, 2) or (2, n) of finite numbers.
    """
    path = Path(path)
    key = path.stem if key is None else key
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        contents = loadmat(path)
    except (ValueError, TypeError, OSError) as error:
        raise ValueError(f"{path}: not a readable .mat file ({error})") from error
    if key not in contents:
        found = sorted(k for k in contents if not k.startswith("__"))
        raise ValueError(f"{path}: no variable {key!r} (found: {', '.join(found) or 'none'})")
    points = np.asarray(contents[key])
    if not (np.issubdtype(points.dtype, np.floating) or np.issubdtype(points.dtype, np.integer)):
        raise ValueError(f"{path}: {key!r} holds {points.dtype} data, expected real numbers")
    if points.ndim == 2 and points.shape[1] != 2 and points.shape[0] == 2:
        points = points.T  # saved column-wise, as MATLAB users often do
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
        raise ValueError(
            f"{path}: {key!r} has shape {points.shape}, expected (n_points, 2) or (2, n_points)"
        )
    points = np.array(points, dtype=np.float64, order="C")
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{path}: {key!r} contains NaN or inf")
    return points


def _stack_classes(files: tuple[str, ...], data_dir: str | Path | None) -> tuple[Array, Array]:
    """Stack the classes' points; class ``c`` (0-based file order) gets label ``c``."""
    folder = DATA_DIR if data_dir is None else Path(data_dir)
    classes = [load_mat(folder / name) for name in files]
    X = np.concatenate(classes)
    labels = np.concatenate([np.full(len(points), c) for c, points in enumerate(classes)])
    return X, labels


def load_binary_dataset(data_dir: str | Path | None = None) -> tuple[Array, Array]:
    """The data of Exercises 1 and 2.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding :data:`BINARY_FILES`; by default :data:`DATA_DIR`.

    Returns
    -------
    X : ndarray, shape (N, 2)
        Class 1's points, then class 2's.
    t : ndarray of float, shape (N,)
        0.0 for class 1, 1.0 for class 2.
    """
    X, labels = _stack_classes(BINARY_FILES, data_dir)
    return X, labels.astype(np.float64)


def load_multiclass_dataset(data_dir: str | Path | None = None) -> tuple[Array, NDArray[np.intp]]:
    """The data of Exercise 3.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder holding :data:`MULTICLASS_FILES`; by default :data:`DATA_DIR`.

    Returns
    -------
    X : ndarray, shape (N, 2)
        Class 1's points, then class 2's, then class 3's.
    labels : ndarray of int, shape (N,)
        0, 1 or 2.
    """
    X, labels = _stack_classes(MULTICLASS_FILES, data_dir)
    return X, labels.astype(np.intp)
