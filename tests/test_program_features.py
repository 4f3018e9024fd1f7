"""The features that public PyTorch programs (the MNIST example, the nn and autograd tutorials) use,
each checked on its own with our own code."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn
from tinygrad_cnn.data.vision import datasets, transforms


def test_negative_log_likelihood_by_range_indexing():
    logp = tc.randn(5, 3, dtype=np.float64, requires_grad=True)
    target = tc.tensor(np.array([0, 2, 1, 1, 0]), dtype=np.int64)
    loss = -logp[range(target.shape[0]), target].mean()
    np.testing.assert_allclose(loss.item(), -logp._data[np.arange(5), target._data].mean())
    loss.backward()
    expected = np.zeros((5, 3))
    expected[np.arange(5), target._data] = -0.2
    np.testing.assert_allclose(logp.grad._data, expected)


def test_accuracy_and_prediction_counting():
    out = tc.tensor(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=np.float32))
    yb = tc.tensor(np.array([1, 1, 1]), dtype=np.int64)
    assert abs((tc.argmax(out, dim=1) == yb).float().mean().item() - 2 / 3) < 1e-6
    pred = out.argmax(dim=1, keepdim=True)
    assert pred.eq(yb.view_as(pred)).sum().item() == 2


def test_custom_function_with_factories_from_the_autograd_tutorial():
    class Cube(tc.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x**3 - 3 * x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 1.5 * (5 * x**2 - 1)

    x = tc.linspace(-math.pi, math.pi, 50, device=tc.device("cpu"), dtype=np.float64)
    y = tc.sin(x)
    a = tc.full((), 0.3, device="cpu", dtype=np.float64, requires_grad=True)
    loss = (Cube.apply(a * x) - y).pow(2).sum()
    loss.backward()
    xs = x._data
    u = 0.3 * xs
    expected = np.sum(2 * (0.5 * (5 * u**3 - 3 * u) - np.sin(xs)) * 1.5 * (5 * u**2 - 1) * xs)
    np.testing.assert_allclose(a.grad.item(), expected, rtol=1e-10)
    assert tc.gradcheck(lambda t: Cube.apply(t * x), [a])


def test_mnist_example_pipeline_on_cpu():
    device = tc.device("cuda" if tc.cuda.is_available() else "mps" if tc.backends.mps.is_available() else "cpu")
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST("../data", train=False, download=True, transform=t)
    loader = tc.utils.data.DataLoader(ds, batch_size=100)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, 1), nn.ReLU(), nn.MaxPool2d(2)).to(device)
    data, target = next(iter(loader))
    data, target = data.to(device), target.to(device)
    x = tc.flatten(model(data), 1)
    assert x.shape == (100, 4 * 13 * 13) and x.device == device
    out = F.log_softmax(x[:, :10], dim=1)
    loss = F.nll_loss(out, target, reduction="sum")
    assert np.isfinite(loss.item())


@pytest.mark.parametrize("shape", [(1, 1, 32, 32)])
def test_lenet_tutorial_flow(shape):
    conv = nn.Conv2d(1, 6, 5)
    x = tc.randn(*shape)
    out = F.max_pool2d(F.relu(conv(x)), (2, 2))
    n = 1
    for s in out.size()[1:]:
        n *= s
    flat = out.view(-1, n)
    assert flat.shape == (1, 6 * 14 * 14)
    conv.zero_grad()
    flat.backward(tc.randn(1, 6 * 14 * 14))
    assert conv.bias.grad.shape == (6,)


def test_torch_import_paths_port_by_renaming():
    import importlib

    import tinygrad_cnn.functional as functional

    assert importlib.import_module("tinygrad_cnn.nn.functional") is functional
    assert importlib.import_module("tinygrad_cnn.utils.data") is tc.data
    from tinygrad_cnn.utils.data import DataLoader, TensorDataset

    from tinygrad_cnn.optim.lr_scheduler import StepLR

    assert StepLR and DataLoader and TensorDataset
