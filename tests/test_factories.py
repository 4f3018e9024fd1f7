"""Factories with PyTorch's signatures and dtypes: eye, linspace, logspace, full, empty, randint,
randperm and the ``*_like`` family."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc


def _same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m: m.eye(3),
    lambda m: m.eye(2, 4),
    lambda m: m.eye(3, dtype=m.int64),
    lambda m: m.linspace(0, 1, 5),
    lambda m: m.linspace(-3, 3, 1),
    lambda m: m.linspace(0, 10, 4, dtype=m.int64),
    lambda m: m.logspace(0, 2, 3),
    lambda m: m.logspace(0, 3, 4, base=2.0),
    lambda m: m.full((2, 3), 1.5),
    lambda m: m.full((2,), 7),
    lambda m: m.full((2,), True),
    lambda m: m.full((2,), 7, dtype=m.float64),
    lambda m: m.zeros((2, 3)),
    lambda m: m.ones(2, 3, dtype=m.float64),
    lambda m: m.arange(5),
    lambda m: m.arange(0, 1, 0.25),
    lambda m: m.full_like(m.zeros(2, dtype=m.int64), 3),
    lambda m: m.zeros_like(m.ones(2, 2, dtype=m.float64)),
    lambda m: m.ones_like(m.zeros(3), dtype=m.int64),
])
def test_deterministic_factories_match_pytorch(call):
    torch = pytest.importorskip("torch")
    _same(call(tc), call(torch))


def test_random_factories_shapes_dtypes_and_ranges():
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.randint(10, (3, 4)), lambda m: m.randint(2, 5, (100,)), lambda m: m.randperm(7),
                 lambda m: m.rand(2, 3), lambda m: m.randn(4, dtype=m.float64),
                 lambda m: m.rand_like(m.zeros(2, dtype=m.float64)), lambda m: m.randn_like(m.zeros(3, 2)),
                 lambda m: m.randint_like(m.zeros(5), 3), lambda m: m.randint(0, 3, size=(2,))):
        ours, theirs = call(tc), call(torch)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and ours.shape == tuple(theirs.shape)
    r = tc.randint(2, 5, (1000,))._data
    assert r.min() == 2 and r.max() == 4
    assert sorted(tc.randperm(10)._data.tolist()) == list(range(10))
    u = tc.rand(1000)._data
    assert 0 <= u.min() and u.max() < 1


def test_factories_are_repeatable_under_manual_seed():
    tc.manual_seed(5)
    a = (tc.randint(0, 100, (5,)), tc.randperm(5), tc.randn_like(tc.zeros(3)))
    tc.manual_seed(5)
    b = (tc.randint(0, 100, (5,)), tc.randperm(5), tc.randn_like(tc.zeros(3)))
    for x, y in zip(a, b):
        assert np.array_equal(x._data, y._data)


def test_factory_errors_as_pytorch():
    torch = pytest.importorskip("torch")
    for call in (lambda m: m.zeros(-1), lambda m: m.eye(-1), lambda m: m.randint(3, 3, (2,)),
                 lambda m: m.randperm(-2), lambda m: m.linspace(0, 1, -1), lambda m: m.randn(2, dtype=m.int64)):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(tc)
    with pytest.raises(TypeError):
        tc.zeros(2.5)
    with pytest.raises(TypeError, match="size"):
        tc.randint(3)
    with pytest.raises(TypeError, match="Tensor"):
        tc.zeros_like(np.zeros(2))


def test_requires_grad_on_factories():
    assert tc.eye(2, requires_grad=True).requires_grad
    assert tc.linspace(0, 1, 3, requires_grad=True).requires_grad
    with pytest.raises((RuntimeError, TypeError)):
        tc.randint(0, 3, (2,), requires_grad=True)


def test_sampling_functions():
    torch = pytest.importorskip("torch")
    g = tc.Generator().manual_seed(0)
    x = tc.normal(2.0, 3.0, size=(20000,), generator=g)
    assert x.dtype == np.float32 and abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 3.0) < 0.1
    m = tc.zeros(2, 3, dtype=np.float64)
    y = tc.normal(m, tc.full((3,), 0.5, dtype=np.float64))
    assert y.shape == (2, 3) and y.dtype == np.float64
    assert str(torch.normal(torch.zeros(2, 3, dtype=torch.float64), torch.full((3,), 0.5, dtype=torch.float64)).dtype) \
        == "torch." + str(y.dtype)
    b = tc.bernoulli(tc.full((10000,), 0.3))
    assert b.dtype == np.float32 and set(np.unique(b._data)) <= {0.0, 1.0} and abs(b.mean().item() - 0.3) < 0.03
    assert tc.bernoulli(tc.zeros(5), p=1.0)._data.tolist() == [1.0] * 5
    s = tc.multinomial(tc.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    assert s.dtype == np.int64 and s._data.tolist() == [1, 1]
    rows = tc.multinomial(tc.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]]), 1)
    assert rows.shape == (2, 1) and rows._data[1, 0] == 2
    assert sorted(tc.multinomial(tc.ones(4), 4)._data.tolist()) == [0, 1, 2, 3]
    two = tc.multinomial(tc.tensor([0.0, 1.0, 0.0]), 2)  # PyTorch fills up with zero-weight categories
    assert two._data[0] == 1 and two._data[1] in (0, 2)
    first = [tc.multinomial(tc.tensor([1.0, 3.0]), 1)._data[0] for _ in range(2000)]
    assert abs(np.mean(first) - 0.75) < 0.04
    for call in (lambda m: m.multinomial(m.tensor([1.0, 1.0, 0.0]), 4), lambda m: m.normal(0.0, -1.0, size=(2,)),
                 lambda m: m.bernoulli(m.full((2,), 1.5))):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(tc)
