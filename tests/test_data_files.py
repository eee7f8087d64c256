"""Checks on the generated week-6 point sets shipped in ``data/``."""

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import scipy.io
from numpy.typing import NDArray

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
KEYS = [
    "pointsClass1Week6",
    "pointsClass2Week6",
    "xWeek6Ex3PointsClass1",
    "xWeek6Ex3PointsClass2",
    "xWeek6Ex3PointsClass3",
]


def _load_shipped(key: str) -> NDArray[np.float64]:
    """Return the array stored under ``key`` in the shipped ``<key>.mat``."""
    points: NDArray[np.float64] = scipy.io.loadmat(DATA_DIR / f"{key}.mat")[key]
    return points


def _import_make_data() -> ModuleType:
    """Import ``data/make_data.py`` as a module without needing a package."""
    spec = importlib.util.spec_from_file_location("make_data", DATA_DIR / "make_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("key", KEYS)
def test_shipped_file_holds_finite_float64_points(key: str) -> None:
    """Each shipped file loads and holds a finite float64 (n, 2) array under its stem."""
    contents = scipy.io.loadmat(DATA_DIR / f"{key}.mat")
    assert key in contents
    points = contents[key]
    assert points.dtype == np.float64
    assert points.ndim == 2
    assert points.shape[1] == 2
    assert points.shape[0] > 0
    assert np.all(np.isfinite(points))


def test_regenerating_reproduces_shipped_arrays(tmp_path: Path) -> None:
    """Running the generator again yields arrays identical to the shipped ones."""
    arrays = _import_make_data().generate(tmp_path)
    assert sorted(arrays) == sorted(KEYS)
    for key in KEYS:
        rewritten = scipy.io.loadmat(tmp_path / f"{key}.mat")[key]
        np.testing.assert_array_equal(arrays[key], _load_shipped(key))
        np.testing.assert_array_equal(rewritten, _load_shipped(key))
        assert arrays[key].dtype == np.float64
        assert arrays[key].flags.c_contiguous
