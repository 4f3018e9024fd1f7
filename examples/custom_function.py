"""A user-defined differentiable op, as ``torch.autograd.Function``: a "swish" x·σ(x) whose backward
is written with Tensor ops, so it is differentiable again (gradcheck *and* gradgradcheck pass), and
that drops into a model like any built-in op.

    python examples/custom_function.py
"""

from __future__ import annotations

import numpy as np

import tinygrad_cnn as tc
from tinygrad_cnn import nn


class Swish(tc.Function):
    """y = x·σ(x);  dy/dx = σ(x)·(1 + x·(1 − σ(x)))."""

    name = "swish"

    @staticmethod
    def forward(ctx, x: tc.Tensor) -> np.ndarray:
        ctx.save_for_backward(x)
        return x.data / (1.0 + np.exp(-x.data))

    @staticmethod
    def backward(ctx, grad_output: tc.Tensor) -> tc.Tensor:
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad_output * s * (1 + x * (1 - s))


class SwishLayer(nn.Module):
    def forward(self, x: tc.Tensor) -> tc.Tensor:
        return Swish.apply(x)


def main() -> None:
    x = tc.tensor(np.linspace(-3, 3, 7), dtype=np.float64, requires_grad=True)
    y = Swish.apply(x)
    y.sum().backward()
    print("x        ", np.round(x.detach().numpy(), 3))
    print("swish(x) ", np.round(y.detach().numpy(), 4))
    print("d/dx     ", np.round(x.grad.numpy(), 4))
    print("gradcheck:", tc.gradcheck(Swish.apply, (x,)), " gradgradcheck:", tc.gradgradcheck(Swish.apply, (x,)))

    (g,) = tc.grad(Swish.apply(x).sum(), x, create_graph=True)  # a gradient that is itself a graph
    (h,) = tc.grad(g.sum(), x)
    print("d²/dx²   ", np.round(h.numpy(), 4))

    tc.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), SwishLayer(), nn.Linear(8, 1))
    out = model(tc.randn(16, 4)).sum()
    out.backward()
    print(model)
    print("grad of 0.weight has shape", model[0].weight.grad.shape)


if __name__ == "__main__":
    main()
