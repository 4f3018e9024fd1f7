"""``Module.zero_grad`` and ``Optimizer.zero_grad`` follow one rule, PyTorch's: ``set_to_none=False`` zeroes
each ``.grad`` in place (the same tensor object), detached from the graph a ``create_graph`` backward built."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("owner", ["module", "optimizer"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_zero_grad_in_place_keeps_the_grad_object_and_cuts_its_graph(owner, create_graph):
    results = []
    for lib in (tc, torch):
        layer = lib.nn.Linear(3, 2).double()
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        (layer(x) ** 2).sum().backward(create_graph=create_graph)
        before = layer.weight.grad
        zero = layer if owner == "module" else lib.optim.SGD(layer.parameters(), lr=0.1)
        zero.zero_grad(set_to_none=False)
        g = layer.weight.grad
        results.append((g is before, g.grad_fn is None, g.requires_grad, float(g.abs().sum())))
        zero.zero_grad()
        assert layer.weight.grad is None
    assert results[0] == results[1] == (True, True, False, 0.0)
