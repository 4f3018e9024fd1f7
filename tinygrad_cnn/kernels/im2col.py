"""Sliding windows as matrices: im2col in three column orders, and its adjoint col2im in two.

A convolution's windows, copied into columns, turn it into one matrix product (``conv.py``). The
column order decides how fast the copy and the product run (``execution.py`` chooses):

* ``im2col``: one (C·kh·kw, Ho·Wo) matrix per sample, for per-sample products written straight into
  (N, O, Ho, Wo) order;
* ``im2col_channel_major``: one (C·kh·kw, N·Ho·Wo) matrix for a block of samples;
* ``im2col_batch_last``: one (C·kh·kw, Ho·Wo·N) matrix, samples last, so that each copied run is
  Wo·N values long instead of Wo (far faster for short output rows).

``col2im`` scatters (C, kh, kw, N, Ho, Wo) columns back with one strided add per kernel offset;
``col2im_batch_last`` does the same for batch-last columns as one sparse 0/1 product, im2col's own
matrix transposed (``scatter_matrix``).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import buffers
from .geometry import Pair

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "windows", "im2col", "im2col_channel_major", "im2col_batch_last", "col2im", "scatter_matrix",
    "col2im_batch_last", "channel_major_rows", "batch_last_rows",
]


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


def _copied(view: np.ndarray, shape: tuple[int, ...], out: np.ndarray | None) -> np.ndarray:
    """The windows ``view`` copied into ``out`` (or a fresh array), as a matrix of ``shape``."""
    target = np.empty(view.shape, view.dtype) if out is None else out.reshape(view.shape)
    np.copyto(target, view)
    return target.reshape(shape)


def im2col(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair,
           out: np.ndarray | None = None) -> np.ndarray:
    """The windows copied into columns, one (C·kh·kw, Ho·Wo) matrix per sample: (N, C·kh·kw, Ho·Wo).

    ``out``: a C-contiguous array of N·C·kh·kw·Ho·Wo elements of xp's dtype to copy into.
    """
    n, c = xp.shape[:2]
    view = windows(xp, kernel, out_hw, stride, dilation)
    shape = (n, c * kernel[0] * kernel[1], out_hw[0] * out_hw[1])
    return _copied(view, shape, out)


def im2col_channel_major(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair,
                         out: np.ndarray | None = None) -> np.ndarray:
    """The windows copied into one matrix for all samples: (C·kh·kw, N·Ho·Wo)."""
    n, c = xp.shape[:2]
    view = windows(xp, kernel, out_hw, stride, dilation).transpose(1, 2, 3, 0, 4, 5)
    shape = (c * kernel[0] * kernel[1], n * out_hw[0] * out_hw[1])
    return _copied(view, shape, out)


def im2col_batch_last(xp: np.ndarray, kernel: Pair, out_hw: Pair, stride: Pair, dilation: Pair,
                      out: np.ndarray | None = None) -> np.ndarray:
    """The windows as one (C·kh·kw, Ho·Wo·N) matrix, samples last: with stride 1 every copied run is
    Wo·N values long instead of Wo, which NumPy copies far faster."""
    xb = buffers.take(xp.shape[1:] + xp.shape[:1], xp.dtype)  # (C, Hp, Wp, N)
    np.copyto(xb, xp.transpose(1, 2, 3, 0))
    c, n = xb.shape[0], xb.shape[3]
    sc, sh, sw, sn = xb.strides
    view = as_strided(
        xb,
        (c, kernel[0], kernel[1], out_hw[0], out_hw[1], n),
        (sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1], sn),
        writeable=False,
    )
    cols = _copied(view, (c * kernel[0] * kernel[1], out_hw[0] * out_hw[1] * n), out)
    buffers.give(xb)
    return cols


def channel_major_rows(a: np.ndarray, groups: int) -> np.ndarray:
    """(n, O, Ho, Wo) → (groups, O/groups, n·Ho·Wo), contiguous: ∂L/∂Y in ``im2col_channel_major``'s order.

    A work buffer (``buffers.take``): give it back when done.
    """
    n, o, ho, wo = a.shape
    out = buffers.take((o, n, ho, wo), a.dtype)
    np.copyto(out, a.transpose(1, 0, 2, 3))
    return out.reshape(groups, o // groups, n * ho * wo)


def batch_last_rows(a: np.ndarray, groups: int) -> np.ndarray:
    """(n, O, Ho, Wo) → (groups, O/groups, Ho·Wo·n), contiguous: ∂L/∂Y in ``im2col_batch_last``'s order.

    A work buffer (``buffers.take``): give it back when done.
    """
    n, o, ho, wo = a.shape
    out = buffers.take((o, ho, wo, n), a.dtype)
    np.copyto(out, a.transpose(1, 2, 3, 0))
    return out.reshape(groups, o // groups, -1)


def col2im(dcols: np.ndarray, padded_hw: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """Scatter-add (C, kh, kw, N, Ho, Wo) columns onto a zero (C, N, Hp, Wp) array: im2col's adjoint.

    One strided add per kernel offset, each over whole rows of the block. A work buffer
    (``buffers.take``): give it back when done.
    """
    c, kh, kw, n, ho, wo = dcols.shape
    out = buffers.take((c, n) + tuple(padded_hw), dcols.dtype)
    out.fill(0)
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
    from scipy import sparse  # only this layout needs SciPy's sparse module: loaded on first use

    (kh, kw), (ho, wo), (hp, wp), (sh, sw), (dh, dw) = kernel, out_hw, padded_hw, stride, dilation
    c, i, j, r, q = np.ix_(np.arange(channels), np.arange(kh), np.arange(kw), np.arange(ho), np.arange(wo))
    rows = ((c * hp + r * sh + i * dh) * wp + q * sw + j * dw).ravel()
    cols = np.arange(rows.size)
    return sparse.csr_array((np.ones(rows.size, dtype), (rows, cols)), shape=(channels * hp * wp, rows.size))


def col2im_batch_last(dcols: np.ndarray, channels: int, padded_hw: Pair, kernel: Pair, out_hw: Pair,
                      stride: Pair, dilation: Pair) -> np.ndarray:
    """``im2col_batch_last``'s adjoint: (C·kh·kw·Ho·Wo, n) columns summed into a (C, Hp, Wp, n) array.

    As one sparse product ``S · cols`` (``scatter_matrix``): every nonzero adds a whole row of n
    values in compiled code, where kh·kw strided adds over short rows would be loop-bound.
    """
    n = dcols.shape[-1]
    s = scatter_matrix(channels, kernel, out_hw, padded_hw, stride, dilation, dcols.dtype)
    return (s @ dcols.reshape(-1, n)).reshape((channels,) + tuple(padded_hw) + (n,))
