"""What public PyTorch programs (GANs, tutorials) use beyond the MNIST examples: ``import torch.backends.cudnn
as cudnn``, ``nn.parallel``/``DataParallel`` on a CPU-only build, the device queries of device-generic code,
and ``transforms.Resize``; compared with PyTorch (and Pillow) where they are installed."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.nn as nn
from tinygrad_cnn.data.vision import transforms


def test_backend_namespaces_import_as_modules():
    cudnn = importlib.import_module("tinygrad_cnn.backends.cudnn")
    assert cudnn is tc.backends.cudnn
    cudnn.benchmark = True
    assert tc.backends.cudnn.benchmark is True
    cudnn.benchmark = False
    assert importlib.import_module("tinygrad_cnn.backends.mps").is_available() is False
    assert importlib.import_module("tinygrad_cnn.cuda") is tc.cuda


def test_tensor_device_queries_are_false_on_the_cpu():
    x = tc.zeros(2)
    assert (x.is_cpu, x.is_cuda, x.is_xpu, x.is_mps, x.is_meta, x.is_sparse, x.is_quantized) == (
        True, False, False, False, False, False, False)


def test_data_parallel_runs_the_module_and_prefixes_state_dict():
    tc.manual_seed(0)
    inner = nn.Linear(3, 2)
    dp = nn.DataParallel(inner)
    assert dp.module is inner and dp.device_ids == []
    x = tc.randn(4, 3)
    assert np.array_equal(dp(x).detach().numpy(), inner(x).detach().numpy())
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert sum(p.numel() for p in dp.parameters()) == 8
    assert importlib.import_module("tinygrad_cnn.nn.parallel").DataParallel is nn.DataParallel


def test_functional_data_parallel_raises_as_cpu_pytorch():
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        nn.parallel.data_parallel(nn.Linear(2, 2), tc.ones(1, 2))
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="device type could not be determined"):
            torch.nn.parallel.data_parallel(torch.nn.Linear(2, 2), torch.ones(1, 2))


@pytest.mark.parametrize("shape,size", [((28, 28), 32), ((28, 28), 20), ((17, 23), (40, 9)),
                                        ((30, 20, 3), 13), ((5, 7), (5, 12)), ((8, 8), 8)])
def test_resize_uint8_is_pillows_bilinear(shape, size):
    image = pytest.importorskip("PIL.Image")
    a = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    ours = transforms.Resize(size)(a)
    assert ours.dtype == np.uint8 and ours.ndim == a.ndim
    h, w = ours.shape[:2]
    pil = np.asarray(image.fromarray(a).resize((w, h), image.BILINEAR))
    assert np.array_equal(ours, pil)
    back = transforms.Resize(size)(image.fromarray(a))  # a PIL image stays one
    assert back.size == (w, h)


def test_resize_int_matches_smaller_edge_and_keeps_aspect():
    r = transforms.Resize(10)
    assert r(np.zeros((20, 35), np.uint8)).shape == (10, 17)  # int(10 * 35 / 20) = 17
    assert r(np.zeros((35, 20, 3), np.uint8)).shape == (17, 10, 3)
    assert transforms.Resize(10, max_size=12)(np.zeros((20, 35), np.uint8)).shape == (7, 12)
    assert transforms.Resize([7])(np.zeros((7, 9), np.uint8)).shape == (7, 9)
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(transforms.Resize((3, 4))(a), a)


@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [32, 13, (9, 40)])
def test_resize_float_tensor_matches_interpolate(size, antialias):
    torch = pytest.importorskip("torch")
    f = np.random.default_rng(1).standard_normal((2, 3, 28, 21)).astype(np.float32)
    ours = transforms.Resize(size, antialias=antialias)(tc.from_numpy(f))
    assert ours.dtype == tc.float32
    h, w = ours.shape[-2:]
    ref = torch.nn.functional.interpolate(torch.from_numpy(f), size=(h, w), mode="bilinear",
                                          antialias=antialias, align_corners=False)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), atol=1e-5)


def test_resize_bad_input_errors():
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        transforms.Resize(2.5)
    with pytest.raises(NotImplementedError, match="bilinear"):
        transforms.Resize(4, interpolation="bicubic")
    with pytest.raises(ValueError, match="max_size"):
        transforms.Resize((4, 4), max_size=8)
    with pytest.raises(ValueError, match="strictly greater"):
        transforms.Resize(8, max_size=8)(np.zeros((8, 9), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        transforms.Resize(4)(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="shape"):
        transforms.Resize(4)(np.zeros((2, 8, 8, 1), np.uint8))


def test_resize_keeps_leading_elements_like_pytorch():
    torch = pytest.importorskip("torch")
    for start, new in [((6,), (2, 2)), ((3,), (5,)), ((2, 3), (3, 2)), ((4, 3, 2, 2), (2, 3)), ((2, 2), (0,))]:
        a = np.arange(np.prod(start), dtype=np.float32).reshape(start)
        ours, ref = tc.from_numpy(a.copy()), torch.tensor(a)
        assert ours.resize_(*new) is ours
        ref.resize_(*new)
        assert ours.shape == tuple(ref.shape)
        k = min(a.size, int(np.prod(new)))  # beyond the old size PyTorch leaves memory uninitialised
        np.testing.assert_array_equal(ours.numpy().reshape(-1)[:k], ref.numpy().reshape(-1)[:k])
    x = tc.arange(6.0)
    assert x.resize_((2, 3)).shape == (2, 3) and x.resize_as_(tc.zeros(3)).shape == (3,)
    assert np.array_equal(x.numpy(), [0.0, 1.0, 2.0])


def test_resize_of_data_leaves_the_tensor_and_shares_memory():
    buf = tc.zeros(4)
    small = buf.data.resize_(2).fill_(1.0)  # the legacy preallocated-buffer idiom
    assert buf.shape == (4,) and small.shape == (2,)
    assert np.array_equal(buf.numpy(), [1.0, 1.0, 0.0, 0.0])
    v = buf._version
    buf.resize_(3)
    assert buf._version > v


def test_resize_errors_as_pytorch():
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        tc.zeros(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        (tc.zeros(2, requires_grad=True) * 1).resize_(3)
    with pytest.raises(RuntimeError, match="negative dimension"):
        tc.zeros(2).resize_(-1)
    with pytest.raises(TypeError, match="tuple of ints"):
        tc.zeros(2).resize_(2.0)


def test_one_element_integer_tensor_is_an_index_like_pytorch():
    torch = pytest.importorskip("torch")
    seq = (10, 20, 30)
    for value, dtype in [(1, "int64"), ([2], "int64"), ([[1]], "int32"), (True, "bool"), (1, "uint8")]:
        ours = tc.tensor(value, dtype=getattr(tc, dtype))
        ref = torch.tensor(value, dtype=getattr(torch, dtype))
        assert seq[ours] == seq[ref]
        assert ours.__index__() == ref.__index__()
    for bad in (tc.tensor(1.0), tc.tensor([1, 2]), tc.tensor([], dtype=tc.int64)):
        with pytest.raises(TypeError, match="only integer tensors of a single element"):
            seq[bad]
    assert list(range(5))[tc.tensor(3)] == 3
    a = np.arange(6).reshape(2, 3)
    assert a[tc.tensor([1])].shape == a[torch.tensor([1])].shape  # NumPy takes both as the integer 1


def test_shape_is_a_size_like_torch_size():
    torch = pytest.importorskip("torch")
    x, r = tc.zeros(2, 3), torch.zeros(2, 3)
    assert isinstance(x.shape, tc.Size) and isinstance(x.size(), tc.Size) and isinstance(x.shape, tuple)
    assert x.shape == (2, 3) == tc.Size([2, 3]) and x.size(1) == 3
    for ours, ref in [(x.shape[1:], r.shape[1:]), (x.shape + (4,), r.shape + (4,)), ((1,) + x.shape, (1,) + r.shape),
                      (x.shape * 2, r.shape * 2), (tc.Size(), torch.Size())]:
        assert isinstance(ours, tc.Size) and isinstance(ref, torch.Size) and tuple(ours) == tuple(ref)
    assert x.shape.numel() == r.shape.numel() == 6 and tc.Size().numel() == torch.Size().numel() == 1
    assert isinstance(x.shape[0], int)
    assert repr(x.shape) == "Size([2, 3])" and str(x.shape) == "(2, 3)" and f"{x.shape}" == "(2, 3)"
    assert tc.zeros(tc.Size([4, 1])).shape == (4, 1) and x.view(tc.Size([3, 2])).shape == (3, 2)
    assert tc.Size([np.int64(2), tc.tensor(3)]) == (2, 3)
    with pytest.raises(TypeError, match="sequence of ints"):
        tc.Size([2.0])


def test_size_pickles_and_saves_as_a_tuple(tmp_path):
    import pickle

    s = tc.zeros(2, 3).shape
    back = pickle.loads(pickle.dumps(s))
    assert isinstance(back, tc.Size) and back == s
    tc.save({"shape": s}, tmp_path / "s.pt")
    assert tc.load(tmp_path / "s.pt") == {"shape": (2, 3)}


def _embedding_case(torch, **kw):
    w = np.random.default_rng(2).standard_normal((6, 3))
    ids = np.array([[0, 2, 0, 5], [3, 0, 1, 2]])
    g = np.random.default_rng(3).standard_normal((2, 4, 3))
    wt, wr = tc.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    ours = tc.functional.embedding(tc.tensor(ids), wt, **kw)
    ref = torch.nn.functional.embedding(torch.tensor(ids), wr, **kw)
    ours.backward(tc.tensor(g))
    ref.backward(torch.tensor(g))
    return ours, ref, wt, wr


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                {"padding_idx": 0, "scale_grad_by_freq": True}, {"max_norm": 1.0},
                                {"max_norm": 1.5, "norm_type": 1.0}])
def test_embedding_values_and_gradients_match_pytorch(kw):
    torch = pytest.importorskip("torch")
    ours, ref, wt, wr = _embedding_case(torch, **kw)
    assert ours.shape == tuple(ref.shape) and ours.dtype == tc.float64
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(wt.grad.numpy(), wr.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(wt.detach().numpy(), wr.detach().numpy(), rtol=1e-12)  # max_norm renormalises


def test_embedding_gradcheck_and_gradgradcheck():
    # (padding_idx and scale_grad_by_freq change the gradient on purpose, so only the plain lookup is checked)
    kw: dict = {}
    ids = tc.tensor([[0, 1, 1], [2, 0, 1]])
    w = tc.tensor(np.random.default_rng(4).standard_normal((3, 2)), requires_grad=True)
    fn = lambda weight: tc.functional.embedding(ids, weight, **kw) ** 2  # noqa: E731 - curvature for gradgrad
    assert tc.gradcheck(fn, (w,))
    assert tc.gradgradcheck(fn, (w,))


def test_embedding_module_as_pytorch():
    torch = pytest.importorskip("torch")
    tc.manual_seed(0)
    e = nn.Embedding(10, 4, padding_idx=3)
    assert isinstance(e.weight, nn.Parameter) and e.weight.shape == (10, 4) and e.weight.requires_grad
    assert np.array_equal(e.weight[3].detach().numpy(), np.zeros(4))
    big = nn.Embedding(2000, 50).weight.detach().numpy()
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1) < 0.02  # N(0, 1), as PyTorch
    assert repr(e) == repr(torch.nn.Embedding(10, 4, padding_idx=3)) == "Embedding(10, 4, padding_idx=3)"
    assert repr(nn.Embedding(5, 2, max_norm=1.0, scale_grad_by_freq=True)) == repr(
        torch.nn.Embedding(5, 2, max_norm=1.0, scale_grad_by_freq=True))
    assert e(tc.tensor([[1, 3], [9, 0]])).shape == (2, 2, 4)
    assert e(tc.tensor(7)).shape == (4,)
    assert list(e.state_dict()) == list(torch.nn.Embedding(10, 4).state_dict()) == ["weight"]
    frozen = nn.Embedding.from_pretrained(tc.ones(3, 2))
    assert frozen.weight.requires_grad is False and frozen(tc.tensor([2])).tolist() == [[1.0, 1.0]]
    assert nn.Embedding.from_pretrained(tc.ones(3, 2), freeze=False).weight.requires_grad


def test_embedding_errors_as_pytorch():
    e = nn.Embedding(5, 3)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        e(tc.tensor([1.0]))
    for bad in ([5], [-1]):
        with pytest.raises(IndexError, match="index out of range in self"):
            e(tc.tensor(bad))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(5, 3, sparse=True)(tc.tensor([0]))
    with pytest.raises(TypeError, match="must be Tensor"):
        e([0, 1])
    assert e(tc.tensor([0], dtype=tc.int32)).shape == (1, 3)


def test_cuda_legacy_tensor_types_exist_but_cannot_be_made():
    torch = pytest.importorskip("torch")
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"):
        ours = getattr(tc.cuda, name)
        assert not isinstance(tc.zeros(1), ours) and not isinstance(tc.zeros(1, dtype=tc.int64), ours)
        assert ours.__doc__
        with pytest.raises(TypeError, match="not available"):
            ours(2)
        if not torch.cuda.is_available():
            assert not isinstance(torch.zeros(1), getattr(torch.cuda, name))
            with pytest.raises(TypeError, match="not available"):
                getattr(torch.cuda, name)(2)
    cuda = tc.cuda.is_available()
    assert (tc.cuda.FloatTensor if cuda else tc.FloatTensor) is tc.FloatTensor


def test_integer_index_of_a_0d_tensor_says_use_item_as_pytorch():
    torch = pytest.importorskip("torch")
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor. Use `tensor.item[(][)]`"):
        torch.tensor(1.0)[0]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor. Use `tensor.item[(][)]`"):
        (tc.ones(3, requires_grad=True).sum()).data[0]  # an old program's ``loss.data[0]``
    assert tc.tensor(1.0)[None].shape == (1,) and tc.tensor(1.0)[...].shape == ()


def test_format_of_a_0d_tensor_is_its_number_as_pytorch():
    torch = pytest.importorskip("torch")
    for value in ([1.5, -2.25], [3, 4]):
        ours, ref = tc.tensor(value), torch.tensor(value)
        for spec in ("", "+.2f", ">6", ".3e"):  # an int item takes float specs too, as Python's int does
            assert format(ours[0], spec) == format(ref[0], spec)
        assert f"{ours.sum()}" == f"{ref.sum()}"
        with pytest.raises(TypeError, match="unsupported format string"):
            format(ours, ".2f")
    assert format(tc.tensor([1.0, 2.0]), "") == str(tc.tensor([1.0, 2.0]))


def test_linear_and_conv2d_take_device_in_pytorchs_position():
    torch = pytest.importorskip("torch")
    import inspect

    for name in ("Linear", "Conv2d"):
        ours = list(inspect.signature(getattr(nn, name).__init__).parameters)
        ref = list(inspect.signature(getattr(torch.nn, name).__init__).parameters)
        assert ours == ref
    lin = nn.Linear(2, 3, True, "cpu", tc.float64)  # a subclass passing everything on positionally
    assert lin.weight.dtype == tc.float64 and lin.bias is not None
    assert nn.Conv2d(1, 2, 3, device=tc.device("cpu")).weight.shape == (2, 1, 3, 3)
    with pytest.raises(AssertionError, match="CUDA"):
        nn.Linear(2, 3, device="cuda")


@pytest.mark.parametrize("shape", [(), (5,), (3, 30), (2, 3, 4), (40, 40), (1200,), (2000, 3), (10, 10, 20),
                                   (0,), (0, 3), (3, 0)])
@pytest.mark.parametrize("scale", [1.0, 1e-6, 1e9, 100.0])
def test_float_tensor_repr_is_pytorchs(shape, scale):
    torch = pytest.importorskip("torch")
    a = np.asarray(np.random.default_rng(0).standard_normal(shape) * scale, dtype=np.float32)
    assert repr(tc.from_numpy(a)) == repr(torch.from_numpy(a))


def test_float_tensor_repr_special_values_as_pytorch():
    torch = pytest.importorskip("torch")
    for value in ([5.5, 3.0], [1.0, 2.0], 27.0, 0.2374, [51.2, 512.0, 0.0512], [0.0, float("nan"), 1.0],
                  [float("inf"), 2.5], [-0.0, 1.5], [[1.0, -2.0], [3.0, 4.0]], [0.0, 0.0], [-1.0, 100.0], [1e-5, 1.0]):
        assert repr(tc.tensor(value)) == repr(torch.tensor(value))
    w = tc.ones(2, 2, requires_grad=True)
    assert repr(w) == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
