"""The pooling kernels on (N, C, H, W) arrays: one whole-array NumPy operation per kernel offset.

Both poolings work on the kh×kw strided slices of the (padded) input, never a loop over pixels or
channels:

* ``max_pool``: a running ``np.maximum`` and, per window, the kernel offset of its first maximum
  (PyTorch's tie rule; one byte per output); ``max_pool_backward`` routes ∂L/∂Y to that one element.
  Padding is −∞, so it never wins. The common 2×2, stride-2 pooling of an even-sized input has its
  own path, mostly over flat arrays, with the same results.
* ``avg_pool`` sums the slices and divides; ``avg_pool_backward`` spreads ∂L/∂Y / divisor back over
  each window. The two are adjoint.

NumPy only: nothing here knows of Tensor or autograd.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from . import buffers
from .geometry import Pair, PoolGeometry, pad_hw, padded_shape, unpad_hw, window_span

__all__ = ["max_pool", "max_pool_backward", "max_pool_gather", "flat_indices", "avg_pool", "avg_pool_backward"]


def _slices(kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair) -> list[tuple[int, int, tuple[Any, ...]]]:
    """For each kernel offset (i, j): the strided slice of the padded input that offset sees in every window."""
    (sh, sw), (dh, dw), (ho, wo) = stride, dilation, out_hw
    return [
        (i, j, (Ellipsis, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)))
        for i in range(kernel[0])
        for j in range(kernel[1])
    ]


def _mark(which: np.ndarray, where: np.ndarray, k: int) -> None:
    """``which[where] = k`` for a k larger than every value already in ``which`` (planes come in order).

    As max(which, k·where): two SIMD passes, far faster than ``np.copyto(..., where=...)``.
    """
    np.maximum(which, np.multiply(where, which.dtype.type(k), dtype=which.dtype), out=which)


def _window_origin(out_len: int, stride: int, pad: int) -> np.ndarray:
    """Where each window starts along one axis, in unpadded coordinates (negative inside the padding)."""
    return np.arange(out_len) * stride - pad


def _halving(shape: tuple[int, ...], geometry: PoolGeometry) -> bool:
    """Whether the windows are 2×2, stride 2, unpadded and undilated, tiling an even (H, W) exactly.

    CNNs pool this way far more often than any other; ``max_pool`` has a faster path for it.
    """
    return (geometry.kernel_size == (2, 2) and geometry.stride == (2, 2) and geometry.padding == (0, 0)
            and geometry.dilation == (1, 1) and shape[2] % 2 == 0 and shape[3] % 2 == 0 and 0 not in shape)


def _copy_even_rows(src: np.ndarray, dst: np.ndarray) -> None:
    """``dst[...] = src[..., 0::2, :]`` for C-contiguous arrays, each row copied as one opaque item.

    NumPy copies a row-strided view one short row at a time, each a loop of its own; as items of a
    void dtype the size of a row, the rows become one flat, strided loop of row copies.
    """
    row = np.dtype((np.void, src.shape[-1] * src.itemsize))
    np.copyto(dst.reshape(-1).view(row), src.reshape(-1, 2 * src.shape[-1]).view(row)[:, 0])


def _max_pool_halving(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``max_pool`` of a C-contiguous x for 2×2 windows of stride 2 (``_halving``), NaN-free results only.

    The general path reads the input through 2-D strided views, one pass per comparison; NumPy runs
    those far slower than flat ones. Here, every pass but the first and the two last is over flat,
    contiguous arrays: first each horizontal pair (a, b) of the input's rows, then, on those maxima,
    each vertical pair, computed for every row (the odd rows' results are never read). Per window:
    t = b > a in the top pair, u = d > c in the bottom one, s = bottom maximum > top maximum, and the
    offset is s ? 2 + u : t, i.e. 2s | (t ^ (s & (t ^ u))): strict comparisons keep the first maximum.
    The maxima are max(max(a, b), max(c, d)), so a NaN anywhere in a window gives a NaN there.
    """
    n, c, h, w = x.shape
    wo = w // 2
    flat = x.reshape(-1)
    pairs = flat.reshape(-1, 2)
    rows = buffers.take((n, c, h, wo), x.dtype)  # max(a, b) for the top rows, max(c, d) for the bottom ones
    row_max = rows.reshape(-1)
    np.maximum(pairs[:, 0], pairs[:, 1], out=row_max)
    # b > a for every pair as the even entries of one flat comparison of each element with the next
    greater = buffers.take(x.shape, np.dtype(np.uint8)).reshape(-1)
    np.greater(flat[1:], flat[:-1], out=greater[:-1].view(bool))
    right = buffers.take((n, c, h, wo), np.dtype(np.uint8))
    right_flat = right.reshape(-1)
    if sys.byteorder == "little":  # the even entries are the low bytes of uint16 pairs: a contiguous cast
        np.copyto(right_flat, greater.view(np.uint16), casting="unsafe")
    else:
        np.copyto(right_flat, greater[0::2])
    buffers.give(greater)
    size = row_max.size - wo  # row r against row r + 1, for every row but the last
    top, bottom = row_max[:size], row_max[wo:]
    lower = buffers.take((n, c, h, wo), np.dtype(np.uint8))
    lower_flat = lower.reshape(-1)[:size]
    np.greater(bottom, top, out=lower_flat.view(bool))
    pooled = buffers.take((n, c, h, wo), x.dtype)
    np.maximum(top, bottom, out=pooled.reshape(-1)[:size])
    out = buffers.result((n, c, h // 2, wo), x.dtype)
    _copy_even_rows(pooled, out)
    buffers.give(pooled)
    code = buffers.take((n, c, h, wo), np.dtype(np.uint8))
    code_flat = code.reshape(-1)[:size]
    t, u = right_flat[:size], right_flat[wo:]
    np.bitwise_xor(t, u, out=code_flat)
    np.bitwise_and(code_flat, lower_flat, out=code_flat)
    np.bitwise_xor(code_flat, t, out=code_flat)
    np.add(lower_flat, lower_flat, out=lower_flat)
    np.bitwise_or(code_flat, lower_flat, out=code_flat)
    offsets = buffers.result((n, c, h // 2, wo), np.dtype(np.uint8))
    _copy_even_rows(code, offsets)
    for a in (rows, right, lower, code):
        buffers.give(a)
    return out, offsets


def max_pool(x: np.ndarray, geometry: PoolGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Window maxima and the window offset (i·kw + j) of each first maximum, NaN winning as in PyTorch."""
    if _halving(x.shape, geometry) and x.flags.c_contiguous:
        out, offsets = _max_pool_halving(x)
        if not np.isnan(out.max()):  # else the general path below settles which NaN of a window wins
            return out, offsets
    kernel, stride, padding, dilation = geometry.kernel_size, geometry.stride, geometry.padding, geometry.dilation
    n, c = x.shape[:2]
    ho, wo = geometry.out_hw(x.shape[2:])
    xp = pad_hw(x, padding, -np.inf, out=buffers.take(padded_shape(x.shape, padding), x.dtype)) if any(padding) else x
    # Start at the first in-bounds element of each window, as PyTorch does: padding never wins.
    first = [
        -(np.minimum(_window_origin((ho, wo)[a], stride[a], padding[a]), 0) // dilation[a]) for a in range(2)
    ]
    first_offset = first[0][:, None] * kernel[1] + first[1][None, :]
    offsets = buffers.result((n, c, ho, wo), np.uint8 if kernel[0] * kernel[1] <= 256 else np.int32)
    slices = _slices(kernel, (ho, wo), stride, dilation)
    better = buffers.take((n, c, ho, wo), np.dtype(bool))
    for check_nan in (False, True):
        offsets[...] = first_offset
        cur = buffers.result((n, c, ho, wo), x.dtype)
        np.copyto(cur, xp[slices[0][2]])
        for i, j, sl in slices[1:]:
            v = xp[sl]
            np.greater(v, cur, out=better)
            if check_nan:  # PyTorch lets a NaN win (the value is NaN either way; this fixes the index)
                better |= np.isnan(v)
            _mark(offsets, better, i * kernel[1] + j)
            np.maximum(cur, v, out=cur)
        if check_nan or not np.isnan(cur).any():
            break
    buffers.give(better)
    if xp is not x:
        buffers.give(xp)
    return cur, offsets


def max_pool_backward(grad_output: np.ndarray, offsets: np.ndarray, in_shape: tuple[int, ...],
                      geometry: PoolGeometry) -> np.ndarray:
    """Scatter ∂L/∂Y onto each window's (first) maximum, adding where overlapping windows share one."""
    kernel, stride, padding, dilation = geometry.kernel_size, geometry.stride, geometry.padding, geometry.dilation
    n, c, h, w = in_shape
    ho, wo = grad_output.shape[2:]
    padded = (h + 2 * padding[0], w + 2 * padding[1])
    overlap = any(stride[a] < window_span(kernel[a], dilation[a]) for a in range(2))
    # Windows that tile the input exactly (2×2 stride 2 on an even size) write every element once.
    tiled = all(stride[a] == kernel[a] and dilation[a] == 1 and (ho, wo)[a] * stride[a] == padded[a]
                for a in range(2))
    out = buffers.result((n, c) + padded, grad_output.dtype)
    if not tiled:
        out.fill(0)
    mask = buffers.take(offsets.shape, np.dtype(bool))
    for i, j, sl in _slices(kernel, (ho, wo), stride, dilation):
        np.equal(offsets, i * kernel[1] + j, out=mask)
        if overlap:  # an element can be the maximum of several windows: its gradients add up
            out[sl] += grad_output * mask
        else:
            np.multiply(grad_output, mask, out=out[sl])
    buffers.give(mask)
    return unpad_hw(out, padding, (h, w))


def flat_indices(offsets: np.ndarray, in_shape: tuple[int, ...], geometry: PoolGeometry) -> np.ndarray:
    """Window offsets (i·kw + j) as PyTorch's flat h·W + w indices into each (H, W) plane."""
    kernel, stride, padding, dilation = geometry.kernel_size, geometry.stride, geometry.padding, geometry.dilation
    ho, wo = offsets.shape[2:]
    i, j = np.divmod(offsets.astype(np.int64), kernel[1])
    rows = _window_origin(ho, stride[0], padding[0])[:, None] + i * dilation[0]
    cols = _window_origin(wo, stride[1], padding[1])[None, :] + j * dilation[1]
    return rows * in_shape[3] + cols


def max_pool_gather(offsets: np.ndarray, in_shape: tuple[int, ...],
                    geometry: PoolGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices that gather, from an (N·C, H·W) array, the value at each window's maximum."""
    n, c = in_shape[:2]
    flat = flat_indices(offsets, in_shape, geometry)
    return np.arange(n * c)[:, None], flat.reshape(n * c, -1)


def _inverse_divisor(in_shape: tuple[int, ...], geometry: PoolGeometry, out_hw: Pair, count_include_pad: bool,
                     divisor_override: int | None, dtype: np.dtype) -> Any:
    """1 / divisor: a scalar (the kernel area, or divisor_override) or an (Ho, Wo) map of in-bounds counts."""
    kernel, stride, padding = geometry.kernel_size, geometry.stride, geometry.padding
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


def avg_pool(x: np.ndarray, geometry: PoolGeometry, count_include_pad: bool,
             divisor_override: int | None) -> np.ndarray:
    """The sum of each window divided by the window size (or by the in-bounds count, or the override)."""
    kernel, stride, padding = geometry.kernel_size, geometry.stride, geometry.padding
    ho, wo = geometry.out_hw(x.shape[2:])
    xp = pad_hw(x, padding)
    slices = _slices(kernel, (ho, wo), stride, (1, 1))
    out = xp[slices[0][2]].copy()
    for _, _, sl in slices[1:]:
        out += xp[sl]
    out *= _inverse_divisor(x.shape, geometry, (ho, wo), count_include_pad, divisor_override, x.dtype)
    return out


def avg_pool_backward(grad_output: np.ndarray, in_shape: tuple[int, ...], geometry: PoolGeometry,
                      count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """Spread each window's ∂L/∂Y / divisor over the window (overlaps add up): avg_pool's adjoint."""
    kernel, stride, padding = geometry.kernel_size, geometry.stride, geometry.padding
    ho, wo = grad_output.shape[2:]
    scaled = grad_output * _inverse_divisor(in_shape, geometry, (ho, wo), count_include_pad, divisor_override,
                                            grad_output.dtype)
    n, c, h, w = in_shape
    out = np.zeros((n, c, h + 2 * padding[0], w + 2 * padding[1]), dtype=grad_output.dtype)
    for _, _, sl in _slices(kernel, (ho, wo), stride, (1, 1)):
        out[sl] += scaled
    return unpad_hw(out, padding, (h, w))
