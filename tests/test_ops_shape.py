"""Shape ops: values against NumPy, gradcheck + gradgradcheck in float64, PyTorch parity."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import Tensor


def leaf(arr: np.ndarray) -> Tensor:
    return tc.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


A = np.arange(24.0).reshape(2, 3, 4)

# name -> (our op, NumPy reference)
CASES = {
    "reshape": (lambda t: t.reshape(4, 6), lambda a: a.reshape(4, 6)),
    "reshape_tuple": (lambda t: t.reshape((6, -1)), lambda a: a.reshape(6, -1)),
    "view_minus1": (lambda t: t.view(-1), lambda a: a.reshape(-1)),
    "view_mid": (lambda t: t.view(2, -1, 2), lambda a: a.reshape(2, -1, 2)),
    "flatten": (lambda t: t.flatten(), lambda a: a.reshape(-1)),
    "flatten_1": (lambda t: t.flatten(1), lambda a: a.reshape(2, 12)),
    "flatten_0_1": (lambda t: t.flatten(0, 1), lambda a: a.reshape(6, 4)),
    "transpose": (lambda t: t.transpose(0, 2), lambda a: np.swapaxes(a, 0, 2)),
    "transpose_neg": (lambda t: t.transpose(-1, -2), lambda a: np.swapaxes(a, -1, -2)),
    "permute": (lambda t: t.permute(2, 0, 1), lambda a: np.transpose(a, (2, 0, 1))),
    "permute_tuple": (lambda t: t.permute((1, 2, 0)), lambda a: np.transpose(a, (1, 2, 0))),
    "T": (lambda t: t.T, lambda a: a.T),
    "unsqueeze0": (lambda t: t.unsqueeze(0), lambda a: a[None]),
    "unsqueeze_neg": (lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    "unsqueeze_mid": (lambda t: t.unsqueeze(2), lambda a: a[:, :, None]),
    "squeeze": (lambda t: t.unsqueeze(1).squeeze(), lambda a: a),
    "squeeze_dim": (lambda t: t[:, :1].squeeze(1), lambda a: a[:, 0]),
    "squeeze_noop": (lambda t: t.squeeze(0), lambda a: a),
    "slice": (lambda t: t[:, 1:, ::2], lambda a: a[:, 1:, ::2]),
    "int_index": (lambda t: t[1], lambda a: a[1]),
    "neg_index": (lambda t: t[-1, -2], lambda a: a[-1, -2]),
    "neg_step": (lambda t: t[:, ::-1, -1:0:-2], lambda a: a[:, ::-1, -1:0:-2]),
    "ellipsis_none": (lambda t: t[..., None, 1], lambda a: a[..., None, 1]),
    "int_array": (lambda t: t[[0, 1, 1]], lambda a: a[[0, 1, 1]]),
    "int_array_repeat": (lambda t: t[:, [2, 0, 2, 2]], lambda a: a[:, [2, 0, 2, 2]]),
    "int_arrays_pair": (lambda t: t[[0, 1, 0], [2, 2, 2]], lambda a: a[[0, 1, 0], [2, 2, 2]]),
    "int_array_tensor": (lambda t: t[tc.tensor([1, 0], dtype=np.int64)], lambda a: a[[1, 0]]),
    "int_array_neg": (lambda t: t[:, :, np.array([-1, 0, -1])], lambda a: a[:, :, [-1, 0, -1]]),
    "bool_mask": (lambda t: t[tc.tensor(A) > 10], lambda a: a[A > 10]),
    "bool_rows": (lambda t: t[:, np.array([True, False, True])], lambda a: a[:, [True, False, True]]),
    "expand": (lambda t: t[:, :1].expand(2, 3, 4), lambda a: np.broadcast_to(a[:, :1], (2, 3, 4))),
    "expand_new": (lambda t: t.expand(5, 2, 3, 4), lambda a: np.broadcast_to(a, (5, 2, 3, 4))),
    "expand_minus1": (lambda t: t[:1].expand(3, -1, -1), lambda a: np.broadcast_to(a[:1], (3, 3, 4))),
    "sum_to_size": (lambda t: t.sum_to_size(3, 1), lambda a: a.sum(axis=(0, 2))[:, None]),
    "pad_last": (lambda t: F.pad(t, (1, 2)), lambda a: np.pad(a, ((0, 0), (0, 0), (1, 2)))),
    "pad_two": (lambda t: F.pad(t, (0, 1, 2, 0)), lambda a: np.pad(a, ((0, 0), (2, 0), (0, 1)))),
    "pad_value": (
        lambda t: F.pad(t, (1, 1, 1, 1, 1, 0), value=-2.0),
        lambda a: np.pad(a, ((1, 0), (1, 1), (1, 1)), constant_values=-2.0),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_against_numpy(name):
    op, ref = CASES[name]
    out = op(tc.tensor(A.copy()))
    expected = ref(A.copy())
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name, rng):
    op, _ = CASES[name]
    x = leaf(rng.standard_normal(A.shape))
    assert tc.gradcheck(op, (x,))
    assert tc.gradgradcheck(op, (x,))


def test_repeated_integer_indices_accumulate_gradient():
    x = leaf(np.zeros(4))
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0, 0.0])


def test_boolean_mask_gradient_lands_on_selected_elements():
    x = leaf(np.arange(6.0))
    mask = x > 2
    (x[mask] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, 2, 2, 2])


def test_view_shares_memory_like_numpy():
    x = tc.tensor(np.arange(6.0))
    v = x.view(2, 3)
    assert np.shares_memory(v.numpy(), x.numpy())
    same = x.reshape(6)  # a no-op reshape is a new tensor sharing the storage, as PyTorch's
    assert same is not x and np.shares_memory(same.numpy(), x.numpy())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_values_and_gradients(dim, rng):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 2), (2, 4)], -1: [(2, 1), (2, 2), (2, 4)]}[dim]
    arrays = [rng.standard_normal(s) for s in shapes]
    xs = [leaf(a) for a in arrays]
    out = tc.cat(xs, dim)
    np.testing.assert_array_equal(out.detach().numpy(), np.concatenate(arrays, axis=dim))
    f = lambda *ts: tc.cat(ts, dim=dim)  # noqa: E731
    assert tc.gradcheck(f, xs)
    assert tc.gradgradcheck(f, xs)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_values_and_gradients(dim, rng):
    arrays = [rng.standard_normal((2, 3)) for _ in range(3)]
    xs = [leaf(a) for a in arrays]
    out = tc.stack(xs, dim)
    np.testing.assert_array_equal(out.detach().numpy(), np.stack(arrays, axis=dim))
    f = lambda *ts: tc.stack(ts, dim=dim)  # noqa: E731
    assert tc.gradcheck(f, xs)
    assert tc.gradgradcheck(f, xs)


def test_cat_promotes_dtypes_and_mixes_constants():
    a = tc.tensor(np.ones((1, 2), dtype=np.float32), requires_grad=True)
    b = tc.tensor(np.zeros((1, 2), dtype=np.float64))
    out = tc.cat([a, b])
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.shape == (1, 2)


def test_shape_errors_name_the_shapes():
    x = tc.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, -1\)"):
        x.view(4, -1)
    with pytest.raises(ValueError, match="at most one -1"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match="permutation"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="out of range"):
        x.transpose(0, 2)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5]
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(\(3, 1\)|\[\(2, 3\), \(3, 1\)\]"):
        tc.cat([x, tc.tensor(np.ones((3, 1)))], dim=1)
    with pytest.raises(ValueError, match="same shape"):
        tc.stack([x, tc.tensor(np.ones((3, 2)))])
    with pytest.raises(ValueError, match="non-empty"):
        tc.cat([])
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        x.expand(2, 4)
    with pytest.raises(ValueError, match="even number"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="non-negative"):
        F.pad(x, (-1, 1))


# ---------------------------------------------------------------------- PyTorch parity

TORCH_CASES = {
    "reshape": lambda t: t.reshape(4, 6),
    "flatten_1": lambda t: t.flatten(1),
    "transpose": lambda t: t.transpose(0, 2),
    "permute": lambda t: t.permute(2, 0, 1),
    "unsqueeze_mid": lambda t: t.unsqueeze(2),
    "neg_index": lambda t: t[-1, -2],
    "slice": lambda t: t[:, 1:, ::2],
    "int_array_repeat": lambda t: t[:, [2, 0, 2, 2]],
    "int_arrays_pair": lambda t: t[[0, 1, 0], [2, 2, 2]],
    "expand": lambda t: t[:, :1].expand(2, 3, 4),
    "pad_value": None,  # filled in the test (needs torch.nn.functional)
    "pad_two": None,
}


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_shape_ops_match_torch(name, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    torch_fn = TORCH_CASES[name] or {
        "pad_value": lambda t: tf.pad(t, (1, 1, 1, 1, 1, 0), value=-2.0),
        "pad_two": lambda t: tf.pad(t, (0, 1, 2, 0)),
    }[name]
    a = rng.standard_normal(A.shape)
    x, t = leaf(a), torch.tensor(a, requires_grad=True)
    out, ref = CASES[name][0](x), torch_fn(t)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    seed = rng.standard_normal(ref.shape)
    out.backward(tc.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_cat_stack_match_torch(rng):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal((2, 3)) for _ in range(2)]
    for ours_fn, torch_fn in [(tc.cat, torch.cat), (tc.stack, torch.stack)]:
        xs = [leaf(a) for a in arrays]
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        out, ref = ours_fn(xs, 1), torch_fn(ts, 1)
        np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
        seed = rng.standard_normal(ref.shape)
        out.backward(tc.tensor(seed))
        ref.backward(torch.tensor(seed))
        for x, t in zip(xs, ts):
            np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
