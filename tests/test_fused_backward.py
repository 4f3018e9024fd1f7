"""Sigmoid, tanh and ReLU compute a plain backward (nothing recorded) in one recycled result, and a
``create_graph`` backward with Tensor ops (so the gradient is differentiable and the derivation view
sees σ ⊙ (1 − σ)). Both paths must give the same gradients, and PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc

torch = pytest.importorskip("torch")

SHAPES = [(), (7,), (3, 5), (64, 8, 24, 24)]  # the last one large enough for a recycled result


def _input(shape, dtype):
    a = np.asarray(np.random.default_rng(sum(shape) + 1).standard_normal(shape) * 3).astype(dtype)  # 0-d too, NumPy 1.x
    if a.size >= 4:
        a.flat[:4] = [np.nan, np.inf, -np.inf, 0.0]
    return a


@pytest.mark.parametrize("op", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", ["sum", "weighted", "transposed"])
def test_plain_and_recorded_backward_agree_with_each_other_and_pytorch(op, shape, dtype, seed):
    a = _input(shape, dtype)
    w = np.random.default_rng(7).standard_normal(shape).astype(dtype)

    def loss(y, lib):
        if seed == "sum" or not shape:
            return y.sum()  # the incoming gradient is a broadcast view of one value
        if seed == "transposed" and len(shape) >= 2:
            return (y.transpose(0, 1) * lib.tensor(np.ascontiguousarray(np.swapaxes(w, 0, 1)))).sum()
        return (y * lib.tensor(w)).sum()

    x = tc.tensor(a, requires_grad=True)
    loss(getattr(x, op)(), tc).backward()
    plain = x.grad.numpy()

    x2 = tc.tensor(a, requires_grad=True)
    (recorded,) = tc.autograd.grad(loss(getattr(x2, op)(), tc), x2, create_graph=True)

    t = torch.tensor(a, requires_grad=True)
    loss(getattr(t, op)(), torch).backward()

    assert plain.dtype == dtype and plain.shape == shape
    np.testing.assert_array_equal(plain, recorded.detach().numpy())
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(plain, t.grad.numpy(), equal_nan=True, **tol)  # 1 − tanh² rounds differently


@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_the_recorded_gradient_is_still_differentiable(op):
    a = np.random.default_rng(3).standard_normal((4, 5))
    x = tc.tensor(a, requires_grad=True)
    (g,) = tc.autograd.grad(getattr(x, op)().sum(), x, create_graph=True)
    (h,) = tc.autograd.grad(g.sum(), x)
    t = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(getattr(t, op)().sum(), t, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12)


def test_a_kept_gradient_survives_later_steps():
    """The plain path's result is recycled memory: a .grad kept from an earlier step must not change."""
    a = np.random.default_rng(4).standard_normal((64, 8, 24, 24)).astype(np.float32)
    x = tc.tensor(a, requires_grad=True)
    x.sigmoid().sum().backward()
    first, copy = x.grad, x.grad.numpy().copy()
    for _ in range(3):
        x.grad = None
        (x * 2.0).sigmoid().sum().backward()
    np.testing.assert_array_equal(first.numpy(), copy)
