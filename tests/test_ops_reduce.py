"""Reductions and the softmax family: values against NumPy/SciPy, gradcheck + gradgradcheck, PyTorch parity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor


def leaf(arr: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0)]


@pytest.mark.parametrize("op", ["sum", "mean"])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_values_and_gradients(op, dim, keepdim, rng):
    a = rng.standard_normal((2, 3, 4))
    x = leaf(a)
    out = getattr(x, op)(dim, keepdim=keepdim)
    ref = getattr(np, op)(a, axis=dim, keepdims=keepdim)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12)
    f = lambda t: getattr(t, op)(dim, keepdim=keepdim)  # noqa: E731
    assert tc.gradcheck(f, (x,))
    assert tc.gradgradcheck(f, (x,))


@pytest.mark.parametrize("shape, dim", [
    ((5, 3, 6, 7), (0, 2, 3)),  # a conv bias gradient: rows of H·W, then the batch
    ((4, 32), 1),
    ((2, 3, 4, 5), (2, 3)),
    ((2, 3, 4, 5), (1, 3)),  # only the last axis is a row
    ((3, 2, 5000), 2),  # rows too long for one BLAS product: NumPy's sum
    ((6, 9), (0, 1)),  # the whole array: NumPy's sum
])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_over_trailing_axes_as_rows(shape, dim, keepdim, dtype, rng):
    """Sums over the last axes run as a product with a vector of ones: NumPy's values, and float32
    rows as accurate as NumPy's own float32 sum."""
    a = rng.standard_normal(shape).astype(dtype)
    out = tc.tensor(a).sum(dim, keepdim=keepdim).numpy()
    ref = np.sum(a.astype(np.float64), axis=dim, keepdims=keepdim)
    assert out.shape == ref.shape and out.dtype == dtype
    own_error = np.abs(np.sum(a, axis=dim, keepdims=keepdim) - ref).max()
    tolerance = 1e-12 if dtype == np.float64 else max(4 * own_error, 1e-6)
    np.testing.assert_allclose(out, ref, rtol=0, atol=tolerance)
    np.testing.assert_array_equal(np.isnan(tc.tensor(np.where(a > 2, np.nan, a)).sum(dim).numpy()),
                                  np.isnan(np.sum(np.where(a > 2, np.nan, a), axis=dim)))


def test_sum_keyword_names_and_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32))
    assert x.sum(dim=1, keepdim=True).shape == (2, 1)
    assert x.mean(dim=0).dtype == np.float32
    assert x.sum().shape == ()


def test_reduce_dim_errors():
    x = tc.tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match="out of range"):
        x.sum(2)
    with pytest.raises(ValueError, match="twice"):
        x.sum((0, -2))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_dim_returns_named_values_and_indices(dim, keepdim, rng):
    a = rng.standard_normal((3, 4))
    x = leaf(a)
    result = x.max(dim, keepdim=keepdim)
    values, indices = result
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.detach().numpy(), np.max(a, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(indices.numpy(), np.argmax(a, axis=dim, keepdims=keepdim))
    assert indices.dtype == np.int64 and not indices.requires_grad
    f = lambda t: t.max(dim, keepdim=keepdim).values  # noqa: E731
    assert tc.gradcheck(f, (x,))
    assert tc.gradgradcheck(f, (x,))


def test_max_all_value_and_gradients(rng):
    a = rng.standard_normal((3, 4))
    x = leaf(a)
    assert x.max().item() == a.max() and x.max().shape == ()
    assert tc.gradcheck(lambda t: t.max(), (x,))
    assert tc.gradgradcheck(lambda t: t.max(), (x,))


def test_max_ties_follow_pytorch():
    x = leaf(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]]))
    x.max(1).values.sum().backward()  # max(dim): the first maximum takes the gradient
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    x.max().backward()  # max(): the gradient is shared evenly by all maxima
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])


