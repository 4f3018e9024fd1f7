"""Pooling ops: ``max_pool2d`` and ``avg_pool2d`` over (N, C, H, W), with PyTorch's semantics.

Both work on the kh×kw strided slices of the (padded) input — one whole-array NumPy operation per
kernel offset, never a loop over pixels or channels:

* max pooling keeps a running ``np.maximum`` and, per window, the kernel offset of its first
  maximum (PyTorch's tie rule; one byte per output); its gradient, op ``max_pool2d_backward``,
  routes ∂L/∂Y to that one element (the documents' "mask of the max", never doubled on ties).
  Padding is −∞, so it never wins.
* average pooling sums the slices and divides; its gradient, op ``avg_pool2d_backward``, spreads
  ∂L/∂Y / divisor back over each window. The two are adjoint: each one's backward is the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from . import _im2col as k2
from .conv import float_tensor, pair

__all__ = ["max_pool2d", "avg_pool2d"]

Pair = tuple[int, int]


def _slices(kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair) -> list[tuple[int, int, tuple[slice, ...]]]:
    """For each kernel offset (i, j): the strided slice of the padded input that offset sees in every window."""
    (sh, sw), (dh, dw), (ho, wo) = stride, dilation, out_hw
    return [
        (i, j, (Ellipsis, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)))
        for i in range(kernel[0])
        for j in range(kernel[1])
    ]


class MaxPool2d(Function):
    """Y = the max of each window; which window offset held the (first) maximum is kept for backward."""

    name = "max_pool2d"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation):
        ctx.kernel_size, ctx.stride, ctx.padding, ctx.dilation = kernel, stride, padding, dilation
        ctx._in_shape = x.shape
        y, offsets = _max_pool(x._data, kernel, stride, padding, dilation)
        ctx.save_for_backward(Tensor._make(offsets, None, False))
        return y

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = ∂L/∂Y routed to each window's (first) maximum, zero elsewhere."""
        (offsets,) = ctx.saved_tensors
        geometry = (ctx.kernel_size, ctx.stride, ctx.padding, ctx.dilation)
        return MaxPool2dBackward.apply(g, offsets, ctx._in_shape, *geometry), None, None, None, None


class MaxPool2dBackward(Function):
    """Scatter ∂L/∂Y onto the argmax of each window (adding where overlapping windows share a maximum)."""

    name = "max_pool2d_backward"

    @staticmethod
    def forward(ctx, g, offsets, in_shape, kernel, stride, padding, dilation):
        ctx.kernel_size, ctx.stride, ctx.padding, ctx.dilation = kernel, stride, padding, dilation
        ctx._in_shape = in_shape
        ctx.save_for_backward(offsets)
        n, c, h, w = in_shape
        ho, wo = g.shape[2:]
        padded = (h + 2 * padding[0], w + 2 * padding[1])
        overlap = any(stride[a] < dilation[a] * (kernel[a] - 1) + 1 for a in range(2))
        # Windows that tile the input exactly (2×2 stride 2 on an even size) write every element once.
        tiled = all(stride[a] == kernel[a] and dilation[a] == 1 and (ho, wo)[a] * stride[a] == padded[a]
                    for a in range(2))
        out = (np.empty if tiled else np.zeros)((n, c) + padded, dtype=g.dtype)
        off, gd = offsets._data, g._data
        mask = np.empty(off.shape, dtype=bool)
        for i, j, sl in _slices(kernel, (ho, wo), stride, dilation):
            np.equal(off, i * kernel[1] + j, out=mask)
            if overlap:  # an element can be the maximum of several windows: its gradients add up
                out[sl] += gd * mask
            else:
                np.multiply(gd, mask, out=out[sl])
        if padding == (0, 0):
            return out
        return np.ascontiguousarray(out[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w])

    @staticmethod
    def backward(ctx, gg):
        """Its adjoint gathers: ∂/∂(∂L/∂Y) = GG at each window's argmax."""
        (offsets,) = ctx.saved_tensors
        n, c, h, w = ctx._in_shape
        flat = flat_indices(offsets._data, ctx._in_shape, ctx.kernel_size, ctx.stride, ctx.padding, ctx.dilation)
        picked = gg.reshape(n * c, h * w)[np.arange(n * c)[:, None], flat.reshape(n * c, -1)]
        return picked.reshape(offsets.shape), None, None, None, None, None, None


