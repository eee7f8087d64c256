"""Loaders of the exercise's .mat files, and training with scipy.optimize.minimize."""

import numpy as np
import pytest
from scipy.io import savemat

import manual_backprop as mb

POINTS = np.array([[0.0, 1.0], [2.0, -3.5], [4.25, 5.0]])


# ----------------------------------------------------------------- loaders


def test_mat_round_trip_keeps_every_value(tmp_path):
    """An (n, 2) array saved under the file's stem comes back unchanged, as C-ordered float64."""
    path = tmp_path / "pointsClass1Week6.mat"
    savemat(path, {"pointsClass1Week6": POINTS})
    loaded = mb.load_mat(path)
    np.testing.assert_array_equal(loaded, POINTS)
    assert loaded.dtype == np.float64
    assert loaded.flags.c_contiguous


def test_mat_saved_column_wise_is_transposed(tmp_path):
    """MATLAB users save points as a (2, n) array: it is read as (n, 2)."""
    path = tmp_path / "points.mat"
    savemat(path, {"points": POINTS.T})
    np.testing.assert_array_equal(mb.load_mat(path), POINTS)


def test_mat_with_an_explicit_key(tmp_path):
    """key= reads another variable than the stem."""
    path = tmp_path / "anything.mat"
    savemat(path, {"pts": POINTS})
    np.testing.assert_array_equal(mb.load_mat(path, key="pts"), POINTS)


def test_mat_integer_points_become_float64(tmp_path):
    """Integer arrays are accepted and converted."""
    path = tmp_path / "points.mat"
    savemat(path, {"points": np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int32)})
    np.testing.assert_array_equal(mb.load_mat(path), [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_mat_missing_key_names_file_and_key(tmp_path):
    """A missing variable is reported with the file, the key wanted and the keys found."""
    path = tmp_path / "pointsClass2Week6.mat"
    savemat(path, {"somethingElse": POINTS})
    with pytest.raises(
        ValueError,
        match=r"pointsClass2Week6\.mat: no variable 'pointsClass2Week6'"
        r" \(found: somethingElse\)",
    ):
        mb.load_mat(path)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((3, 3)), np.zeros((4, 5)), np.zeros((0, 2)), np.array([[np.nan, 1.0]])],
    ids=["3-columns", "no-2-axis", "empty", "nan"],
)
def test_mat_with_a_wrong_array_names_file_and_key(tmp_path, bad):
    """Anything but finite (n, 2) or (2, n) points is refused with the file and key named."""
    path = tmp_path / "points.mat"
    savemat(path, {"points": bad})
    with pytest.raises(ValueError, match=r"points\.mat: 'points'"):
        mb.load_mat(path)


def test_mat_missing_file_and_garbage_file(tmp_path):
    """A missing file is FileNotFoundError; a file that is not .mat is a ValueError naming it."""
    with pytest.raises(FileNotFoundError, match="nothing.mat"):
        mb.load_mat(tmp_path / "nothing.mat")
    garbage = tmp_path / "garbage.mat"
    garbage.write_bytes(b"not a mat file at all" * 10)
    with pytest.raises(ValueError, match=r"garbage\.mat: not a readable"):
        mb.load_mat(garbage)


def test_binary_dataset_maps_class_1_to_0_and_class_2_to_1():
    """Exercise 1's data: class 1's points with target 0, then class 2's with target 1."""
    X, t = mb.load_binary_dataset()
    class1 = mb.load_mat(mb.DATA_DIR / "pointsClass1Week6.mat")
    class2 = mb.load_mat(mb.DATA_DIR / "pointsClass2Week6.mat")
    np.testing.assert_array_equal(X, np.concatenate([class1, class2]))
    np.testing.assert_array_equal(t, np.r_[np.zeros(len(class1)), np.ones(len(class2))])


def test_multiclass_dataset_maps_classes_to_labels_0_1_2():
    """Exercise 3's data: classes 1, 2, 3 with labels 0, 1, 2."""
    X, labels = mb.load_multiclass_dataset()
    sizes = [len(mb.load_mat(mb.DATA_DIR / f"xWeek6Ex3PointsClass{c}.mat")) for c in (1, 2, 3)]
    assert X.shape == (sum(sizes), 2)
    np.testing.assert_array_equal(labels, np.repeat([0, 1, 2], sizes))


def test_loaders_take_another_folder(tmp_path):
    """data_dir= points the loaders at a copy of the files elsewhere."""
    savemat(tmp_path / "pointsClass1Week6.mat", {"pointsClass1Week6": POINTS})
    savemat(tmp_path / "pointsClass2Week6.mat", {"pointsClass2Week6": POINTS[:1].T})  # (2, 1)
    X, t = mb.load_binary_dataset(tmp_path)
    np.testing.assert_array_equal(X, np.concatenate([POINTS, POINTS[:1]]))
    np.testing.assert_array_equal(t, [0.0, 0.0, 0.0, 1.0])


# ----------------------------------------------------------------- training


def test_binary_data_needs_the_hidden_layer():
    """A logistic regression (no hidden layer) stays below 90 %; 2-4-1 sigmoid goes above 95 %."""
    X, t = mb.load_binary_dataset()
    linear = mb.train(X, t, [2, 1], lam=1e-4, seed=0)
    assert np.mean(mb.predict(linear.W, X, [2, 1]) == t) < 0.90
    network = mb.train(X, t, [2, 4, 1], lam=1e-4, seed=0)
    assert np.mean(mb.predict(network.W, X, [2, 4, 1]) == t) > 0.95


@pytest.mark.parametrize("gradient", ["vectorized", "per-sample"])
def test_train_lowers_the_loss_and_records_it_per_iteration(gradient):
    """losses[0] is the loss at W0, then one per iteration; the last is the optimum's."""
    X, t = mb.load_binary_dataset()
    sizes = [2, 3, 1]
    result = mb.train(X, t, sizes, lam=1e-3, seed=1, gradient=gradient, options={"maxiter": 30})
    backprop = {"vectorized": mb.loss_and_grad, "per-sample": mb.loss_and_grad_per_sample}[gradient]
    W0 = mb.init_weights(sizes, seed=1)
    assert result.losses[0] == backprop(W0, X, t, sizes, 1e-3)[0]
    assert len(result.losses) == result.result.nit + 1
    assert result.losses[-1] == backprop(result.W, X, t, sizes, 1e-3)[0]
    assert result.losses[-1] < result.losses[0]


@pytest.mark.parametrize("method", mb.GRADIENT_METHODS)
def test_every_gradient_method_trains(method):
    """Each minimize method that uses the gradient runs and lowers the multiclass loss."""
    X, labels = mb.load_multiclass_dataset()
    sizes = [2, 5, 3]
    result = mb.train(X, labels, sizes, lam=1e-3, activation="tanh", seed=0, method=method)
    assert result.losses[-1] < 0.5 * result.losses[0]


def test_train_does_not_modify_w0_and_refuses_unknown_methods():
    """W0 is copied before minimize sees it; a method without gradients is refused by name."""
    X, t = mb.load_binary_dataset()
    W0 = mb.init_weights([2, 2, 1], seed=0)
    before = W0.copy()
    mb.train(X, t, [2, 2, 1], W0=W0, options={"maxiter": 5})
    np.testing.assert_array_equal(W0, before)
    with pytest.raises(ValueError, match="^method: .*L-BFGS-B"):
        mb.train(X, t, [2, 2, 1], method="Nelder-Mead")
    with pytest.raises(ValueError, match="^gradient: "):
        mb.train(X, t, [2, 2, 1], gradient="autodiff")  # type: ignore[arg-type]