def test_min_and_argmin(rng):
    a = rng.standard_normal((3, 4))
    x = leaf(a)
    v, i = x.min(1)
    np.testing.assert_array_equal(v.detach().numpy(), a.min(1))
    np.testing.assert_array_equal(i.numpy(), a.argmin(1))
    assert x.min().item() == a.min()
    assert x.argmin().item() == a.argmin()
    assert tc.gradcheck(lambda t: t.min(0).values, (x,))


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax(dim, keepdim, rng):
    a = rng.standard_normal((3, 4))
    out = tc.tensor(a).argmax(dim, keepdim=keepdim) if dim is not None else tc.tensor(a).argmax()
    ref = np.argmax(a, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(a)
    np.testing.assert_array_equal(out.numpy(), ref)
    assert out.dtype == np.int64
    assert tc.tensor(np.array([[1.0, 5.0, 5.0]])).argmax(1).item() == 1  # first maximum on ties


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_values_and_gradients(fn, dim, rng):
    a = rng.standard_normal((3, 4, 2))
    x = leaf(a)
    ref = special.softmax(a, axis=dim) if fn == "softmax" else special.log_softmax(a, axis=dim)
    np.testing.assert_allclose(getattr(x, fn)(dim).detach().numpy(), ref, rtol=1e-12, atol=1e-15)
    f = lambda t: getattr(tc.functional, fn)(t, dim)  # noqa: E731
    np.testing.assert_allclose(f(x).detach().numpy(), ref, rtol=1e-12, atol=1e-15)
    assert tc.gradcheck(f, (x,))
    assert tc.gradgradcheck(f, (x,))


def test_softmax_rows_sum_to_one_and_implicit_dim():
    x = tc.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(tc.functional.softmax(x, dim=1).sum(1).numpy(), [1.0, 1.0])
    np.testing.assert_allclose(tc.functional.softmax(x).numpy(), special.softmax(x.numpy(), axis=1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_is_stable_for_large_logits(dtype):
    a = np.array([[1000.0, 0.0, -1000.0], [-5000.0, -5000.0, -5000.0], [3e4, 3e4 - 1, 0.0]], dtype=dtype)
    x = tc.tensor(a, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = x.softmax(1)
        ls = x.log_softmax(1)
        (s.sum() + ls.sum()).backward()
    assert s.dtype == dtype and ls.dtype == dtype
    ref = special.log_softmax(a.astype(np.float64), axis=1)
    np.testing.assert_allclose(ls.detach().numpy(), ref, rtol=1e-6)
    np.testing.assert_allclose(s.detach().numpy(), np.exp(ref), rtol=1e-6, atol=1e-30)
    assert np.all(np.isfinite(x.grad.numpy()))


# ---------------------------------------------------------------------- PyTorch parity

TORCH_CASES = {
    "sum_dim": (lambda t: t.sum(1, keepdim=True), lambda t: t.sum(1, keepdim=True)),
    "sum_dims": (lambda t: t.sum((0, 2)), lambda t: t.sum((0, 2))),
    "mean": (lambda t: t.mean(-1), lambda t: t.mean(-1)),
    "mean_all": (lambda t: t.mean(), lambda t: t.mean()),
    "max_dim": (lambda t: t.max(1).values, lambda t: t.max(1).values),
    "max_all": (lambda t: t.max(), lambda t: t.max()),
    "softmax": (lambda t: t.softmax(1), lambda t: t.softmax(1)),
    "log_softmax": (lambda t: t.log_softmax(-1), lambda t: t.log_softmax(-1)),
}


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_reductions_match_torch(name, rng):
    torch = pytest.importorskip("torch")
    ours_fn, torch_fn = TORCH_CASES[name]
    a = rng.standard_normal((2, 3, 4))
    a[0, 1, :] = a[0, 0, :]  # ties along dim 1
    a[1, 2, 3] = a[1, 2, 2] = a.max() + 1  # a tie for the global maximum
    x = leaf(a)
    t = torch.tensor(a, requires_grad=True)
    out, ref = ours_fn(x), torch_fn(t)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    seed = rng.standard_normal(ref.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)
    if name == "max_dim":
        np.testing.assert_array_equal(x.max(1).indices.numpy(), t.max(1).indices.numpy())