def _mark(which: np.ndarray, where: np.ndarray, k: int) -> None:
    """``which[where] = k`` for a k larger than every value already in ``which`` (planes come in order).

    As max(which, k·where): two SIMD passes, 40× faster than ``np.copyto(..., where=...)``.
    """
    np.maximum(which, np.multiply(where, which.dtype.type(k), dtype=which.dtype), out=which)


def _window_origin(out_len: int, stride: int, pad: int) -> np.ndarray:
    """Where each window starts along one axis, in unpadded coordinates (negative inside the padding)."""
    return np.arange(out_len) * stride - pad


def flat_indices(offsets: np.ndarray, in_shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                 dilation: Pair) -> np.ndarray:
    """Window offsets (i·kw + j) as PyTorch's flat h·W + w indices into each (H, W) plane."""
    ho, wo = offsets.shape[2:]
    i, j = np.divmod(offsets.astype(np.int64), kernel[1])
    rows = _window_origin(ho, stride[0], padding[0])[:, None] + i * dilation[0]
    cols = _window_origin(wo, stride[1], padding[1])[None, :] + j * dilation[1]
    return rows * in_shape[3] + cols


def _max_pool(
    x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair
) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima and the window offset (i·kw + j) of each first maximum, NaN winning as in PyTorch."""
    n, c, h, w = x.shape
    ho = k2.out_size(h, kernel[0], stride[0], padding[0], dilation[0])
    wo = k2.out_size(w, kernel[1], stride[1], padding[1], dilation[1])
    xp = k2.pad_hw(x, padding, -np.inf)
    # Start at the first in-bounds element of each window, as PyTorch does: padding never wins.
    first = [
        -(np.minimum(_window_origin((ho, wo)[a], stride[a], padding[a]), 0) // dilation[a]) for a in range(2)
    ]
    first_offset = first[0][:, None] * kernel[1] + first[1][None, :]
    offsets = np.empty((n, c, ho, wo), dtype=np.uint8 if kernel[0] * kernel[1] <= 256 else np.int32)
    slices = _slices(kernel, (ho, wo), stride, dilation)
    better = np.empty((n, c, ho, wo), dtype=bool)
    for check_nan in (False, True):
        offsets[...] = first_offset
        cur = xp[slices[0][2]].copy()
        for i, j, sl in slices[1:]:
            v = xp[sl]
            np.greater(v, cur, out=better)
            if check_nan:  # PyTorch lets a NaN win (the value is NaN either way; this fixes the index)
                better |= np.isnan(v)
            _mark(offsets, better, i * kernel[1] + j)
            np.maximum(cur, v, out=cur)
        if check_nan or not np.isnan(cur).any():
            break
    return cur, offsets


class AvgPool2d(Function):
    """Y = the sum of each window divided by the window size (padded cells counted, as PyTorch by default)."""

    name = "avg_pool2d"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, count_include_pad, divisor_override):
        ctx.kernel_size, ctx.stride, ctx.padding = kernel, stride, padding
        ctx.count_include_pad, ctx.divisor_override = count_include_pad, divisor_override
        ctx._in_shape = x.shape
        n, c, h, w = x.shape
        ho = k2.out_size(h, kernel[0], stride[0], padding[0], 1)
        wo = k2.out_size(w, kernel[1], stride[1], padding[1], 1)
        xp = k2.pad_hw(x._data, padding)
        slices = _slices(kernel, (ho, wo), stride, (1, 1))
        out = xp[slices[0][2]].copy()
        for _, _, sl in slices[1:]:
            out += xp[sl]
        out *= _inverse_divisor(
            x.shape, kernel, stride, padding, (ho, wo), count_include_pad, divisor_override, x.dtype
        )
        return out

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = each window's ∂L/∂Y / divisor, spread over the window (overlaps add up)."""
        args = (ctx.kernel_size, ctx.stride, ctx.padding, ctx.count_include_pad, ctx.divisor_override)
        return AvgPool2dBackward.apply(g, ctx._in_shape, *args), None, None, None, None, None


