"""The 2×2, stride-2 max pooling of an even-sized input (its own kernel path): values, argmax indices
and gradients against PyTorch and against the general path, on random inputs, ties, signed zeros and
NaNs anywhere in a window, float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn.kernels import pool as kp
from tinygrad_cnn.kernels.geometry import PoolGeometry

HALVING = PoolGeometry((2, 2), (2, 2))
# small ones come from NumPy directly, the last one's buffers from the recycling pool
SHAPES = [(1, 1, 2, 2), (2, 3, 4, 6), (3, 2, 8, 10), (8, 16, 24, 24)]
DTYPES = [np.float32, np.float64]


def general_path(x: np.ndarray, monkeypatch) -> tuple[np.ndarray, np.ndarray]:
    """``max_pool`` with the fast path switched off."""
    with monkeypatch.context() as m:
        m.setattr(kp, "_halving", lambda shape, geometry: False)
        y, offsets = kp.max_pool(x, HALVING)
        return y.copy(), offsets.copy()


def inputs(kind: str, shape, dtype, rng) -> np.ndarray:
    if kind == "random":
        return rng.standard_normal(shape).astype(dtype)
    if kind == "ties":  # every window has ties in many patterns
        return rng.integers(0, 3, shape).astype(dtype)
    if kind == "two_values":
        return rng.integers(0, 2, shape).astype(dtype)
    if kind == "equal":
        return np.full(shape, 0.5, dtype)
    if kind == "signed_zeros":
        return np.where(rng.random(shape) < 0.5, -0.0, 0.0).astype(dtype)
    if kind == "infinities":
        return rng.choice(np.array([-np.inf, np.inf, 1.0], dtype), size=shape)
    raise AssertionError(kind)


KINDS = ["random", "ties", "two_values", "equal", "signed_zeros", "infinities"]


def check_against_torch(x: np.ndarray) -> None:
    torch = pytest.importorskip("torch")
    X, xt = tc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, idx = F.max_pool2d(X, 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(xt, 2, return_indices=True)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    g = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(X.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_fast_path_matches_torch(rng, shape, kind, dtype):
    check_against_torch(inputs(kind, shape, dtype, rng))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_fast_path_matches_general_path_bit_for_bit(rng, monkeypatch, shape, kind, dtype):
    x = inputs(kind, shape, dtype, rng)
    assert kp._halving(x.shape, HALVING)
    y, offsets = kp.max_pool(x, HALVING)
    y_ref, offsets_ref = general_path(x, monkeypatch)
    assert y.dtype == y_ref.dtype and offsets.dtype == offsets_ref.dtype
    np.testing.assert_array_equal(offsets, offsets_ref)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(y_ref))  # -0.0 and 0.0 as the general path
    g = rng.standard_normal(y.shape).astype(dtype)
    np.testing.assert_array_equal(kp.max_pool_backward(g, offsets, x.shape, HALVING),
                                  kp.max_pool_backward(g, offsets_ref, x.shape, HALVING))


def test_every_tie_pattern_of_a_window_picks_the_first_maximum(monkeypatch):
    # all 3⁴ windows over {0, 1, 2}, side by side in one row of windows
    windows = np.array(np.meshgrid(*[np.arange(3.0)] * 4, indexing="ij")).reshape(4, -1).T
    x = np.zeros((1, 1, 2, 2 * len(windows)), np.float32)
    x[0, 0, 0, 0::2], x[0, 0, 0, 1::2], x[0, 0, 1, 0::2], x[0, 0, 1, 1::2] = windows.T
    y, offsets = kp.max_pool(x, HALVING)
    np.testing.assert_array_equal(y[0, 0, 0], windows.max(axis=1))
    np.testing.assert_array_equal(offsets[0, 0, 0], windows.argmax(axis=1))
    check_against_torch(x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("position", range(4))
def test_nan_anywhere_in_a_window_wins_like_torch(rng, monkeypatch, position, dtype):
    x = rng.integers(0, 3, (2, 3, 6, 8)).astype(dtype)
    i, j = divmod(position, 2)
    x[0, 1, i::2, j::2][1, 2] = np.nan  # one NaN in window (1, 2)
    x[1, 0, i, j] = np.nan  # two NaNs in window (0, 0): PyTorch's kernel lets the later one win
    x[1, 0, 1, 1] = np.nan
    x[1, 2, 4:6, 6:8] = np.nan  # a window of NaNs only
    y, offsets = kp.max_pool(x, HALVING)
    y_ref, offsets_ref = general_path(x, monkeypatch)
    np.testing.assert_array_equal(offsets, offsets_ref)
    np.testing.assert_array_equal(y, y_ref)  # NaNs in the same places
    assert offsets[0, 1, 1, 2] == position and offsets[1, 0, 0, 0] == 3
    torch = pytest.importorskip("torch")
    X, xt = tc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yv, idx = F.max_pool2d(X, 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(xt, 2, return_indices=True)
    np.testing.assert_array_equal(yv.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    g = rng.standard_normal(yv.shape).astype(dtype)
    yv.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(X.grad.numpy(), xt.grad.numpy())


def test_results_are_not_overwritten_by_the_next_call(rng):
    # results come from recycled memory: a kept result must survive later poolings of the same size
    x1, x2 = (rng.standard_normal((8, 16, 24, 24)).astype(np.float32) for _ in range(2))
    y1, o1 = kp.max_pool(x1, HALVING)
    kept = y1.copy(), o1.copy()
    kp.max_pool(x2, HALVING)
    np.testing.assert_array_equal(y1, kept[0])
    np.testing.assert_array_equal(o1, kept[1])


@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (2, 3, 8, 7), (2, 3, 5, 5)])
def test_odd_sizes_and_non_contiguous_inputs_match_torch(rng, shape):
    check_against_torch(rng.integers(0, 3, shape).astype(np.float32))
    x = rng.integers(0, 3, (shape[0], shape[1], shape[3], shape[2])).astype(np.float32)
    check_against_torch(np.ascontiguousarray(x).transpose(0, 1, 3, 2))
