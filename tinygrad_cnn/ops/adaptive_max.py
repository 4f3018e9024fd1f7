"""Adaptive max pooling: the max over PyTorch's adaptive windows, [⌊i·H/h⌋, ⌈(i + 1)·H/h⌉) × the same in W.

The gradient goes to the position of each window's first maximum (the ``indices`` that
``return_indices=True`` returns, flat over H·W as PyTorch's); windows may overlap, and a position
that is the maximum of two windows receives both gradients. That scatter is an op of its own
(``adaptive_max_pool2d_backward``); its gradient gathers at the same indices, so derivatives of every
order exist.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .resample import adaptive_windows


def argmax_indices(x: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """(N, C, h, w) flat indices into H·W of each adaptive window's first maximum."""
    n, c, h, w = x.shape
    oh, ow = out_hw
    idx = np.empty((n, c, oh, ow), dtype=np.int64)
    cols = adaptive_windows(w, ow)
    for i, (h0, h1) in enumerate(adaptive_windows(h, oh)):
        for j, (w0, w1) in enumerate(cols):
            win = x[:, :, h0:h1, w0:w1].reshape(n, c, -1)
            local = np.argmax(win, axis=2)
            idx[:, :, i, j] = (h0 + local // (w1 - w0)) * w + (w0 + local % (w1 - w0))
    return idx


def _rows(n: int, c: int) -> np.ndarray:
    return np.arange(n * c)[:, None]


class AdaptiveMaxPool2d(Function):
    """y[n, c, i, j] = x[n, c] at the flat index ``indices[n, c, i, j]``."""

    name = "adaptive_max_pool2d"

    @staticmethod
    def forward(ctx, x, indices):
        n, c, h, w = x.shape
        ctx._in_shape = x.shape
        ctx.output_size = indices.shape[2:]
        ctx._indices = indices
        flat = x._data.reshape(n * c, h * w)
        return np.take_along_axis(flat, indices.reshape(n * c, -1), axis=1).reshape(indices.shape)

    @staticmethod
    def backward(ctx, g):
        return AdaptiveMaxPool2dBackward.apply(g, ctx._indices, ctx._in_shape), None


class AdaptiveMaxPool2dBackward(Function):
    """∂L/∂x: each ∂L/∂y added at the position its window's maximum came from."""

    name = "adaptive_max_pool2d_backward"

    @staticmethod
    def forward(ctx, g, indices, in_shape):
        n, c, h, w = in_shape
        ctx._indices = indices
        out = np.zeros((n * c, h * w), dtype=g._data.dtype)
        np.add.at(out, (_rows(n, c), indices.reshape(n * c, -1)), g._data.reshape(n * c, -1))
        return out.reshape(in_shape)

    @staticmethod
    def backward(ctx, gg):
        n, c, h, w = gg.shape
        idx = ctx._indices
        picked = gg.reshape(n * c, h * w)[_rows(n, c), idx.reshape(n * c, -1)]
        return picked.reshape(idx.shape), None, None
