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
