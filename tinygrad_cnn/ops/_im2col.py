"""NumPy kernels behind the convolution ops: sliding windows (im2col), BLAS contractions, col2im.

Every convolution-family op is one of three array functions here, on (N, C, H, W) arrays:

* ``conv_forward``: Y = W · cols(X), the cross-correlation ``Yᵢ = Σⱼ Xⱼ ⋆ Kᵢⱼ`` (+ bias);
* ``conv_weight``: ∂L/∂K = cols(X) · ∂L/∂Yᵀ, the kernel gradient ``Xⱼ ⋆ ∂L/∂Yᵢ``;
* ``conv_transpose``: col2im(Wᵀ · ∂L/∂Y), the input gradient ``Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ``: the forward GEMM
  transposed and scattered back, which is the full convolution of the (zero-inserted, for strides)
  upstream gradient with the kernel, cropped by the padding.

Layouts (each chosen by measurement on the issue's workloads, on a 2-core machine):

* forward and kernel gradient: one (C·kh·kw, Ho·Wo) column matrix per sample, so that ``np.matmul``
  runs the per-sample products in C (no Python loop) and writes Y straight into (N, O, Ho, Wo) order
  (the kernel gradient of a layer with few output positions uses channel-major columns instead);
* input gradient: channel-major columns (C·kh·kw, n·Ho·Wo), one GEMM for a block of samples, then
  col2im; for short output rows the columns are ordered batch-last and col2im is one sparse 0/1
  matrix product (``scatter_matrix``: im2col's own matrix, transposed).

Samples are processed in blocks of about ``BLOCK_BYTES`` of columns, so the columns are written and
read back from cache rather than memory (the small layers' GEMMs are memory-bound), and the extra
memory of a conv is one block, not the whole im2col matrix, unless the forward keeps its columns
for the kernel gradient (``keep_columns``, what ``conv2d`` does when the weight needs a gradient:
rebuilding them cost more than keeping them, measured on all three workloads).
Blocks of a large op are shared between the cores (``_runtime.run_parallel``), each with a
single-threaded BLAS; a mid-sized layer's input and kernel gradients instead run side by side, one
per core (``concurrent``, used by ``conv2d``'s backward). No Python loop runs over pixels or
channels; the channel-major ``col2im`` loops over the kh×kw kernel offsets (each step one strided
add of a whole block), and the blocks over groups of samples.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import as_strided
from scipy import sparse

from ._runtime import default_workers, run_parallel

Pair = tuple[int, int]
T = TypeVar("T")

#: bytes of columns per block of samples (the machine this was tuned on has 1 MiB of L2 per core and
#: 32 MiB of L3; 2 MiB blocks measured 1.1–1.4× faster than the whole batch at once, and than 512 KiB)
BLOCK_BYTES = 1 << 21
#: ops with fewer bytes of columns than this run on one thread: sharing them costs more than it saves
PARALLEL_BYTES = 1 << 23
#: a conv layer's input and kernel gradients run side by side, one per core, from this many bytes of
#: columns up to ``PARALLEL_BYTES`` (measured on LeNet's second layer, 3.3 MB: 1.61 → 1.33 ms; a
#: thread hand-off costs 40–70 µs, more than the overlap saves on layers much smaller than this)
CONCURRENT_BYTES = 1 << 20
#: threads sharing an op's blocks (``TINYGRAD_CNN_THREADS`` overrides; see ``_runtime.py``)
WORKERS = default_workers()

#: output rows shorter than this take the batch-last layout in the forward and kernel gradient
#: (measured: 1.7× faster for LeNet's 8-wide second layer, 1.2× slower for a 32-wide layer, where
#: the extra transpose costs more) ...
SHORT_ROW = 16
#: ... and in the input gradient, whose batch-last col2im is one sparse product (measured, float32:
#: 3.0× faster 8 wide, 1.1–1.8× for 16–28 wide, 1.2× slower 32 wide)
TRANSPOSE_SHORT_ROW = 32


def out_size(size: int, k: int, stride: int, pad: int, dilation: int) -> int:
    """Output length of a strided, padded, dilated window sweep: ⌊(size + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (size + 2 * pad - dilation * (k - 1) - 1) // stride + 1


def pad_hw(x: np.ndarray, padding: Pair, value: float = 0.0) -> np.ndarray:
    """Pad the last two axes symmetrically (no copy when there is nothing to pad)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def windows(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """A read-only (N, C, kh, kw, Ho, Wo) view of every window of a padded (N, C, Hp, Wp) array."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    return as_strided(
        xp,
        (n, c, kernel[0], kernel[1], out_hw[0], out_hw[1]),
        (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]),
        writeable=False,
    )


