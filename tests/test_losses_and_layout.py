"""Losses at saturated logits, the penalty, and the canonical flat layout."""

import numpy as np
import pytest

import manual_backprop as mb
from backprop_oracle.tolerances import CLOSED_FORM_RTOL


@pytest.mark.parametrize("logit", [40.0, 1e3, 1e10, 1e300])
def test_binary_loss_is_exact_at_saturated_logits(logit):
    """-log(1 - sigma(a)) = a + log(1 + e^-a): finite and accurate however large a is."""
    a = np.array([[logit]])
    expected = logit + np.log1p(np.exp(-logit))
    assert mb.binary_cross_entropy(a, np.zeros((1, 1))) == pytest.approx(
        expected, rel=CLOSED_FORM_RTOL
    )
    assert mb.binary_cross_entropy(-a, np.ones((1, 1))) == pytest.approx(
        expected, rel=CLOSED_FORM_RTOL
    )
    # The right answer costs almost nothing: -log sigma(a) = log(1 + e^-a) ~ e^-a.
    assert mb.binary_cross_entropy(a, np.ones((1, 1))) == pytest.approx(
        np.log1p(np.exp(-logit)), rel=CLOSED_FORM_RTOL
    )


def test_softmax_loss_is_exact_at_saturated_logits():
    """Cross-entropy of logits (1000, 0, -1000) is 1000 + log(1 + e^-1000 + ...) for class 2."""
    A = np.array([[1000.0, 0.0, -1000.0]])
    assert mb.softmax_cross_entropy(A, np.eye(3)[[1]]) == pytest.approx(
        1000.0, rel=CLOSED_FORM_RTOL
    )
    assert mb.softmax_cross_entropy(A, np.eye(3)[[2]]) == pytest.approx(
        2000.0, rel=CLOSED_FORM_RTOL
    )
    assert mb.softmax_cross_entropy(A, np.eye(3)[[0]]) == 0.0  # e^-1000 underflows exactly


def test_softmax_loss_survives_a_logit_spread_beyond_float64():
    """A spread of 3e308 makes log P = -inf for a class whose target is 0: that term is 0."""
    A = np.array([[1.5e308, -1.5e308]])
    assert mb.softmax_cross_entropy(A, np.array([[1.0, 0.0]])) == 0.0
    # Beside a row with a loss of its own (log 2, equal logits), the sum keeps its sign
    # and its terms: (0 + log 2) / 2, to the rounding of one log and one halving.
    A = np.array([[1.5e308, -1.5e308], [0.0, 0.0]])
    T = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert mb.softmax_cross_entropy(A, T) == pytest.approx(np.log(2.0) / 2, rel=CLOSED_FORM_RTOL)


def test_output_deltas_are_prediction_minus_target_over_n():
    """(sigma(a) - t) / N and (softmax(A) - T) / N, on numbers worked out exactly."""
    a = np.array([[0.0], [0.0]])  # sigma(0) = 1/2
    np.testing.assert_array_equal(
        mb.binary_output_delta(a, np.array([[1.0], [0.0]])), [[-0.25], [0.25]]
    )
    A = np.zeros((2, 4))  # softmax of equal logits is 1/4 each
    T = np.eye(4)[[0, 3]]
    np.testing.assert_array_equal(mb.softmax_output_delta(A, T), (0.25 - T) / 2)


def test_penalty_and_its_gradient_skip_nothing_but_biases():
    """lam * sum ||W_l||^2 and 2 lam W_l, on integer matrices where both are exact."""
    W1, W2 = np.array([[1.0, -2.0], [3.0, 0.0]]), np.array([[4.0], [-1.0]])
    assert mb.l2_penalty([W1, W2], 0.5) == 0.5 * (1 + 4 + 9 + 16 + 1)
    np.testing.assert_array_equal(mb.l2_penalty_grad(W1, 0.5), W1)


# ----------------------------------------------------------------- layout


@pytest.mark.parametrize(
    ("sizes", "count"),
    [([2, 1], 3), ([2, 4, 1], 17), ([2, 10, 10, 10, 10, 1], 371), ([2, 10, 3], 63)],
)
def test_n_params(sizes, count):
    """sum over layers of (n_in + 1) * n_out."""
    assert mb.n_params(sizes) == count


