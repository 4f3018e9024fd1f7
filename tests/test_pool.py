"""Pooling ops: values against a loop reference and PyTorch, the argmax routing of max pooling
(first maximum, never doubled), gradcheck + gradgradcheck, the recorded graph and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor


def leaf(a: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _pairs(*vals):
    return [(v, v) if np.isscalar(v) else tuple(v) for v in vals]


def loop_pool(x, kernel_size, stride=None, padding=0, dilation=1, kind="max", count_include_pad=True):
    """One window at a time: the obvious definition, for reference."""
    (kh, kw), (ph, pw), (dh, dw) = _pairs(kernel_size, padding, dilation)
    sh, sw = _pairs(stride if stride is not None else kernel_size)[0]
    n, c, h, w = x.shape
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    real = np.pad(np.ones((h, w)), ((ph, ph), (pw, pw)))
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            rs = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
            cs = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
            win = xp[:, :, rs, cs]
            if kind == "max":
                out[:, :, i, j] = win.max(axis=(2, 3))
            else:
                count = kh * kw if count_include_pad else real[rs, cs].sum()
                out[:, :, i, j] = win.sum(axis=(2, 3)) / count
    return out


MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1)},
    {"kernel_size": 2, "stride": 1, "dilation": 2, "padding": 1},
    {"kernel_size": 4, "stride": 3, "padding": 2},
]
AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": 1, "padding": (1, 1)},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
]


@pytest.mark.parametrize("kwargs", MAX_CASES)
def test_max_pool_values(rng, kwargs):
    x = rng.standard_normal((2, 3, 7, 8))
    np.testing.assert_array_equal(F.max_pool2d(tc.tensor(x), **kwargs).numpy(), loop_pool(x, **kwargs, kind="max"))


@pytest.mark.parametrize("kwargs", AVG_CASES)
def test_avg_pool_values(rng, kwargs):
    x = rng.standard_normal((2, 3, 7, 8))
    expected = loop_pool(x, **kwargs, kind="avg")
    np.testing.assert_allclose(F.avg_pool2d(tc.tensor(x), **kwargs).numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("kwargs", MAX_CASES)
def test_max_pool_matches_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 7, 8))
    x[0, 0, :2, :2] = 1.5  # a tie inside a window
    X, xt = leaf(x), torch.tensor(x, requires_grad=True)
    y, idx = F.max_pool2d(X, **kwargs, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(xt, **kwargs, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad.numpy(), xt.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("kwargs", AVG_CASES + [{"kernel_size": 3, "padding": 1, "divisor_override": 5}])
def test_avg_pool_matches_torch(rng, kwargs):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 7, 8))
    X, xt = leaf(x), torch.tensor(x, requires_grad=True)
    y = F.avg_pool2d(X, **kwargs)
    yt = torch.nn.functional.avg_pool2d(xt, **kwargs)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(tc.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(X.grad.numpy(), xt.grad.numpy(), atol=1e-12)


def test_max_pool_pads_with_minus_infinity():
    x = -np.ones((1, 1, 3, 3)) - np.arange(9.0).reshape(1, 1, 3, 3)  # all negative
    y = F.max_pool2d(tc.tensor(x), 2, stride=2, padding=1)
    assert (y.numpy() < 0).all()  # zero padding would have won every border window
    np.testing.assert_array_equal(y.numpy()[0, 0], [[-1, -2], [-4, -5]])


def test_max_pool_overlapping_windows_share_a_maximum(rng):
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0  # the centre is the maximum of all four 2×2 windows (stride 1)
    X = leaf(x)
    F.max_pool2d(X, 2, stride=1).sum().backward()
    expected = np.zeros((3, 3))
    expected[1, 1] = 4.0  # one unit from each window: a sum over windows, not a doubling within one
    np.testing.assert_array_equal(X.grad.numpy()[0, 0], expected)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 3, "stride": 2, "padding": 1},
                                    {"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2}])
def test_max_pool_all_minus_infinity_picks_first_real_element_like_torch(kwargs):
    torch = pytest.importorskip("torch")
    x = np.full((1, 1, 5, 5), -np.inf)
    y, idx = F.max_pool2d(tc.tensor(x), **kwargs, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), **kwargs, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(idx.numpy(), it.numpy())


def test_max_pool_nan_propagates_like_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 3, 2] = np.nan
    y, idx = F.max_pool2d(tc.tensor(x), 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(np.isnan(y.numpy()), np.isnan(yt.numpy()))
    np.testing.assert_array_equal(idx.numpy(), it.numpy())


def test_pool_unbatched_and_float32(rng):
    x = tc.tensor(rng.standard_normal((3, 6, 6)).astype(np.float32), requires_grad=True)
    y = F.max_pool2d(x, 2) + F.avg_pool2d(x, 2)
    assert y.shape == (3, 3, 3) and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (3, 6, 6)


@pytest.mark.parametrize("kwargs", MAX_CASES[:5])
def test_max_pool_gradcheck(rng, kwargs):
    x = leaf(rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) * 0.1)  # distinct values: no ties, no kinks
    assert tc.gradcheck(lambda a: F.max_pool2d(a, **kwargs), (x,))
    assert tc.gradgradcheck(lambda a: F.max_pool2d(a, **kwargs), (x,))


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 2, 4, 6), {"kernel_size": 2}),
    ((1, 2, 4, 4), {"kernel_size": 2, "padding": 1}),
    ((1, 1, 6, 6), {"kernel_size": (3, 2)}),
])
def test_max_pool_gradcheck_tiling_windows(rng, shape, kwargs):
    """Windows that tile the (padded) input exactly: the backward writes each element once, no zero fill."""
    x = leaf(rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1)
    assert tc.gradcheck(lambda a: F.max_pool2d(a, **kwargs), (x,))
    assert tc.gradgradcheck(lambda a: F.max_pool2d(a, **kwargs), (x,))


@pytest.mark.parametrize("kwargs", AVG_CASES + [{"kernel_size": 2, "padding": 1, "divisor_override": 3}])
def test_avg_pool_gradcheck(rng, kwargs):
    x = leaf(rng.standard_normal((1, 2, 5, 6)))
    assert tc.gradcheck(lambda a: F.avg_pool2d(a, **kwargs), (x,))
    assert tc.gradgradcheck(lambda a: F.avg_pool2d(a, **kwargs), (x,))


def test_pool_graph_names_and_double_backward(rng):
    x = leaf(rng.standard_normal((1, 2, 4, 4)))
    y = F.max_pool2d(x, 2, stride=2)
    assert y.grad_fn.name() == "max_pool2d"
    assert y.grad_fn.attrs["kernel_size"] == (2, 2) and y.grad_fn.attrs["stride"] == (2, 2)
    (gx,) = tc.grad((y * y).sum(), (x,), create_graph=True)
    assert gx.grad_fn.name() == "max_pool2d_backward"
    z = F.avg_pool2d(x, 2)
    (ga,) = tc.grad((z * z).sum(), (x,), create_graph=True)
    assert ga.grad_fn.name() == "avg_pool2d_backward"
    # second derivative of Σ maxpool(x)²: 2 at each window's maximum, 0 elsewhere
    (h,) = tc.grad(gx.sum(), (x,))
    mask = (F.max_pool2d(x, 2).detach().numpy().repeat(2, 2).repeat(2, 3) == x.detach().numpy())
    np.testing.assert_allclose(h.numpy(), 2.0 * mask)


ERRORS = [
    (lambda: F.max_pool2d(tc.tensor(np.zeros((1, 1, 4, 4))), 2, padding=2), ValueError,
     r"padding \(2, 2\) should be at most half of the kernel size \(2, 2\)"),
    (lambda: F.avg_pool2d(tc.tensor(np.zeros((1, 1, 4, 4))), 3, padding=2), ValueError, "at most half"),
    (lambda: F.max_pool2d(tc.tensor(np.zeros((4, 4))), 2), ValueError, r"got shape \(4, 4\)"),
    (lambda: F.max_pool2d(tc.tensor(np.zeros((1, 1, 4, 4)), dtype=np.int64), 2), TypeError, "floating-point"),
    (lambda: F.avg_pool2d(tc.tensor(np.zeros((1, 1, 2, 2))), 3), ValueError, "empty output"),
    (lambda: F.max_pool2d(tc.tensor(np.zeros((1, 1, 4, 4))), 0), ValueError, "kernel_size must be at least 1"),
    (lambda: F.max_pool2d(tc.tensor(np.zeros((1, 1, 4, 4))), 2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: F.avg_pool2d(tc.tensor(np.zeros((1, 1, 4, 4))), 2, divisor_override=0), ValueError, "divisor_override"),
]


@pytest.mark.parametrize("call,exc,match", ERRORS)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
