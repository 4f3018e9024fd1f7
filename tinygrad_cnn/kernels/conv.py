"""The convolution kernels on (N, C, H, W) arrays: one BLAS contraction over im2col columns each.

* ``conv_forward``: Y = W · cols(X), the cross-correlation ``Yᵢ = Σⱼ Xⱼ ⋆ Kᵢⱼ`` (+ bias);
* ``conv_weight``: ∂L/∂K = ∂L/∂Y · cols(X)ᵀ, the kernel gradient ``Xⱼ ⋆ ∂L/∂Yᵢ``;
* ``conv_transpose``: col2im(Wᵀ · ∂L/∂Y), the input gradient ``Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ``: the forward GEMM
  transposed and scattered back, which is the full convolution of the (zero-inserted, for strides)
  upstream gradient with the kernel, cropped by the padding;
* ``conv_backward``: the input and kernel gradients of one conv2d in one call, so that the execution
  layer may overlap them.

Samples go through in blocks (``execution.blocks``), so the columns are written and read back from
cache and the extra memory of a conv is one block, unless the forward keeps its columns for the kernel
gradient (``keep_columns``: rebuilding them costs more than keeping them). No Python loop runs over
pixels or channels; ``col2im`` loops over the kh×kw kernel offsets, the blocks over groups of samples.
NumPy only: nothing here knows of Tensor or autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import buffers
from . import execution as ex
from .geometry import ConvGeometry, Pair, pad_hw, padded_shape, window_span
from .im2col import (
    batch_last_rows,
    channel_major_rows,
    col2im,
    col2im_batch_last,
    im2col,
    im2col_batch_last,
    im2col_channel_major,
)

__all__ = ["Columns", "conv_forward", "conv_weight", "conv_transpose", "conv_backward", "correlate_valid"]


@dataclass(frozen=True)
class Columns:
    """The im2col columns a forward kept for the kernel gradient: one array per block of samples."""

    blocks: tuple[slice, ...]
    arrays: tuple[np.ndarray, ...]

    @property
    def nbytes(self) -> int:
        """Bytes held (what keeping them costs)."""
        return sum(a.nbytes for a in self.arrays)


def conv_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, geometry: ConvGeometry,
                 keep_columns: bool = False) -> tuple[np.ndarray, Columns | None]:
    """Cross-correlation of x (N, C, H, W) with weight (O, C/g, kh, kw) (+ bias (O,)): y (N, O, Ho, Wo).

    With ``keep_columns``, also returns the columns, in the layout ``conv_weight`` wants, so the kernel
    gradient need not rebuild them.
    """
    n = x.shape[0]
    o, cg, kh, kw = weight.shape
    groups, stride, dilation = geometry.groups, geometry.stride, geometry.dilation
    ho, wo = geometry.out_hw(x.shape[2:], (kh, kw))
    k = cg * kh * kw
    xp = _padded(x, geometry.padding)
    wm = weight.reshape(groups, o // groups, k)
    out = buffers.result((n, o, ho, wo), np.result_type(x, weight))
    channel_major = keep_columns and not ex.weight_grad_per_sample(k, ho * wo)
    batch_last = ex.batch_last(wo)  # the column order conv_weight expects too

    def block(blk: slice) -> np.ndarray | None:
        m = blk.stop - blk.start
        size = m * k * groups * ho * wo
        # kept columns leave with the graph: a result, idle again once the graph lets go of them
        buf = buffers.result((size,), x.dtype) if keep_columns else buffers.take((size,), x.dtype)
        if channel_major:  # one product for the block, then a transpose into (n, O, Ho, Wo)
            if batch_last:
                cols = im2col_batch_last(xp[blk], (kh, kw), (ho, wo), stride, dilation, out=buf)
                y = np.matmul(wm, cols.reshape(groups, k, -1)).reshape(o, ho, wo, -1).transpose(3, 0, 1, 2)
            else:
                cols = im2col_channel_major(xp[blk], (kh, kw), (ho, wo), stride, dilation, out=buf)
                y = np.matmul(wm, cols.reshape(groups, k, -1)).reshape(o, -1, ho, wo).transpose(1, 0, 2, 3)
            if bias is None:
                out[blk] = y
            else:
                np.add(y, bias.reshape(o, 1, 1), out=out[blk])  # the bias rides along with the transpose
        else:  # W·colsₙ for every sample n of the block, written straight into the (n, O, Ho, Wo) output
            cols = im2col(xp[blk], (kh, kw), (ho, wo), stride, dilation, out=buf)
            if groups == 1:
                np.matmul(wm[0], cols, out=out[blk].reshape(m, o, ho * wo))
            else:
                np.matmul(wm, cols.reshape(m, groups, k, -1), out=out[blk].reshape(m, groups, o // groups, ho * wo))
            if bias is not None:
                out[blk] += bias.reshape(o, 1, 1)
        if not keep_columns:
            buffers.give(buf)
            return None
        return cols

    per_sample = cg * groups * kh * kw * ho * wo * x.itemsize
    parts = ex.blocks(n, per_sample)
    columns = ex.run_blocks(block, parts, n * per_sample)
    if xp is not x:
        buffers.give(xp)
    if not keep_columns:
        return out, None
    return out, Columns(tuple(parts), tuple(columns))


def conv_weight(x: np.ndarray, grad_output: np.ndarray, kernel: Pair, geometry: ConvGeometry,
                columns: Columns | None = None) -> np.ndarray:
    """∂L/∂K of a convolution: Σₙ ∂L/∂Yₙ · cols(Xₙ)ᵀ, shape (O, C/g, kh, kw).

    ``columns``: what ``conv_forward(..., keep_columns=True)`` returned for this x, if kept.
    """
    n, c = x.shape[:2]
    o, ho, wo = grad_output.shape[1:]
    kh, kw = kernel
    groups, stride, dilation = geometry.groups, geometry.stride, geometry.dilation
    k = (c // groups) * kh * kw
    xp = _padded(x, geometry.padding) if columns is None else None  # the columns were built from it already
    per_sample = ex.weight_grad_per_sample(k, ho * wo)
    batch_last = ex.batch_last(wo)  # as conv_forward laid out any kept columns
    sample_bytes = c * kh * kw * ho * wo * x.itemsize
    parts = list(columns.blocks) if columns is not None else ex.blocks(n, sample_bytes)
    kept_by_start = dict(zip([b.start for b in parts], columns.arrays)) if columns is not None else {}

    def block(blk: slice) -> np.ndarray:
        m = blk.stop - blk.start
        kept = kept_by_start.get(blk.start)
        built = None if kept is not None else buffers.take((m * k * groups * ho * wo,), x.dtype)
        if not per_sample:
            if kept is None:
                build = im2col_batch_last if batch_last else im2col_channel_major
                kept = build(xp[blk], kernel, (ho, wo), stride, dilation, out=built)
            cols = kept.reshape(groups, k, -1)
            g = (batch_last_rows if batch_last else channel_major_rows)(grad_output[blk], groups)
            if groups == 1:  # (K, nL)·(nL, O): the faster orientation of this product
                part = (cols[0] @ g[0].T).T[None]
            else:
                part = np.matmul(g, cols.transpose(0, 2, 1))
            buffers.give(g)
        else:
            cols = kept if kept is not None else im2col(xp[blk], kernel, (ho, wo), stride, dilation, out=built)
            g = grad_output[blk].reshape(m, groups, o // groups, ho * wo)
            part = np.matmul(g, cols.reshape(m, groups, k, -1).transpose(0, 1, 3, 2)).sum(axis=0)
        if built is not None:
            buffers.give(built)
        return part

    gw = np.zeros((groups, o // groups, k), dtype=np.result_type(x, grad_output))
    for part in ex.run_blocks(block, parts, n * sample_bytes):
        gw += part
    if xp is not None and xp is not x:
        buffers.give(xp)
    return gw.reshape(o, c // groups, kh, kw)


def conv_transpose(grad_output: np.ndarray, weight: np.ndarray, out_hw: tuple[int, ...],
                   geometry: ConvGeometry) -> np.ndarray:
    """The adjoint of ``conv_forward`` in x: ∂L/∂X (N, C, H, W) from ∂L/∂Y (N, O, Ho, Wo) and weight (O, C/g, kh, kw).

    ``out_hw`` is the unpadded (H, W) wanted: rows and columns no window reached get zeros.
    """
    n, o, ho, wo = grad_output.shape
    _, cg, kh, kw = weight.shape
    groups, stride, dilation = geometry.groups, geometry.stride, geometry.dilation
    c = cg * groups
    k = cg * kh * kw
    ph, pw = geometry.padding
    # the padded input, or as much of it as the windows reach if a strided sweep stopped short of its end
    hp = max(out_hw[0] + 2 * ph, stride[0] * (ho - 1) + window_span(kh, dilation[0]))
    wp = max(out_hw[1] + 2 * pw, stride[1] * (wo - 1) + window_span(kw, dilation[1]))
    rows, cols = slice(ph, ph + out_hw[0]), slice(pw, pw + out_hw[1])
    wt = weight.reshape(groups, o // groups, k).transpose(0, 2, 1)
    out = buffers.result((n, c) + tuple(out_hw), np.result_type(grad_output, weight))
    batch_last = ex.transpose_batch_last(wo)  # then col2im is one sparse product over (h, w, n) columns

    def block(blk: slice) -> None:
        g = grad_output[blk]
        m = g.shape[0]
        g = batch_last_rows(g, groups) if batch_last else channel_major_rows(g, groups)
        dcols = np.matmul(wt, g, out=buffers.take((groups, k, g.shape[2]), out.dtype))  # scratch: given back below
        buffers.give(g)
        if batch_last:
            dxp = col2im_batch_last(dcols.reshape(-1, m), c, (hp, wp), (kh, kw), (ho, wo), stride, dilation)
            out[blk] = dxp[:, rows, cols].transpose(3, 0, 1, 2)
            buffers.give(dcols)
        else:
            dxp = col2im(dcols.reshape(c, kh, kw, m, ho, wo), (hp, wp), (kh, kw), stride, dilation)
            out[blk] = dxp[:, :, rows, cols].transpose(1, 0, 2, 3)
            buffers.give(dxp)
            buffers.give(dcols)

    sample_bytes = k * groups * ho * wo * grad_output.itemsize
    ex.run_blocks(block, ex.blocks(n, sample_bytes), n * sample_bytes)
    return out


def conv_backward(x: np.ndarray, weight: np.ndarray, grad_output: np.ndarray, geometry: ConvGeometry,
                  columns: Columns | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Both gradients of a conv2d at once: (∂L/∂X, ∂L/∂K) = (``conv_transpose``, ``conv_weight``).

    Two independent products: a mid-sized layer computes them side by side (``execution.overlap``).
    """
    kernel = weight.shape[2:]

    def input_grad() -> np.ndarray:
        return conv_transpose(grad_output, weight, x.shape[2:], geometry)

    def kernel_grad() -> np.ndarray:
        return conv_weight(x, grad_output, kernel, geometry, columns)

    n, c = x.shape[:2]
    columns_bytes = n * c * kernel[0] * kernel[1] * grad_output.shape[2] * grad_output.shape[3] * x.itemsize
    if ex.overlap(columns_bytes):
        return ex.run_concurrently(input_grad, kernel_grad)
    return input_grad(), kernel_grad()


def _padded(x: np.ndarray, padding: Pair) -> np.ndarray:
    """x padded with zeros into a work buffer (x itself when there is no padding)."""
    if padding == (0, 0):
        return x
    return pad_hw(x, padding, out=buffers.take(padded_shape(x.shape, padding), x.dtype))


def correlate_valid(xp: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of two 2-D planes through the batched kernel."""
    return conv_forward(xp[None, None], k[None, None], None, ConvGeometry())[0][0, 0]