def test_unpack_follows_the_canonical_layout_and_returns_views():
    """[W_1 row-major | b_1 | W_2 | b_2], each block a view that writes through to W."""
    W = np.arange(17.0)
    (W1, b1), (W2, b2) = mb.unpack(W, [2, 4, 1])
    np.testing.assert_array_equal(W1, [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(b1, [8, 9, 10, 11])
    np.testing.assert_array_equal(W2, [[12], [13], [14], [15]])
    np.testing.assert_array_equal(b2, [16])
    for block in (W1, b1, W2, b2):
        assert np.shares_memory(block, W)
    W2[3, 0] = -1.0
    assert W[15] == -1.0


def test_pack_is_the_inverse_of_unpack():
    """pack(unpack(W)) == W, as a new array."""
    W = np.random.default_rng(0).normal(size=mb.n_params([3, 5, 5, 2]))
    packed = mb.pack(mb.unpack(W, [3, 5, 5, 2]))
    np.testing.assert_array_equal(packed, W)
    assert not np.shares_memory(packed, W)


def test_unpack_and_pack_refuse_what_they_cannot_handle():
    """unpack needs a float64 array of the right length (a view of a copy would lie); pack
    needs chained shapes."""
    with pytest.raises(TypeError, match="^W: "):
        mb.unpack(list(range(17)), [2, 4, 1])
    with pytest.raises(ValueError, match="^W: .*17"):
        mb.unpack(np.zeros(16), [2, 4, 1])
    with pytest.raises(ValueError, match="^params: W_2 has 3 rows"):
        mb.pack([(np.zeros((2, 4)), np.zeros(4)), (np.zeros((3, 1)), np.zeros(1))])
    with pytest.raises(ValueError, match="^params: layer 1"):
        mb.pack([(np.zeros((2, 4)), np.zeros(3))])


def test_init_weights_follows_the_uniform_rule_and_its_seed():
    """Layer l draws weights and biases from U[-eps_l, eps_l], eps_l = sqrt(2 / (n_in + n_out))."""
    sizes = [2, 10, 10, 3]
    W = mb.init_weights(sizes, seed=7)
    np.testing.assert_array_equal(W, mb.init_weights(sizes, seed=7))
    assert not np.array_equal(W, mb.init_weights(sizes, seed=8))
    for (W_l, b_l), n_in, n_out in zip(mb.unpack(W, sizes), sizes[:-1], sizes[1:], strict=True):
        eps = np.sqrt(2.0 / (n_in + n_out))
        for block in (W_l, b_l):
            assert np.all(np.abs(block) <= eps)
        # 20 to 100 draws from U[-eps, eps]: their largest |value| is above eps / 2 with
        # probability 1 - 2^-20 or more, so a rule with a smaller eps would show.
        assert np.max(np.abs(W_l)) > eps / 2


def test_pack_refuses_malformed_layers_and_converts_to_float64():
    """pack names the layer whose shapes are wrong, refuses an empty list, and returns float64."""
    with pytest.raises(ValueError, match=r"^params: layer 1 needs W_1 of shape \(n_in, n_out\)"):
        mb.pack([(np.zeros(4), np.zeros(4))])  # a 1-D weight "matrix"
    with pytest.raises(ValueError, match=r"^params: layer 2 needs .* got \(3, 1\) and \(2,\)"):
        mb.pack([(np.zeros((2, 3)), np.zeros(3)), (np.zeros((3, 1)), np.zeros(2))])
    with pytest.raises(ValueError, match=r"^params: expected at least one \(W, b\) pair"):
        mb.pack([])
    packed = mb.pack([(np.array([[1, 2], [3, 4]]), np.array([5, 6]))])
    assert packed.dtype == np.float64
    np.testing.assert_array_equal(packed, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


@pytest.mark.parametrize("dtype", [np.longdouble, np.float32, np.int64, np.bool_])
def test_pack_returns_float64_whatever_the_blocks_dtype(dtype):
    """Every block is converted to float64, not merely promoted with the others."""
    for W_l, b_l in [
        (np.ones((2, 3), dtype=dtype), np.zeros(3, dtype=dtype)),
        (np.ones((2, 3)), np.zeros(3, dtype=dtype)),
        (np.ones((2, 3), dtype=dtype), np.zeros(3)),
    ]:
        assert mb.pack([(W_l, b_l)]).dtype == np.float64


def test_layout_messages_in_full():
    """The refusals' whole messages, so their wording is pinned."""
    with pytest.raises(
        TypeError, match=r"^W: unpack returns views, so W must already be a float64 numpy array$"
    ):
        mb.unpack(list(range(17)), [2, 4, 1])
    with pytest.raises(ValueError, match=r"^params: W_2 has 3 rows but layer 1 has 4 units$"):
        mb.pack([(np.zeros((2, 4)), np.zeros(4)), (np.zeros((3, 1)), np.zeros(1))])
