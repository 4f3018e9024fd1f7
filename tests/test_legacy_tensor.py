"""``tc.Tensor(...)`` and the typed legacy constructors behave as ``torch.Tensor(...)`` (PyTorch 2.13).

Each expression in ``CASES`` is evaluated with ``m`` bound to ``tinygrad_cnn`` (always, against the
expected outcome written in the table) and to ``torch`` (when it is installed, against PyTorch's
outcome). An outcome is an error type, or a shape, a dtype and, for data (not sizes), the values.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn

SIZES = "sizes"  # the values of a tensor made from sizes are not compared (PyTorch leaves them unset)

# expression, expected: (shape, dtype, values or SIZES) or an exception type
CASES = [
    # sizes
    ("m.Tensor()", ((0,), "float32", [])),
    ("m.Tensor(2, 3)", ((2, 3), "float32", SIZES)),
    ("m.Tensor(3)", ((3,), "float32", SIZES)),
    ("m.Tensor(0)", ((0,), "float32", SIZES)),
    ("m.Tensor(np.int64(3))", ((3,), "float32", SIZES)),
    ("m.Tensor(np.array(4))", ((4,), "float32", SIZES)),
    ("m.Tensor(size=(2, 3))", ((2, 3), "float32", SIZES)),
    ("m.Tensor(2, 3, device='cpu')", ((2, 3), "float32", SIZES)),
    ("m.Tensor(2, 3, device=m.device('cpu'))", ((2, 3), "float32", SIZES)),
    ("m.Tensor(-1)", RuntimeError),
    ("m.Tensor(2, -3)", RuntimeError),
    ("m.Tensor(2, 3.0)", TypeError),
    ("m.Tensor(2, [3])", TypeError),
    # Python data
    ("m.Tensor([2, 3])", ((2,), "float32", [2.0, 3.0])),
    ("m.Tensor((2, 3))", ((2,), "float32", [2.0, 3.0])),
    ("m.Tensor([])", ((0,), "float32", [])),
    ("m.Tensor([[]])", ((1, 0), "float32", [[]])),
    ("m.Tensor([1.5, 2])", ((2,), "float32", [1.5, 2.0])),
    ("m.Tensor([True, False])", ((2,), "float32", [1.0, 0.0])),
    ("m.Tensor([[1, 2], [3, 4]])", ((2, 2), "float32", [[1.0, 2.0], [3.0, 4.0]])),
    ("m.Tensor(range(3))", ((3,), "float32", [0.0, 1.0, 2.0])),
    ("m.Tensor(data=[1, 2])", ((2,), "float32", [1.0, 2.0])),
    ("m.Tensor([1, 2], device='cpu')", ((2,), "float32", [1.0, 2.0])),
    ("m.Tensor([np.float64(1), 2])", ((2,), "float32", [1.0, 2.0])),
    ("m.Tensor([m.tensor(1.0), m.tensor(2.0)])", ((2,), "float32", [1.0, 2.0])),
    ("m.Tensor([1e40])", ((1,), "float32", [float("inf")])),
    # Python and NumPy scalars are not data
    ("m.Tensor(3.5)", TypeError),
    ("m.Tensor(True)", TypeError),
    ("m.Tensor(np.float64(3))", TypeError),
    ("m.Tensor(None)", TypeError),
    ("m.Tensor('a')", TypeError),
    # NumPy arrays: every dtype becomes the default dtype
    *[
        (f"m.Tensor(np.array([1, 0, 2], dtype=np.{d}))", ((3,), "float32", [1.0, 0.0, 2.0]))
        for d in ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8")
    ],
    ("m.Tensor(np.array([True, False]))", ((2,), "float32", [1.0, 0.0])),
    ("m.Tensor(np.arange(6.0).reshape(2, 3).T)", ((3, 2), "float32", [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]])),
    ("m.Tensor(np.array(5.0))", ((), "float32", 5.0)),
    ("m.Tensor(np.zeros((0, 2)))", ((0, 2), "float32", [])),
    # a Tensor is aliased: its dtype stays
    ("m.Tensor(m.tensor([1, 2]))", ((2,), "int64", [1, 2])),
    ("m.Tensor(m.tensor([1.0, 2.0], dtype=m.float64))", ((2,), "float64", [1.0, 2.0])),
    ("m.Tensor(m.tensor([True]))", ((1,), "bool", [True])),
    ("m.Tensor(m.tensor(3.0))", ((), "float32", 3.0)),
    # keywords torch.Tensor does not take, and bad combinations
    ("m.Tensor([1, 2], requires_grad=True)", TypeError),
    ("m.Tensor(2, 3, requires_grad=True)", TypeError),
    ("m.Tensor(np.ones(2), requires_grad=True)", TypeError),
    ("m.Tensor([1, 2], dtype=m.float64)", TypeError),
    ("m.Tensor(2, dtype=m.float64)", TypeError),
    ("m.Tensor([1, 2], True)", TypeError),
    ("m.Tensor([1, 2], [3])", TypeError),
    ("m.Tensor([1, 2], data=[3])", TypeError),
    ("m.Tensor([1, 2], device='meta')", RuntimeError),
    # the typed constructors: the same rules with their own dtype
    ("m.FloatTensor(np.array([1.0, 2.0]))", ((2,), "float32", [1.0, 2.0])),
    ("m.DoubleTensor(np.array([1, 2], dtype=np.float32))", ((2,), "float64", [1.0, 2.0])),
    ("m.LongTensor(np.array([1.5, 2.0]))", ((2,), "int64", [1, 2])),
    ("m.LongTensor([1.5])", ((1,), "int64", [1])),
    ("m.IntTensor([1, 2])", ((2,), "int32", [1, 2])),
    ("m.BoolTensor([1, 0])", ((2,), "bool", [True, False])),
    ("m.FloatTensor(2, 3)", ((2, 3), "float32", SIZES)),
    ("m.LongTensor(3)", ((3,), "int64", SIZES)),
    ("m.FloatTensor([1.0], device='cpu')", ((1,), "float32", [1.0])),
    ("m.LongTensor(m.tensor([1, 2]))", ((2,), "int64", [1, 2])),
    ("m.FloatTensor(m.tensor([1.0], dtype=m.float64))", TypeError),
    ("m.FloatTensor([1.0], requires_grad=True)", TypeError),
    ("m.FloatTensor(3.5)", TypeError),
    ("m.BoolTensor(2)", ((2,), "bool", SIZES)),
    ("m.DoubleTensor(m.tensor([1.0]))", TypeError),
    # more sizes, keywords and odd data
    ("m.Tensor(np.uint8(3))", ((3,), "float32", SIZES)),
    ("m.Tensor(np.int64(2), 3)", ((2, 3), "float32", SIZES)),
    ("m.Tensor(size=[2, 3])", ((2, 3), "float32", SIZES)),
    ("m.Tensor(size=2)", TypeError),
    ("m.Tensor(2, 3, size=(2,))", TypeError),
    ("m.Tensor(size=(2,), data=[1])", TypeError),
    ("m.Tensor(device='cpu')", ((0,), "float32", [])),
    ("m.Tensor(data=np.ones(2))", ((2,), "float32", [1.0, 1.0])),
    ("m.Tensor((np.int64(2), np.int64(3)))", ((2,), "float32", [2.0, 3.0])),
    ("m.Tensor(np.array(True))", ((), "float32", 1.0)),
    ("m.Tensor(m.tensor([1.0]).expand(3))", ((3,), "float32", [1.0, 1.0, 1.0])),
    ("m.Tensor([[1, 2], [3]])", ValueError),
    ("m.Tensor(np.array(['a']))", TypeError),
    ("m.Tensor(np.array([1.0], dtype=object))", TypeError),
    ("m.Tensor({1: 2})", TypeError),
    # a Tensor inside a list is one number (torch.tensor too)
    ("m.Tensor([m.tensor([1.0]), m.tensor([2.0])])", ((2,), "float32", [1.0, 2.0])),
    ("m.Tensor([m.tensor([1.0, 2.0])])", ValueError),
    ("m.tensor([m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0])])", ValueError),
    ("m.tensor([m.tensor(1), m.tensor(2)])", ((2,), "int64", [1, 2])),
    ("m.tensor([[m.tensor(1)], [m.tensor([2])]])", ((2, 1), "int64", [[1], [2]])),
]


def _dtype_name(d) -> str:
    return str(d).replace("torch.", "")


def _outcome(m, expr: str):
    """What ``expr`` gives with ``m``: an exception type, or (shape, dtype name, values or SIZES)."""
    try:
        t = eval(expr, {"m": m, "np": np})
    except Exception as exc:  # noqa: BLE001 - the exception type is the outcome
        return RuntimeError if isinstance(exc, RuntimeError) else type(exc)
    return tuple(t.shape), _dtype_name(t.dtype), t.tolist()


def _same(got, expected) -> bool:
    if isinstance(expected, type):
        return got is expected
    if isinstance(got, type):
        return False
    shape, dtype, values = expected
    return got[:2] == (shape, dtype) and (values == SIZES or np.array_equal(got[2], values))


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[c[0] for c in CASES])
def test_legacy_constructor_table(expr, expected):
    got = _outcome(tc, expr)
    assert _same(got, expected), f"{expr}: got {got}, expected {expected}"


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[c[0] for c in CASES])
def test_legacy_constructor_table_matches_torch(expr, expected):
    torch = pytest.importorskip("torch")
    theirs = _outcome(torch, expr)
    assert _same(theirs, expected), f"{expr}: PyTorch gives {theirs}, the table says {expected}"


def test_sizes_give_zeros_and_data_errors_name_what_came():
    assert tc.Tensor(2, 3).numpy().tolist() == [[0.0] * 3] * 2
    with pytest.raises(TypeError, match="data must be a sequence.*float"):
        tc.Tensor(3.5)
    with pytest.raises(TypeError, match="requires_grad"):
        tc.Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        tc.Tensor(2, -1)
    with pytest.raises(RuntimeError, match="expects device type: cpu but device type: cuda"):
        tc.Tensor(2, device="cuda")
    with pytest.raises(TypeError, match="expected a float32 tensor, got float64"):
        tc.FloatTensor(tc.tensor([1.0], dtype=tc.float64))


def test_default_dtype_is_what_data_and_sizes_become():
    tc.set_default_dtype(tc.float64)
    assert tc.Tensor([1, 2]).dtype == np.float64
    assert tc.Tensor(2).dtype == np.float64
    assert tc.Tensor(np.ones(2, dtype=np.float32)).dtype == np.float64
    assert tc.FloatTensor([1, 2]).dtype == np.float32  # the typed ones keep theirs


def test_default_dtype_float64_matches_torch():
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        theirs = [torch.Tensor([1, 2]).dtype, torch.Tensor(2).dtype, torch.Tensor(np.ones(2, np.float32)).dtype]
    finally:
        torch.set_default_dtype(old)
    tc.set_default_dtype(tc.float64)
    ours = [tc.Tensor([1, 2]).dtype, tc.Tensor(2).dtype, tc.Tensor(np.ones(2, np.float32)).dtype]
    assert [_dtype_name(d) for d in ours] == [_dtype_name(d) for d in theirs]


@pytest.mark.parametrize("m_name", ["tinygrad_cnn", "torch"])
def test_a_float32_array_is_shared_and_others_are_copied(m_name):
    m = pytest.importorskip(m_name)
    a32, a64 = np.zeros(3, dtype=np.float32), np.zeros(3)
    t32, t64 = m.Tensor(a32), m.Tensor(a64)
    a32[0] = a64[0] = 9
    assert t32[0].item() == 9 and t64[0].item() == 0


@pytest.mark.parametrize("m_name", ["tinygrad_cnn", "torch"])
def test_a_tensor_is_aliased_and_gradients_flow_back(m_name):
    m = pytest.importorskip(m_name)
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    y = m.Tensor(x)
    assert y is not x and y.dtype == m.float64 and y.grad_fn is not None and y.requires_grad
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    z = m.tensor([1, 2])
    w = m.Tensor(z)
    w.add_(1)  # the same storage and version counter
    assert z.tolist() == [2, 3] and z._version == w._version == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: tc.Tensor(2), lambda: tc.Tensor([1]), lambda: tc.Tensor(tc.tensor([1])), lambda: tc.tensor([1]),
        lambda: tc.from_numpy(np.ones(2)), lambda: tc.zeros(2) + 1, lambda: nn.Parameter(tc.ones(2)),
        lambda: tc.LongTensor([1]), lambda: copy.deepcopy(tc.tensor([1.0])),
        lambda: pickle.loads(pickle.dumps(tc.tensor([1.0]))),
    ],
)
def test_every_tensor_is_an_instance_of_tensor(make):
    t = make()
    assert isinstance(t, tc.Tensor) and type(t).__name__ in ("Tensor", "Parameter")


def test_typed_isinstance_checks_the_dtype():
    assert isinstance(tc.tensor([1]), tc.LongTensor) and not isinstance(tc.tensor([1]), tc.FloatTensor)
    assert isinstance(tc.Tensor([1]), tc.FloatTensor)


def test_deepcopy_and_pickle_keep_the_dtype_and_values():
    x = tc.tensor([1.0, 2.0], dtype=tc.float64, requires_grad=True)
    for y in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert y.dtype == np.float64 and y.tolist() == [1.0, 2.0] and y.requires_grad and y is not x


@pytest.mark.parametrize("m_name", ["tinygrad_cnn", "torch"])
def test_parameter_keeps_the_data_dtype_and_shares_it(m_name):
    m = pytest.importorskip(m_name)
    x = m.tensor([1.0, 2.0], dtype=m.float64)
    p = m.nn.Parameter(x)
    assert p.dtype == m.float64 and p.requires_grad and p.grad_fn is None
    with m.no_grad():
        p.mul_(2)
    assert x.tolist() == [2.0, 4.0]
    assert m.nn.Parameter(m.Tensor(2, 3)).dtype == m.float32
    assert m.nn.Parameter(m.tensor([1, 2]), requires_grad=False).dtype == m.int64
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        m.nn.Parameter(m.tensor([1, 2]))