class AvgPool2dBackward(Function):
    """Spread ∂L/∂Y / divisor over every window: the adjoint of average pooling."""

    name = "avg_pool2d_backward"

    @staticmethod
    def forward(ctx, g, in_shape, kernel, stride, padding, count_include_pad, divisor_override):
        ctx.kernel_size, ctx.stride, ctx.padding = kernel, stride, padding
        ctx.count_include_pad, ctx.divisor_override = count_include_pad, divisor_override
        ho, wo = g.shape[2:]
        scaled = g._data * _inverse_divisor(in_shape, kernel, stride, padding, (ho, wo), count_include_pad,
                                           divisor_override, g.dtype)
        n, c, h, w = in_shape
        hp, wp = h + 2 * padding[0], w + 2 * padding[1]
        out = np.zeros((n, c, hp, wp), dtype=g.dtype)
        for _, _, sl in _slices(kernel, (ho, wo), stride, (1, 1)):
            out[sl] += scaled
        if padding == (0, 0):
            return out
        return np.ascontiguousarray(out[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w])

    @staticmethod
    def backward(ctx, gg):
        """Its adjoint is average pooling itself: ∂/∂(∂L/∂Y) = avg_pool2d(GG)."""
        args = (ctx.kernel_size, ctx.stride, ctx.padding, ctx.count_include_pad, ctx.divisor_override)
        return AvgPool2d.apply(gg, *args), None, None, None, None, None, None


def _inverse_divisor(in_shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, out_hw: Pair,
                     count_include_pad: bool, divisor_override: int | None, dtype: np.dtype) -> Any:
    """1 / divisor: a scalar (the kernel area, or divisor_override) or an (Ho, Wo) map of in-bounds counts."""
    if divisor_override:
        return dtype.type(1.0 / divisor_override)
    if count_include_pad or padding == (0, 0):
        return dtype.type(1.0 / (kernel[0] * kernel[1]))
    counts = []
    for a in range(2):
        start = np.arange(out_hw[a]) * stride[a] - padding[a]
        end = np.minimum(start + kernel[a], in_shape[2 + a])
        counts.append(end - np.maximum(start, 0))
    return (1.0 / (counts[0][:, None] * counts[1][None, :])).astype(dtype)


# ---------------------------------------------------------------------- public entry points


def _pool_args(op: str, input: Any, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
               dilation: Any) -> tuple[Tensor, bool, Pair, Pair, Pair, Pair]:
    x = float_tensor(input, op, "input")
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {x.shape}")
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    k = pair(kernel_size, "kernel_size", op, 1)
    default_stride = stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
    s = k if default_stride else pair(stride, "stride", op, 1)
    p = pair(padding, "padding", op, 0)
    d = pair(dilation, "dilation", op, 1)
    if 2 * p[0] > k[0] or 2 * p[1] > k[1]:  # PyTorch's limit, on the undilated kernel
        raise ValueError(f"{op}: padding {p} should be at most half of the kernel size {k}")
    h, w = x.shape[2:]
    out = tuple(k2.out_size(x.shape[2 + a], k[a], s[a], p[a], d[a]) for a in range(2))
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
    pooled = MaxPool2d.apply(x, k, s, p, d)
    y = pooled.squeeze(0) if unbatched else pooled
    if not return_indices:
        return y
    offsets = pooled.grad_fn.saved_tensors[0]._data if pooled.grad_fn is not None else _max_pool(x._data, k, s, p, d)[1]
    idx = flat_indices(offsets, x.shape, k, s, p, d)
    return y, Tensor(idx[0] if unbatched else idx, dtype=np.int64)


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
    y = AvgPool2d.apply(x, k, s, p, bool(count_include_pad), divisor_override)
    return y.squeeze(0) if unbatched else y
