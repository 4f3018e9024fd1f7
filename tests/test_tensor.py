"""Tensor construction, dtype rules, attributes and factories (CONTRACT.md, "Tensor")."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor

# ---------------------------------------------------------------------- construction and dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_and_numpy_scalars_keep_their_dtype(dtype):
    assert tc.tensor(np.zeros((2, 3), dtype=dtype)).dtype == dtype
    assert tc.tensor(dtype(1.5)).dtype == dtype
    assert tc.tensor(np.zeros(0, dtype=dtype)).shape == (0,)


@pytest.mark.parametrize(
    "data", [[1, 2, 3], [[1.0, 2.0]], (1, 2), [True, False], np.arange(4), np.arange(4, dtype=np.int32)]
)
def test_lists_and_integer_arrays_become_default_float32(data):
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.asarray(data, dtype=np.float32))


def test_explicit_integer_dtype_keeps_integers():
    t = tc.tensor([3, 1, 2], dtype=np.int64)
    assert t.dtype == np.int64
    assert t.numpy().tolist() == [3, 1, 2]
    assert tc.tensor(np.array([1, 2]), dtype="int32").dtype == np.int32
    assert tc.tensor([1.0, 2.0], dtype=np.float64).dtype == np.float64


def test_set_default_dtype_changes_what_numbers_become():
    tc.set_default_dtype(np.float64)
    assert tc.get_default_dtype() == np.float64
    assert Tensor([1.0]).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    assert tc.zeros(2).dtype == np.float64
    assert tc.randn(2).dtype == np.float64
    assert tc.tensor(np.zeros(2, dtype=np.float32)).dtype == np.float32  # arrays still keep theirs
    tc.set_default_dtype(np.float32)
    assert Tensor([1.0]).dtype == np.float32


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError, match="float32 or float64"):
        tc.set_default_dtype(np.int64)


def test_tensor_from_tensor_and_from_list_of_tensors():
    a = tc.tensor(np.arange(3.0))
    assert Tensor(a).dtype == np.float64  # PyTorch's Tensor(tensor) aliases it, keeping its dtype
    b = Tensor([tc.tensor(np.float32(1.0)), tc.tensor(np.float32(2.0))])
    np.testing.assert_array_equal(b.numpy(), [1.0, 2.0])


def test_bad_data_raises_clear_errors():
    with pytest.raises(TypeError, match="numbers"):
        Tensor(["a", "b"])
    with pytest.raises(ValueError, match="could not build"):
        Tensor([[1, 2], [3]])


# ---------------------------------------------------------------------- attributes


def test_data_is_a_detached_tensor_sharing_storage():
    t = tc.tensor(np.arange(4.0), requires_grad=True)
    assert isinstance(t.data, Tensor) and not t.data.requires_grad
    assert np.shares_memory(t.data.numpy(), t.detach().numpy())
    t.data -= 1.0  # the SGD idiom
    np.testing.assert_array_equal(t.detach().numpy(), [-1.0, 0.0, 1.0, 2.0])
    arr = np.ones(3)
    assert tc.tensor(arr).numpy() is not arr  # tc.tensor copies, like torch.tensor


def test_shape_ndim_size_numel_len():
    t = tc.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.numel() == 24 and len(t) == 2
    assert tc.zeros((2, 3)).shape == (2, 3)


def test_item():
    assert tc.tensor(np.float64(2.5)).item() == 2.5
    assert isinstance(Tensor([[7.0]]).item(), float)
    assert tc.tensor([4], dtype=np.int64).item() == 4
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_detach_shares_data_and_cuts_the_graph():
    x = tc.tensor(np.ones(3), requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), y.detach().numpy()) and d._version == y._version
    z = d * 3
    assert not z.requires_grad


def test_leaf_and_grad_fn():
    x = tc.tensor(np.ones(3), requires_grad=True)
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    y = x.exp()
    assert not y.is_leaf and y.grad_fn.name() == "exp"
    assert y.requires_grad
    c = tc.tensor(np.ones(3))
    assert not (c * 2).requires_grad and (c * 2).grad_fn is None


def test_requires_grad_on_integer_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="floating point"):  # PyTorch's error type and words
        tc.tensor([1, 2], dtype=np.int64, requires_grad=True)
    t = tc.arange(3)
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad = True


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf():
    x = tc.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False
    x.requires_grad_(False)
    assert not x.requires_grad


def test_grad_can_be_reset_to_none():
    x = tc.tensor(np.ones(2), requires_grad=True)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_gradient_dtype_matches_the_tensor():
    w = tc.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    x = tc.tensor(np.arange(3.0))  # float64 data
    y = w * x
    assert y.dtype == np.float64  # NumPy promotion
    y.sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 1.0, 2.0])


def test_python_scalars_do_not_promote():
    x = Tensor(np.ones(2, dtype=np.float32))
    assert (x * 2.5).dtype == np.float32
    assert (2 + x).dtype == np.float32
    assert (x / 3).dtype == np.float32
    assert (x**2).dtype == np.float32
    assert (np.float32(2) * x).dtype == np.float32


def test_to_and_casts():
    x = tc.tensor(np.arange(3.0, dtype=np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.to(np.float32) is x
    assert x.long().dtype == np.int64 and x.int().dtype == np.int32 and x.bool().dtype == bool


def test_comparisons_give_bool_tensors_without_gradient():
    x = tc.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    cases = [(x > 2, [0, 0, 1]), (x >= 2, [0, 1, 1]), (x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0])]
    for r, expected in cases + [(x == 2, [0, 1, 0]), (x != 2, [1, 0, 1])]:
        assert r.dtype == bool and not r.requires_grad
        np.testing.assert_array_equal(r.numpy(), np.array(expected, dtype=bool))


def test_repr_mentions_grad_fn_and_requires_grad():
    x = tc.tensor([1.0, 2.0], requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<mul>" in repr(x * 2)
    assert "dtype=float64" in repr(tc.tensor(np.ones(1)))


def test_bool_float_int_and_iteration():
    assert bool(Tensor([1.0])) and float(tc.tensor(2.0)) == 2.0 and int(tc.tensor(3.0)) == 3
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))
    rows = list(tc.tensor(np.arange(6.0).reshape(3, 2)))
    assert len(rows) == 3 and rows[1].numpy().tolist() == [2.0, 3.0]


def test_numpy_array_on_the_left_uses_tensor_operators():
    x = tc.tensor(np.ones(2), requires_grad=True)
    y = np.array([2.0, 3.0]) * x
    assert isinstance(y, Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 3.0])


def test_setitem_on_plain_tensor_and_error_when_requires_grad():
    t = tc.zeros(3)
    t[1] = 5.0
    np.testing.assert_array_equal(t.numpy(), [0.0, 5.0, 0.0])
    p = tc.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        p[0] = 1.0


# ---------------------------------------------------------------------- factories


def test_factories_shapes_dtypes_and_requires_grad():
    assert tc.zeros(2, 3).numpy().tolist() == [[0.0] * 3] * 2
    assert tc.ones((2,), dtype=np.float64).dtype == np.float64
    assert tc.full((2, 2), 7.0).numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert tc.zeros_like(tc.ones(2, 2)).shape == (2, 2)
    assert tc.ones_like(tc.tensor(np.zeros(3))).dtype == np.float64
    assert tc.zeros(3, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):  # PyTorch's error type
        tc.zeros(-1)


def test_arange_like_torch():
    assert tc.arange(4).dtype == np.int64
    assert tc.arange(4).numpy().tolist() == [0, 1, 2, 3]
    assert tc.arange(1, 2, 0.5).dtype == np.float32
    np.testing.assert_allclose(tc.arange(1, 2, 0.5).numpy(), [1.0, 1.5])
    with pytest.raises(ValueError, match="step"):
        tc.arange(0, 1, 0)


def test_manual_seed_makes_randn_and_rand_repeatable():
    tc.manual_seed(123)
    a, b = tc.randn(3, 4), tc.rand(5)
    tc.manual_seed(123)
    np.testing.assert_array_equal(a.numpy(), tc.randn(3, 4).numpy())
    np.testing.assert_array_equal(b.numpy(), tc.rand(5).numpy())
    assert a.dtype == np.float32
    assert 0.0 <= b.numpy().min() and b.numpy().max() < 1.0
    big = tc.randn(20000).numpy()
    assert abs(big.mean()) < 0.05 and abs(big.std() - 1.0) < 0.05


def test_tensor_factory_copies_and_keeps_requires_grad():
    arr = np.arange(3.0)
    t = tc.tensor(arr, requires_grad=True)
    arr[0] = 100.0
    assert t.detach().numpy()[0] == 0.0 and t.requires_grad
    assert tc.tensor([1, 2], dtype=np.int64).dtype == np.int64


def test_sign_and_round_carry_no_gradient():
    x = tc.tensor(np.array([-1.5, 0.0, 0.5, 2.5]), requires_grad=True)
    np.testing.assert_array_equal(x.sign().numpy(), [-1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.round().numpy(), [-2.0, 0.0, 0.0, 2.0])  # half to even, as torch.round
    assert not x.round().requires_grad
