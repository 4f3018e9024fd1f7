"""Devices, CPU only: ``tc.device``, ``device=`` on factories, ``.to(...)``, ``.cpu()``/``.cuda()``, and the
availability queries, each as PyTorch (a CPU-only build) answers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import nn


def test_device_object_as_pytorch():
    d = tc.device("cpu")
    assert d.type == "cpu" and d.index is None
    assert repr(d) == "device(type='cpu')" and str(d) == "cpu"
    assert repr(tc.device("cpu", 0)) == "device(type='cpu', index=0)"
    assert tc.device("cuda:1").index == 1 and str(tc.device("cuda:1")) == "cuda:1"
    assert tc.device(tc.device("cuda", 2)) == tc.device("cuda:2")
    assert tc.device("cpu") == tc.device("cpu") and tc.device("cpu") != tc.device("cpu", 0)
    assert tc.device("cpu") != "cpu"  # as PyTorch: a device never equals a string
    assert len({tc.device("cpu"), tc.device("cpu")}) == 1
    assert pickle.loads(pickle.dumps(tc.device("cuda", 1))) == tc.device("cuda:1")


def test_device_parity_with_pytorch():
    torch = pytest.importorskip("torch")
    for args in (("cpu",), ("cpu", 0), ("cuda",), ("cuda:3",), ("mps",), ("cuda", 1)):
        ours, theirs = tc.device(*args), torch.device(*args)
        assert (ours.type, ours.index, repr(ours), str(ours)) == (theirs.type, theirs.index, repr(theirs), str(theirs))
    for bad in ("gpu", "cpu:x", "cuda:-1"):
        with pytest.raises(RuntimeError):
            torch.device(bad)
        with pytest.raises(RuntimeError):
            tc.device(bad)
    with pytest.raises(RuntimeError):
        tc.device("cpu", -1)


def test_queries_say_cpu_only():
    assert tc.cuda.is_available() is False and tc.cuda.device_count() == 0
    assert tc.backends.mps.is_available() is False
    assert tc.accelerator.is_available() is False and tc.accelerator.current_accelerator() is None
    tc.backends.cudnn.benchmark = True
    tc.backends.cudnn.deterministic = True
    assert tc.backends.cudnn.benchmark and tc.backends.cudnn.deterministic
    tc.backends.cudnn.benchmark = False
    tc.cuda.manual_seed(1)  # a no-op, as on a machine without CUDA


def test_typical_device_selection_takes_the_cpu_path():
    use_cuda = tc.cuda.is_available()
    use_mps = tc.backends.mps.is_available()
    dev = tc.device("cuda" if use_cuda else "mps" if use_mps else "cpu")
    acc = tc.accelerator.current_accelerator().type if tc.accelerator.is_available() else "cpu"
    model = nn.Linear(3, 2).to(dev)
    x = tc.randn(4, 3, device=dev).to(acc)
    assert model(x).device == dev


@pytest.mark.parametrize("factory", [
    lambda d: tc.zeros(2, 3, device=d), lambda d: tc.ones(2, device=d), lambda d: tc.full((2,), 1.0, device=d),
    lambda d: tc.empty(2, device=d), lambda d: tc.eye(2, device=d), lambda d: tc.arange(3, device=d),
    lambda d: tc.linspace(0, 1, 5, device=d), lambda d: tc.rand(2, device=d), lambda d: tc.randn(2, device=d),
    lambda d: tc.randint(0, 3, (2,), device=d), lambda d: tc.randperm(3, device=d),
    lambda d: tc.tensor([1.0], device=d), lambda d: tc.as_tensor([1.0], device=d),
    lambda d: tc.zeros_like(tc.ones(2), device=d), lambda d: tc.randn_like(tc.ones(2), device=d),
    lambda d: tc.ones(2).new_zeros(3, device=d),
])
def test_every_factory_takes_device(factory):
    assert factory("cpu").device == tc.device("cpu")
    assert factory(tc.device("cpu")).device.type == "cpu"
    assert factory(None).device.type == "cpu"
    with pytest.raises(AssertionError, match="CUDA"):
        factory("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        factory("mps")


def test_tensor_to_forms_as_pytorch():
    x = tc.randn(2, 3, requires_grad=True)
    assert x.device == tc.device("cpu") and not x.is_cuda and x.is_cpu and x.get_device() == -1
    assert x.to("cpu") is x and x.cpu() is x and x.to(tc.device("cpu")) is x
    assert x.to(np.float32) is x and x.to(dtype=np.float32) is x
    y = x.to("cpu", np.float64)
    assert y.dtype == np.float64 and y.grad_fn is not None
    assert x.to(device="cpu", dtype=np.float64).dtype == np.float64
    assert x.to(tc.zeros(1, dtype=np.float64)).dtype == np.float64
    assert x.to(np.float64, non_blocking=True, copy=False).dtype == np.float64
    c = x.to("cpu", copy=True)
    assert c is not x and np.array_equal(c._data, x._data) and c._data is not x._data
    y.sum().backward()
    assert x.grad.dtype == np.float32 and np.all(x.grad._data == 1)
    i = x.to(np.int64)
    assert i.dtype == np.int64 and not i.requires_grad
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        x.cuda()
    with pytest.raises(AssertionError):
        x.to("cuda:0")
    with pytest.raises(RuntimeError):
        x.to("mps")
    with pytest.raises(TypeError):
        x.to([1])


def test_tensor_to_matches_pytorch_results():
    torch = pytest.importorskip("torch")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for call in (lambda t, m: t.to(m.float64), lambda t, m: t.to("cpu"), lambda t, m: t.to("cpu", m.float64),
                 lambda t, m: t.to(device="cpu"), lambda t, m: t.to(m.int64)):
        ours, theirs = call(tc.tensor(a), tc), call(torch.tensor(a), torch)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours._data, theirs.numpy())


def test_module_to_cpu_cuda():
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    assert m.to("cpu") is m and m.cpu() is m and m.to(tc.device("cpu")) is m
    assert m.to(np.float64) is m and m[0].weight.dtype == np.float64
    m.to(tc.zeros(1, dtype=np.float32))
    assert m[0].weight.dtype == np.float32
    m.to(device="cpu", dtype=np.float64)
    assert all(p.dtype == np.float64 for p in m.parameters())
    with pytest.raises(AssertionError, match="CUDA"):
        m.cuda()
    with pytest.raises(AssertionError):
        m.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        m.to(np.int64)
    assert all(p.dtype == np.float64 for p in m.parameters())  # a refused call changes nothing


def test_generator_objects():
    g = tc.Generator().manual_seed(3)
    a = tc.randn(4, generator=g)
    b = tc.randn(4, generator=tc.Generator().manual_seed(3))
    assert np.array_equal(a._data, b._data) and g.initial_seed() == 3
    state = g.get_state()
    c = tc.rand(3, generator=g)
    g.set_state(state)
    assert np.array_equal(tc.rand(3, generator=g)._data, c._data)
    assert tc.randperm(5, generator=np.random.default_rng(0)).dtype == np.int64
    with pytest.raises(TypeError, match="generator"):
        tc.rand(2, generator=3)


def test_default_device_and_context():
    tc.set_default_device("cpu")
    tc.set_default_device(None)
    assert tc.get_default_device() == tc.device("cpu")
    with pytest.raises(AssertionError):
        tc.set_default_device("cuda")
    with tc.device("cpu") as d:
        assert tc.zeros(1).device == d
    with pytest.raises(AssertionError):
        with tc.device("cuda"):
            pass
    tc.cuda.empty_cache()
    with pytest.raises(AssertionError):
        tc.cuda.synchronize()