def im2col(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """The windows copied into columns, one (C·kh·kw, Ho·Wo) matrix per sample: (N, C·kh·kw, Ho·Wo)."""
    n, c = xp.shape[:2]
    cols = np.ascontiguousarray(windows(xp, kernel, out_hw, stride, dilation))
    return cols.reshape(n, c * kernel[0] * kernel[1], out_hw[0] * out_hw[1])


def im2col_channel_major(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """The windows copied into one matrix for all samples: (C·kh·kw, N·Ho·Wo)."""
    n, c = xp.shape[:2]
    cols = np.ascontiguousarray(windows(xp, kernel, out_hw, stride, dilation).transpose(1, 2, 3, 0, 4, 5))
    return cols.reshape(c * kernel[0] * kernel[1], n * out_hw[0] * out_hw[1])


def im2col_batch_last(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """The windows as one (C·kh·kw, Ho·Wo·N) matrix, samples last: with stride 1 every copied run is
    Wo·N values long instead of Wo (8 for LeNet's second layer), which NumPy copies far faster."""
    xb = np.ascontiguousarray(xp.transpose(1, 2, 3, 0))  # (C, Hp, Wp, N)
    c, n = xb.shape[0], xb.shape[3]
    sc, sh, sw, sn = xb.strides
    view = as_strided(
        xb,
        (c, kernel[0], kernel[1], out_hw[0], out_hw[1], n),
        (sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1], sn),
        writeable=False,
    )
    return np.ascontiguousarray(view).reshape(c * kernel[0] * kernel[1], out_hw[0] * out_hw[1] * n)


def _batch_last(a: np.ndarray, groups: int) -> np.ndarray:
    """(n, O, Ho, Wo) → (groups, O/groups, Ho·Wo·n), contiguous: ∂L/∂Y in the order of ``im2col_batch_last``."""
    o = a.shape[1]
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).reshape(groups, o // groups, -1)


def _per_sample(k: int, l_out: int) -> bool:
    """For the kernel gradient: per-sample products when each sample has at least as many output
    positions L as column rows K; else one channel-major product per block, since with few positions
    (LeNet's second layer: L = 64, K = 200) the per-sample products contract over too short an axis
    (measured 4× slower there)."""
    return l_out >= k


def col2im(dcols: np.ndarray, padded_hw: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """Scatter-add (C, kh, kw, N, Ho, Wo) columns onto a zero (C, N, Hp, Wp) array: im2col's adjoint.

    One strided add per kernel offset, each over whole rows of the block.
    """
    c, kh, kw, n, ho, wo = dcols.shape
    out = np.zeros((c, n) + tuple(padded_hw), dtype=dcols.dtype)
    (sh, sw), (dh, dw) = stride, dilation
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            out[:, :, rows, cols] += dcols[:, i, j]
    return out


@functools.lru_cache(maxsize=16)
def scatter_matrix(channels: int, kernel: Pair, out_hw: Pair, padded_hw: Pair, stride: Pair, dilation: Pair,
                   dtype: np.dtype) -> sparse.csr_array:
    """im2col as the linear map it is, transposed: the 0/1 matrix S with ``S · cols = col2im(cols)``.

    Row (c, h, w) of the padded input has a one in column (c, i, j, r, q) of the columns exactly when
    window (r, q) sees (h, w) at kernel offset (i, j); one nonzero per column, in the order the
    strided adds of ``col2im`` would add them, so the sums are the same to the last bit.
    """
    (kh, kw), (ho, wo), (hp, wp), (sh, sw), (dh, dw) = kernel, out_hw, padded_hw, stride, dilation
    c, i, j, r, q = np.ix_(np.arange(channels), np.arange(kh), np.arange(kw), np.arange(ho), np.arange(wo))
    rows = ((c * hp + r * sh + i * dh) * wp + q * sw + j * dw).ravel()
    cols = np.arange(rows.size)
    return sparse.csr_array((np.ones(rows.size, dtype), (rows, cols)), shape=(channels * hp * wp, rows.size))


def col2im_batch_last(dcols: np.ndarray, channels: int, padded_hw: Pair, kernel: Pair, out_hw: Pair,
                      stride: Pair, dilation: Pair) -> np.ndarray:
    """``im2col_batch_last``'s adjoint: (C·kh·kw·Ho·Wo, n) columns summed into a (C, Hp, Wp, n) array.

    As one sparse product ``S · cols`` (``scatter_matrix``): every nonzero adds a whole row of n
    values in compiled code, where the kh·kw strided adds over short rows were loop-bound (LeNet's
    second layer: 0.34 → 0.11 ms).
    """
    n = dcols.shape[-1]
    s = scatter_matrix(channels, kernel, out_hw, padded_hw, stride, dilation, dcols.dtype)
    return (s @ dcols.reshape(-1, n)).reshape((channels,) + tuple(padded_hw) + (n,))


def _blocks(n: int, per_sample: int) -> list[slice]:
    """Consecutive groups of samples whose columns fill about ``BLOCK_BYTES`` each (and at least one
    per worker when the op is big enough to share)."""
    size = max(1, BLOCK_BYTES // max(per_sample, 1))
    if n * per_sample >= PARALLEL_BYTES:
        size = min(size, -(-n // WORKERS))
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def concurrent(columns_bytes: int) -> bool:
    """Whether two independent ops with this many bytes of columns each should run side by side:
    big enough to pay for the hand-off, too small for either to be shared out block by block."""
    return WORKERS > 1 and CONCURRENT_BYTES <= columns_bytes < PARALLEL_BYTES


def _run_blocks(work: Callable[[slice], T], blocks: list[slice], total_bytes: int) -> list[T]:
    """``work`` on every block: on the worker threads when the op is big enough to share."""
    return run_parallel(work, blocks, WORKERS if total_bytes >= PARALLEL_BYTES else 1)


def _channel_major(a: np.ndarray, groups: int) -> np.ndarray:
    """(n, O, Ho, Wo) → (groups, O/groups, n·Ho·Wo), contiguous: the samples joined into one matrix."""
    n, o, ho, wo = a.shape
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).reshape(groups, o // groups, n * ho * wo)


def conv_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    groups: int,
    keep_columns: bool = False,
) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """Cross-correlation of x (N, C, H, W) with weight (O, C/g, kh, kw) (+ bias (O,)): y (N, O, Ho, Wo).

    With ``keep_columns``, also returns each block's columns, in the layout ``conv_weight`` wants, so
    the kernel gradient need not rebuild them (the columns of these layers fit in the L3 cache).
    """
    n = x.shape[0]
    o, cg, kh, kw = weight.shape
    ho = out_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
    wo = out_size(x.shape[3], kw, stride[1], padding[1], dilation[1])
    k = cg * kh * kw
    xp = pad_hw(x, padding)
    wm = weight.reshape(groups, o // groups, k)
    out = np.empty((n, o, ho, wo), dtype=np.result_type(x, weight))
    channel_major = keep_columns and not _per_sample(k, ho * wo)
    batch_last = wo < SHORT_ROW  # the column order conv_weight expects too

    def block(blk: slice) -> np.ndarray:
        if channel_major:  # one product for the block, then a transpose into (n, O, Ho, Wo)
            if batch_last:
                cols = im2col_batch_last(xp[blk], (kh, kw), (ho, wo), stride, dilation)
                y = np.matmul(wm, cols.reshape(groups, k, -1)).reshape(o, ho, wo, -1).transpose(3, 0, 1, 2)
            else:
                cols = im2col_channel_major(xp[blk], (kh, kw), (ho, wo), stride, dilation)
                y = np.matmul(wm, cols.reshape(groups, k, -1)).reshape(o, -1, ho, wo).transpose(1, 0, 2, 3)
            if bias is None:
                out[blk] = y
            else:
                np.add(y, bias.reshape(o, 1, 1), out=out[blk])  # the bias rides along with the transpose
            return cols
        # W·colsₙ for every sample n of the block, written straight into the (n, O, Ho, Wo) output
        cols = im2col(xp[blk], (kh, kw), (ho, wo), stride, dilation)
        m = cols.shape[0]
        if groups == 1:
            np.matmul(wm[0], cols, out=out[blk].reshape(m, o, ho * wo))
        else:
            np.matmul(wm, cols.reshape(m, groups, k, -1), out=out[blk].reshape(m, groups, o // groups, ho * wo))
        if bias is not None:
            out[blk] += bias.reshape(o, 1, 1)
        return cols

    per_sample = cg * groups * kh * kw * ho * wo * x.itemsize
    columns = _run_blocks(block, _blocks(n, per_sample), n * per_sample)
    return out, (columns if keep_columns else None)


def conv_weight(
    x: np.ndarray,
    grad_output: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    groups: int,
    columns: list[np.ndarray] | None = None,
) -> np.ndarray:
    """∂L/∂K of a convolution: Σₙ ∂L/∂Yₙ · cols(Xₙ)ᵀ, shape (O, C/g, kh, kw).

    ``columns``: the blocks ``conv_forward(..., keep_columns=True)`` returned for this x, if kept.
    """
    n, c = x.shape[:2]
    o, ho, wo = grad_output.shape[1:]
    kh, kw = kernel
    k = (c // groups) * kh * kw
    xp = pad_hw(x, padding)
    per_sample = _per_sample(k, ho * wo)
    batch_last = wo < SHORT_ROW  # as conv_forward laid out any kept columns
    sample_bytes = c * kh * kw * ho * wo * x.itemsize
    blocks = _blocks(n, sample_bytes)
    index = {(b.start, b.stop): i for i, b in enumerate(blocks)}

    def block(blk: slice) -> np.ndarray:
        kept = columns[index[blk.start, blk.stop]] if columns is not None else None
        if not per_sample:
            if kept is None:
                build = im2col_batch_last if batch_last else im2col_channel_major
                kept = build(xp[blk], kernel, (ho, wo), stride, dilation)
            cols = kept.reshape(groups, k, -1)
            g = (_batch_last if batch_last else _channel_major)(grad_output[blk], groups)
            if groups == 1:  # (K, nL)·(nL, O): the orientation measured 2× faster than (O, nL)·(nL, K)
                return (cols[0] @ g[0].T).T[None]
            return np.matmul(g, cols.transpose(0, 2, 1))
        cols = kept if kept is not None else im2col(xp[blk], kernel, (ho, wo), stride, dilation)
        m = cols.shape[0]
        g = grad_output[blk].reshape(m, groups, o // groups, ho * wo)
        return np.matmul(g, cols.reshape(m, groups, k, -1).transpose(0, 1, 3, 2)).sum(axis=0)

    gw = np.zeros((groups, o // groups, k), dtype=np.result_type(x, grad_output))
    for part in _run_blocks(block, blocks, n * sample_bytes):
        gw += part
    return gw.reshape(o, c // groups, kh, kw)


def conv_transpose(
    grad_output: np.ndarray,
    weight: np.ndarray,
    out_hw: Pair,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
    groups: int,
) -> np.ndarray:
    """The adjoint of ``conv_forward`` in x: ∂L/∂X (N, C, H, W) from ∂L/∂Y (N, O, Ho, Wo) and weight (O, C/g, kh, kw).

    ``out_hw`` is the unpadded (H, W) wanted: rows and columns no window reached get zeros.
    """
    n, o, ho, wo = grad_output.shape
    _, cg, kh, kw = weight.shape
    c = cg * groups
    k = cg * kh * kw
    ph, pw = padding
    hp = max(out_hw[0] + 2 * ph, dilation[0] * (kh - 1) + stride[0] * (ho - 1) + 1)
    wp = max(out_hw[1] + 2 * pw, dilation[1] * (kw - 1) + stride[1] * (wo - 1) + 1)
    rows, cols = slice(ph, ph + out_hw[0]), slice(pw, pw + out_hw[1])
    wt = weight.reshape(groups, o // groups, k).transpose(0, 2, 1)
    out = np.empty((n, c) + tuple(out_hw), dtype=np.result_type(grad_output, weight))
    # Short rows make NumPy's strided adds loop-bound: then order the columns (h, w, n) and scatter
    # them with one sparse product, at the price of transposing ∂L/∂Y that way first.
    batch_last = wo < TRANSPOSE_SHORT_ROW

    def block(blk: slice) -> None:
        g = grad_output[blk]
        m = g.shape[0]
        if batch_last:
            g = np.ascontiguousarray(g.transpose(1, 2, 3, 0)).reshape(groups, o // groups, -1)
        else:
            g = _channel_major(g, groups)
        dcols = wt[0] @ g[0] if groups == 1 else np.matmul(wt, g)
        if batch_last:
            dxp = col2im_batch_last(dcols.reshape(-1, m), c, (hp, wp), (kh, kw), (ho, wo), stride, dilation)
            out[blk] = dxp[:, rows, cols].transpose(3, 0, 1, 2)
        else:
            dxp = col2im(dcols.reshape(c, kh, kw, m, ho, wo), (hp, wp), (kh, kw), stride, dilation)
            out[blk] = dxp[:, :, rows, cols].transpose(1, 0, 2, 3)

    sample_bytes = k * groups * ho * wo * grad_output.itemsize
    _run_blocks(block, _blocks(n, sample_bytes), n * sample_bytes)
    return out
