"""The features a hand-written PyTorch training loop uses, step for step against PyTorch.

A logistic regression on random data, written once for both frameworks: weights made with ``randn``
then ``requires_grad_()``, a hand-written ``log_softmax`` and negative log-likelihood that indexes
with ``input[range(n), target]`` (int64 targets), ``argmax`` accuracy, and the update
``with no_grad(): w -= w.grad * lr; w.grad.zero_()`` — then the same with an ``nn.Module``,
``model.parameters()`` and ``model.zero_grad()``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_cnn as tc

RNG = np.random.default_rng(0)
X = RNG.random((96, 20), dtype=np.float32)
Y = RNG.integers(0, 5, 96)
W0 = RNG.standard_normal((20, 5)).astype(np.float32)


def _scratch(m):
    x_train, y_train = m.tensor(X), m.tensor(Y)
    weights = m.tensor(W0) / math.sqrt(20)
    weights.requires_grad_()
    bias = m.zeros(5, requires_grad=True)
    first_weights = weights

    def model(xb):
        z = xb @ weights + bias
        return z - z.exp().sum(-1).log().unsqueeze(-1)

    def nll(input, target):  # noqa: A002
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        return (out.argmax(dim=1) == yb).float().mean()

    losses = []
    bs, lr = 32, 0.5
    for _ in range(3):
        for i in range(len(x_train) // bs):
            xb, yb = x_train[i * bs : (i + 1) * bs], y_train[i * bs : (i + 1) * bs]
            loss = nll(model(xb), yb)
            loss.backward()
            with m.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
            losses.append(loss.item())
    assert weights is first_weights and weights.is_leaf and weights.requires_grad
    assert y_train.dtype == m.int64 and weights.grad.abs().sum().item() == 0
    return losses, accuracy(model(x_train), y_train).item(), weights.detach().numpy().copy()


def _module(m):
    class Logistic(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = m.nn.Parameter(m.tensor(W0) / math.sqrt(20))
            self.bias = m.nn.Parameter(m.zeros(5))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    model = Logistic()
    x_train, y_train = m.tensor(X), m.tensor(Y)
    functional = tc.functional if m is tc else m.nn.functional
    losses = []
    for i in range(3):
        loss = functional.cross_entropy(model(x_train[i * 32 : (i + 1) * 32]), y_train[i * 32 : (i + 1) * 32])
        loss.backward()
        with m.no_grad():
            for p in model.parameters():
                p -= p.grad * 0.5
            model.zero_grad()
        losses.append(loss.item())
    return losses, model.weights.detach().numpy().copy()


def test_scratch_loop_matches_torch_step_for_step():
    torch = pytest.importorskip("torch")
    ours, theirs = _scratch(tc), _scratch(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    assert ours[1] == pytest.approx(theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-4, atol=1e-6)
    assert ours[0][-1] < ours[0][0]


def test_module_loop_matches_torch_step_for_step():
    torch = pytest.importorskip("torch")
    ours, theirs = _module(tc), _module(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-4, atol=1e-6)


def test_parameter_update_without_no_grad_raises():
    w = tc.nn.Parameter(tc.ones(3))
    (w * 2).sum().backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w -= w.grad * 0.1
    assert w.tolist() == [1.0, 1.0, 1.0]
