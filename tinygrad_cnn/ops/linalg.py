"""Matrix product with NumPy's ``matmul`` rules (1-D, 2-D, batched with broadcasting).

For C = A·B: ∂L/∂A = ∂L/∂C · Bᵀ and ∂L/∂B = Aᵀ · ∂L/∂C, summed over broadcast batch dimensions.
A 1-D operand is treated as a row (left) or column (right) vector and squeezed back afterwards.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..kernels import buffers
from ..tensor import Tensor
from . import elementwise  # module import: either may be imported first
from .views import reshape_to


class MatMul(Function):
    name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.ndim >= 2 and b.ndim >= 2 and a._data.shape[-1] == 1:
            # An outer product (the input gradient of a 1-output linear layer): the same single products,
            # broadcast; NumPy's matmul with an inner dimension of 1 took 400 µs on (200, 1)·(1, 1728), this 40–100.
            x, y = a._data, b._data
            return np.multiply(x, y, out=buffers.result(np.broadcast_shapes(x.shape, y.shape), np.result_type(x, y)))
        return np.asarray(buffers.matmul(a._data, b._data))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        # Promote 1-D operands to matrices so one rule covers every case.
        a2 = a.reshape(1, a._data.shape[0]) if a.ndim == 1 else a
        b2 = b.reshape(b._data.shape[0], 1) if b.ndim == 1 else b
        g_shape = list(g._data.shape)
        if a.ndim == 1:
            g_shape.insert(len(g_shape) - (0 if b.ndim == 1 else 1), 1)
        if b.ndim == 1:
            g_shape.append(1)
        g2 = reshape_to(g, tuple(g_shape))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = reshape_to((g2 @ b2.transpose(-1, -2)).sum_to_size(a2._data.shape), a._data.shape)
        if ctx.needs_input_grad[1]:
            gb = reshape_to((a2.transpose(-1, -2) @ g2).sum_to_size(b2._data.shape), b._data.shape)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    a = elementwise.as_tensor(a, b) if not isinstance(a, Tensor) else a
    b = elementwise.as_tensor(b, a) if not isinstance(b, Tensor) else b
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    k_a = a._data.shape[-1]
    k_b = b._data.shape[0] if b.ndim == 1 else b._data.shape[-2]
    if k_a != k_b:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied: the inner dimensions "
            f"differ ({k_a} vs {k_b})"
        )
    batch_a, batch_b = a._data.shape[:-2], b._data.shape[:-2]
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise ValueError(
            f"matmul: batch dimensions {batch_a} and {batch_b} (of {a.shape} @ {b.shape}) cannot be broadcast"
        ) from None
    return MatMul.apply(a, b)
