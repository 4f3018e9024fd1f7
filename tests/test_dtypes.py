"""Construction and dtypes as PyTorch: inference, legacy constructors, conversions, promotion, errors.

Each expression in the tables is evaluated with ``m`` bound to ``tinygrad_cnn`` and to ``torch``; the
values, the dtype names and the error types must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc


def _dtype_name(d) -> str:
    return str(d).replace("torch.", "")


def _evaluate(expr: str, m):
    try:
        out = eval(expr, {"m": m, "np": np})
    except Exception as exc:  # noqa: BLE001 - the error type is what is compared
        return ("error", type(exc).__name__)
    if hasattr(out, "dtype") and hasattr(out, "shape"):
        return ("tensor", _dtype_name(out.dtype), tuple(out.shape), out.detach().numpy().tolist())
    if hasattr(out, "itemsize") or "dtype" in type(out).__name__:
        return ("dtype", _dtype_name(out))
    return ("value", out)


CONSTRUCTION = [
    "m.tensor([1, 2, 3])",
    "m.tensor([True, False])",
    "m.tensor([1.5, 2])",
    "m.tensor([[1, 2], [3, 4]])",
    "m.tensor(3)",
    "m.tensor(3.5)",
    "m.tensor(True)",
    "m.tensor([])",
    "m.tensor(np.array([1, 2], dtype=np.int32))",
    "m.tensor(np.array([1.0, 2.0]))",
    "m.tensor(np.array([1, 2], dtype=np.uint8))",
    "m.tensor(np.array([True]))",
    "m.tensor(np.float64(2.5))",
    "m.tensor([1, 2], dtype=m.float64)",
    "m.tensor([1.7, -2.7], dtype=m.int64)",
    "m.tensor([0, 3], dtype=m.bool)",
    "m.tensor([1, 2], dtype=m.float16)",
    "m.tensor(m.tensor([1, 2]))",
    "m.from_numpy(np.array([1, 2], dtype=np.int16))",
    "m.from_numpy(np.array([1.0, 2.0], dtype=np.float32))",
    "m.Tensor(2, 3).dtype",
    "tuple(m.Tensor(2, 3).shape)",
    "m.Tensor()",
    "m.Tensor([1, 2])",
    "m.Tensor([[1.5, 2]])",
    "m.Tensor(np.array([1, 2]))",
    "m.FloatTensor(2).dtype",
    "m.FloatTensor([1, 2])",
    "m.LongTensor([1.5, 2.7])",
    "m.LongTensor(3).dtype",
    "tuple(m.LongTensor(3, 1).shape)",
    "m.DoubleTensor([1, 2])",
    "m.IntTensor([1, 2])",
    "m.BoolTensor([1, 0])",
    "m.ByteTensor([1, 255])",
    "m.zeros(2, dtype=m.long)",
    "m.ones(2, dtype=m.int)",
    "m.arange(3)",
    "m.arange(3.0)",
    "m.zeros(2, dtype=m.double)",
    "m.float",
    "m.double",
    "m.long",
    "m.int",
    "m.half",
    "m.short",
    "m.bool",
    "m.float32 == m.float",
    "m.tensor([1.0]).dtype == m.float32",
    "m.tensor([1]).dtype == m.int64",
    "m.tensor([1]).dtype == m.float32",
    "m.tensor([1.0]).is_floating_point()",
    "m.tensor([1]).is_floating_point()",
    "m.is_floating_point(m.tensor([1.0], dtype=m.float64))",
    "m.is_tensor(m.tensor(1))",
    "m.is_tensor(np.zeros(2))",
    "m.get_default_dtype()",
    "isinstance(m.tensor([1]), m.LongTensor)",
    "isinstance(m.tensor([1.0]), m.FloatTensor)",
    "isinstance(m.tensor([1.0]), m.LongTensor)",
    "m.tensor([1, 2], requires_grad=True)",
    "m.tensor([1.0], requires_grad=True).requires_grad",
    "m.zeros(2, dtype=m.int64).requires_grad_()",
    "m.tensor([[1, 2]]).numpy().dtype == np.int64",
]

CONVERSIONS = [
    "m.tensor([1.7, -2.2]).long()",
    "m.tensor([1.7, 0.0]).int()",
    "m.tensor([1.7, 0.0]).bool()",
    "m.tensor([1, 2]).float()",
    "m.tensor([1, 2]).double()",
    "m.tensor([1, 2]).half()",
    "m.tensor([1.5, 2]).short()",
    "m.tensor([1.5, 2]).byte()",
    "m.tensor([1, 2]).type(m.float64)",
    "m.tensor([1, 2]).type()",
    "m.tensor([1.0]).type()",
    "m.tensor([1.0]).double().type()",
    "m.tensor([True]).type()",
    "m.tensor([1], dtype=m.int32).type()",
    "m.tensor([1, 2]).type('torch.DoubleTensor')",
    "m.tensor([1.5, 2]).to(m.int64)",
    "m.tensor([1.5, 2]).type(m.LongTensor)",
    "m.tensor(m.tensor([1.5, 2], requires_grad=True).numpy(force=True))",
    "m.tensor([1.5, 2], requires_grad=True).long().requires_grad",
    "m.tensor([1.5, 2], requires_grad=True).double().requires_grad",
]

PROMOTION = [
    "m.tensor([1, 2]) / 2",
    "m.tensor([1, 2]) / m.tensor([2, 4])",
    "m.tensor([1, 2]) + 1.5",
    "1.5 + m.tensor([1, 2])",
    "m.tensor([1, 2]) * 2",
    "m.tensor([1, 2]) * True",
    "m.tensor([True, False]) + 1",
    "m.tensor([True, False]) + m.tensor([1, 2])",
    "m.tensor([True, False]) + 1.5",
    "m.tensor([True, False]) * m.tensor([True, True])",
    "m.tensor([1.0, 2.0]) + 1",
    "m.tensor([1.0, 2.0]) + 2.5",
    "m.tensor([1.0, 2.0]) + np.float64(2.5)",
    "m.tensor([1.0]) + m.tensor([1.0], dtype=m.float64)",
    "m.tensor([1.0]) + m.tensor(1.0, dtype=m.float64)",
    "m.tensor(1.0, dtype=m.float64) + m.tensor(1.0)",
    "m.tensor([1, 2], dtype=m.int32) + m.tensor(3)",
    "m.tensor([1, 2], dtype=m.int32) + m.tensor([3])",
    "m.tensor([1, 2], dtype=m.int32) + 3",
    "m.tensor([1, 2], dtype=m.uint8) + m.tensor([3], dtype=m.int8)",
    "m.tensor([1, 2]) + m.tensor(1.5)",
    "m.tensor([1, 2]) + m.tensor(1.5, dtype=m.float64)",
    "m.tensor([1.0], dtype=m.float16) + m.tensor([1])",
    "m.tensor([1.0], dtype=m.float16) + 2.5",
    "m.tensor([1, 4]) ** 0.5",
    "m.tensor([1, 4]) ** 2",
    "2 ** m.tensor([1, 4])",
    "m.tensor([3, 4]) - 1",
    "m.tensor([1, 2]) @ m.tensor([3, 4])",
    "m.maximum(m.tensor([1, 5]), m.tensor([2.5, 0.0]))",
    "m.where(m.tensor([True, False]), m.tensor([1.0, 2.0]), 0.0)",
    "m.tensor([1, 2]).sum()",
    "m.tensor([True, False, True]).sum()",
    "m.tensor([1, 2], dtype=m.int32).sum()",
    "m.tensor([1, 2], dtype=m.uint8).sum(0)",
    "m.tensor([1.0, 2.0]).sum()",
    "m.tensor([1, 2]).mean()",
    "m.tensor([True]).mean()",
    "m.tensor([1.0, 3.0]).mean()",
    "m.tensor([[1, 5], [7, 2]]).argmax()",
    "m.tensor([[1, 5], [7, 2]]).argmax(1)",
    "m.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)[1]",
    "m.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)[0]",
    "m.tensor([[1, 5], [7, 2]]).max()",
    "m.tensor([1.0, 2.0]) > 1.5",
    "m.tensor([1, 2]) == m.tensor([1.0, 3.0])",
    "m.tensor([1.0, 2.0]).eq(2)",
    "m.tensor([1.0, 2.0]).ne(2)",
    "m.tensor([1.0, 2.0]).lt(2)",
    "m.tensor([1.0, 2.0]).le(2)",
    "m.tensor([1.0, 2.0]).gt(1)",
    "m.tensor([1.0, 2.0]).ge(m.tensor([2.0, 2.0]))",
    "m.tensor([3, 1, 2])[m.tensor([True, False, True])]",
    "m.tensor([3.0, 1.0, 2.0])[m.tensor([2, 0])]",
    "m.tensor([3.0, 1.0, 2.0])[[2, 0]]",
    "-m.tensor([1, 2])",
    "m.tensor([1, 2]).abs()",
    "m.tensor([1, 2]).clone()",
    "m.cat([m.tensor([1]), m.tensor([2.0])])",
    "m.stack([m.tensor([1]), m.tensor([2])])",
]


def _compare(expr: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _evaluate(expr, tc), _evaluate(expr, torch)
    if ours[0] == "tensor" and theirs[0] == "tensor":
        assert ours[1:3] == theirs[1:3], expr
        np.testing.assert_allclose(np.asarray(ours[3], dtype=float), np.asarray(theirs[3], dtype=float), rtol=1e-6)
    else:
        assert ours == theirs, expr


@pytest.mark.parametrize("expr", CONSTRUCTION)
def test_construction_matches_torch(expr):
    _compare(expr)


@pytest.mark.parametrize("expr", CONVERSIONS)
def test_conversions_match_torch(expr):
    _compare(expr)


@pytest.mark.parametrize("expr", PROMOTION)
def test_promotion_and_result_dtypes_match_torch(expr):
    _compare(expr)


def test_default_dtype_float64_changes_construction_as_torch():
    torch = pytest.importorskip("torch")
    exprs = ["m.tensor([1.5])", "m.Tensor(2).dtype", "m.tensor([1, 2]) / 2", "m.tensor([1]) + 0.5", "m.zeros(1)",
             "m.get_default_dtype()", "m.tensor([1j])"]
    ours, theirs = [], []
    for m, out in ((tc, ours), (torch, theirs)):
        m.set_default_dtype(m.float64)
        try:
            out.extend(_evaluate(e, m) for e in exprs)
        finally:
            m.set_default_dtype(m.float32)
    assert ours == theirs


def test_tensor_copies_from_numpy_shares():
    arr = np.array([1.0, 2.0], dtype=np.float32)
    copied, shared = tc.tensor(arr), tc.from_numpy(arr)
    arr[0] = 9.0
    assert copied.tolist() == [1.0, 2.0] and shared.tolist() == [9.0, 2.0]
    shared[1] = 7.0
    assert arr[1] == 7.0


def test_numpy_shares_memory_and_refuses_tensors_that_require_grad():
    t = tc.zeros(3)
    a = t.numpy()
    a[0] = 5.0
    assert t[0].item() == 5.0
    w = tc.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach"):
        w.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        (w * 2).numpy()
    assert np.shares_memory(w.detach().numpy(), w.data.numpy())


def test_only_floating_point_tensors_can_require_grad():
    for make in (lambda: tc.tensor([1, 2], requires_grad=True), lambda: tc.tensor([True]).requires_grad_(),
                 lambda: tc.nn.Parameter(tc.tensor([1, 2]))):
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            make()


def test_integer_mean_raises_as_torch():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*Got: Long"):
        tc.tensor([1, 2]).mean()


def test_integer_labels_built_the_pytorch_way_work_in_cross_entropy_and_indexing():
    import tinygrad_cnn.functional as F

    logits = tc.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], requires_grad=True)
    target = tc.tensor([0, 2])
    assert target.dtype == tc.int64
    loss = F.cross_entropy(logits, target)
    picked = logits[range(2), target]
    assert picked.tolist() == [2.0, 3.0]
    loss.backward()
    assert logits.grad.shape == (2, 3)


def test_dtype_objects_are_numpy_dtypes_and_accepted_everywhere():
    assert tc.float32 == np.float32 and tc.int64 == np.dtype("int64") and tc.bool == np.bool_
    assert np.zeros(2, dtype=tc.long).dtype == np.int64
    assert tc.zeros(2, dtype=tc.half).dtype == tc.float16
    assert tc.ones(2).to(tc.double).dtype == tc.float64
    assert repr(tc.tensor([1, 2], dtype=tc.int32)) == "tensor([1, 2], dtype=int32)"
    assert repr(tc.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(tc.tensor([True, False])) == "tensor([ True, False])"
    assert tc.promote_types(tc.int64, tc.float16) == tc.float16
    assert tc.result_type(tc.tensor([1, 2]), 1.5) == tc.float32
    assert tc.can_cast(tc.float64, tc.int32) is False and tc.can_cast(tc.int64, tc.float32) is True


def test_legacy_constructor_sizes_and_data():
    t = tc.Tensor(2, 3)
    assert t.shape == (2, 3) and t.dtype == tc.float32 and not t.requires_grad
    assert tc.Tensor().shape == (0,)
    assert tc.Tensor([1, 2]).dtype == tc.float32
    arr = np.ones(3, dtype=np.float32)
    assert np.shares_memory(tc.Tensor(arr).numpy(), arr)  # torch.Tensor(float32 array) shares too
    assert tc.LongTensor(2, 2).dtype == tc.int64 and tc.LongTensor(2, 2).shape == (2, 2)
    with pytest.raises(TypeError):
        tc.Tensor(2, [3])
