"""Pooling ops: ``max_pool2d`` and ``avg_pool2d`` over (N, C, H, W), with PyTorch's semantics.

* max pooling keeps, per window, the kernel offset of its first maximum (PyTorch's tie rule); its
  gradient, op ``max_pool2d_backward``, routes ∂L/∂Y to that one element (the documents' "mask of the
  max", never doubled on ties). Padding is −∞, so it never wins.
* average pooling sums each window and divides; its gradient, op ``avg_pool2d_backward``, spreads
  ∂L/∂Y / divisor back over each window. The two are adjoint: each one's backward is the other.

The NumPy kernels live in ``tinygrad_cnn/kernels/pool.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..kernels import pool as kp
from ..kernels.geometry import PoolGeometry
from ..tensor import Tensor
from ._args import batched, float_tensor, pair

__all__ = ["max_pool2d", "avg_pool2d"]

Pair = tuple[int, int]


class MaxPool2d(Function):
    """Y = the max of each window; which window offset held the (first) maximum is kept for backward."""

    name = "max_pool2d"

    @staticmethod
    def forward(ctx, x, geometry):
        """The window maxima; the offsets of the maxima are saved for backward."""
        _show(ctx, geometry)
        ctx._in_shape = x.shape
        y, offsets = kp.max_pool(x._data, geometry)
        ctx.save_for_backward(Tensor._make(offsets, None, False))
        return y

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = ∂L/∂Y routed to each window's (first) maximum, zero elsewhere."""
        (offsets,) = ctx.saved_tensors
        return MaxPool2dBackward.apply(g, offsets, ctx._in_shape, ctx._geometry), None


class MaxPool2dBackward(Function):
    """Scatter ∂L/∂Y onto the argmax of each window (adding where overlapping windows share a maximum)."""

    name = "max_pool2d_backward"

    @staticmethod
    def forward(ctx, g, offsets, in_shape, geometry):
        """∂L/∂Y scattered onto the saved maxima."""
        _show(ctx, geometry)
        ctx._in_shape = in_shape
        ctx.save_for_backward(offsets)
        return kp.max_pool_backward(g._data, offsets._data, in_shape, geometry)

    @staticmethod
    def backward(ctx, gg):
        """Its adjoint gathers: ∂/∂(∂L/∂Y) = GG at each window's argmax."""
        (offsets,) = ctx.saved_tensors
        n, c, h, w = ctx._in_shape
        rows, cols = kp.max_pool_gather(offsets._data, ctx._in_shape, ctx._geometry)
        picked = gg.reshape(n * c, h * w)[rows, cols]
        return picked.reshape(offsets.shape), None, None, None


class AvgPool2d(Function):
    """Y = the sum of each window divided by the window size (padded cells counted, as PyTorch by default)."""

    name = "avg_pool2d"

    @staticmethod
    def forward(ctx, x, geometry, count_include_pad, divisor_override):
        """The window means (divisor as PyTorch's options say)."""
        _show(ctx, geometry, dilation=False)
        ctx.count_include_pad, ctx.divisor_override = count_include_pad, divisor_override
        ctx._in_shape = x.shape
        return kp.avg_pool(x._data, geometry, count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = each window's ∂L/∂Y / divisor, spread over the window (overlaps add up)."""
        options = (ctx.count_include_pad, ctx.divisor_override)
        return AvgPool2dBackward.apply(g, ctx._in_shape, ctx._geometry, *options), None, None, None


class AvgPool2dBackward(Function):
    """Spread ∂L/∂Y / divisor over every window: the adjoint of average pooling."""

    name = "avg_pool2d_backward"

    @staticmethod
    def forward(ctx, g, in_shape, geometry, count_include_pad, divisor_override):
        """∂L/∂Y / divisor spread back over each window."""
        _show(ctx, geometry, dilation=False)
        ctx.count_include_pad, ctx.divisor_override = count_include_pad, divisor_override
        return kp.avg_pool_backward(g._data, in_shape, geometry, count_include_pad, divisor_override)

    @staticmethod
    def backward(ctx, gg):
        """Its adjoint is average pooling itself: ∂/∂(∂L/∂Y) = avg_pool2d(GG)."""
        options = (ctx.count_include_pad, ctx.divisor_override)
        return AvgPool2d.apply(gg, ctx._geometry, *options), None, None, None, None


def _show(ctx: Any, geometry: PoolGeometry, dilation: bool = True) -> None:
    """The geometry on ``ctx``: whole for backward, and as the attributes graphs and derivations show."""
    ctx._geometry = geometry
    ctx.kernel_size, ctx.stride, ctx.padding = geometry.kernel_size, geometry.stride, geometry.padding
    if dilation:
        ctx.dilation = geometry.dilation


# ---------------------------------------------------------------------- public entry points


def _pool_args(op: str, input: Any, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
               dilation: Any) -> tuple[Tensor, bool, Pair, Pair, Pair, Pair]:
    x, unbatched = batched(op, float_tensor(input, op, "input"))
    k = pair(kernel_size, "kernel_size", op, 1)
    default_stride = stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
    s = k if default_stride else pair(stride, "stride", op, 1)
    p = pair(padding, "padding", op, 0)
    d = pair(dilation, "dilation", op, 1)
    if 2 * p[0] > k[0] or 2 * p[1] > k[1]:  # PyTorch's limit, on the undilated kernel
        raise ValueError(f"{op}: padding {p} should be at most half of the kernel size {k}")
    h, w = x.shape[2:]
    out = PoolGeometry(k, s, p, d).out_hw(x.shape[2:])
    if min(out) < 1:
        raise ValueError(
            f"{op}: input {tuple(input.shape)} with kernel_size {k}, stride {s}, padding {p} gives an empty output "
            f"{out}: the padded input ({h + 2 * p[0]}, {w + 2 * p[1]}) is smaller than the window"
        )
    return x, unbatched, k, s, p, d


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each kh×kw window, as ``torch.nn.functional.max_pool2d`` (stride defaults to the kernel).

    The gradient goes to one maximum per window (the first in row-major order, as PyTorch); padding is −∞.
    With ``return_indices`` also returns PyTorch's flat h·W + w indices of the maxima.
    """
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported; pad the input instead")
    x, unbatched, k, s, p, d = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation)
    geometry = PoolGeometry(k, s, p, d)
    pooled = MaxPool2d.apply(x, geometry)
    y = pooled.squeeze(0) if unbatched else pooled
    if not return_indices:
        return y
    if pooled.grad_fn is not None:
        offsets = pooled.grad_fn.saved_tensors[0]._data
    else:
        offsets = kp.max_pool(x._data, geometry)[1]
    idx = kp.flat_indices(offsets, x.shape, geometry)
    return y, Tensor._make(np.asarray(idx[0] if unbatched else idx, dtype=np.int64), None, False)


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each kh×kw window, as ``torch.nn.functional.avg_pool2d`` (padded cells count by default)."""
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode=True is not supported; pad the input instead")
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override < 1):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive integer, got {divisor_override!r}")
    x, unbatched, k, s, p, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1)
    y = AvgPool2d.apply(x, PoolGeometry(k, s, p), bool(count_include_pad), divisor_override)
    return y.squeeze(0) if unbatched else y
