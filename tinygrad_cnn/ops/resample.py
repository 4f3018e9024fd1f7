"""Linear resampling along axes: adaptive average pooling, nearest/bilinear interpolation, reflect,
replicate and circular padding.

Each of these is linear and *separable*: the output is the input multiplied, along each resampled
axis a, by a fixed matrix Aₐ of shape (out_len, in_len): Y = A_H · X · A_Wᵀ for images. The rows of A
say where each output value comes from: 1/k over a k-wide window (adaptive average), a single 1
(nearest, and the padding modes, whose rows point at the mirrored, edge or wrapped-around input), or
two weights summing to 1 (bilinear). The gradient is the transposed map, ∂L/∂X = A_Hᵀ · ∂L/∂Y · A_W,
the same op with transposed matrices (named ``<op>_backward``), whose own gradient is the forward
map again, so derivatives of every order exist. ``docs/maths/pooling.md`` shows the matrices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..autograd import Function
from ..tensor import Tensor

Maps = tuple[tuple[int, np.ndarray], ...]  # (axis, matrix (out_len, in_len)) pairs


def apply_maps(x: np.ndarray, maps: Maps) -> np.ndarray:
    """x with each (axis, A) applied: x ×ₐ A (a matrix product along that axis)."""
    out = x
    for axis, a in maps:
        a = a.astype(x.dtype, copy=False)
        if axis == out.ndim - 1:
            out = out @ a.T
        else:
            moved = np.moveaxis(out, axis, -1) @ a.T
            out = np.moveaxis(moved, -1, axis)
    return np.ascontiguousarray(out)


class _AxisMaps(Function):
    """y = x ×ₐ Aₐ for each (axis, Aₐ); the backward applies the transposed matrices."""

    backward_fn: type[_AxisMaps]

    @staticmethod
    def forward(ctx, x, maps):
        ctx._maps = maps
        return apply_maps(x._data, maps)

    @classmethod
    def _transposed(cls, maps: Maps) -> Maps:
        return tuple((axis, a.T) for axis, a in maps)


def _backward(ctx, g):
    return ctx._fn.backward_fn.apply(g, ctx._fn._transposed(ctx._maps)), None


_AxisMaps.backward = staticmethod(_backward)


def _op_pair(name: str) -> type[_AxisMaps]:
    """A forward op and its ``_backward`` twin, each the other's gradient."""
    forward = type(name, (_AxisMaps,), {"name": name, "__doc__": f"``{name}`` as a separable linear map."})
    back = type(name + "_backward", (_AxisMaps,), {"name": name + "_backward",
                                                    "__doc__": f"The gradient of ``{name}``: the transposed map."})
    forward.backward_fn, back.backward_fn = back, forward
    return forward


AdaptiveAvgPool2d = _op_pair("adaptive_avg_pool2d")
UpsampleNearest2d = _op_pair("upsample_nearest2d")
UpsampleBilinear2d = _op_pair("upsample_bilinear2d")
UpsampleLinear1d = _op_pair("upsample_linear1d")
ReflectionPad = _op_pair("reflection_pad")
ReplicationPad = _op_pair("replication_pad")
CircularPad = _op_pair("circular_pad")


# --------------------------------------------------------------------------- the matrices


def adaptive_windows(in_len: int, out_len: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: output i covers [⌊i·L/n⌋, ⌈(i + 1)·L/n⌉)."""
    return [((i * in_len) // out_len, -((-(i + 1) * in_len) // out_len)) for i in range(out_len)]


def adaptive_avg_matrix(in_len: int, out_len: int) -> np.ndarray:
    """Rows of 1/k over each adaptive window of k inputs."""
    a = np.zeros((out_len, in_len))
    for i, (lo, hi) in enumerate(adaptive_windows(in_len, out_len)):
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def _one_hot(index: np.ndarray, in_len: int) -> np.ndarray:
    a = np.zeros((len(index), in_len))
    a[np.arange(len(index)), index] = 1.0
    return a


def nearest_matrix(in_len: int, out_len: int, scale: float | None) -> np.ndarray:
    """PyTorch's 'nearest': source index ⌊i · s⌋ (clamped) in float32 arithmetic, s = 1/scale_factor
    when given, else in/out; equal sizes copy and doubled sizes take i // 2, as PyTorch's kernel."""
    if out_len == in_len:
        index = np.arange(out_len)
    elif out_len == 2 * in_len:
        index = np.arange(out_len) // 2
    else:
        s = np.float32(1.0 / scale) if scale is not None else np.float32(in_len) / np.float32(out_len)
        index = np.floor(np.arange(out_len, dtype=np.float32) * s).astype(np.int64)
        index = np.minimum(index, in_len - 1)
    return _one_hot(index, in_len)


def linear_matrix(in_len: int, out_len: int, align_corners: bool, scale: float | None) -> np.ndarray:
    """PyTorch's 'bilinear' along one axis: the weights of the two neighbours of each source position.

    align_corners=True: source = i · (in − 1)/(out − 1); otherwise source = (i + ½) · s − ½ clamped at 0,
    s = 1/scale_factor when given, else in/out. Equal sizes copy, as PyTorch's kernel does.
    """
    if out_len == in_len:  # PyTorch copies equal sizes, whatever the scale_factor says
        return np.eye(in_len)
    i = np.arange(out_len, dtype=np.float64)
    if align_corners:
        src = i * ((in_len - 1) / (out_len - 1)) if out_len > 1 else np.zeros(out_len)
    else:
        s = 1.0 / scale if scale is not None else in_len / out_len
        src = np.maximum((i + 0.5) * s - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), in_len - 1)
    hi = np.minimum(lo + 1, in_len - 1)
    frac = src - lo
    a = np.zeros((out_len, in_len))
    np.add.at(a, (np.arange(out_len), lo), 1.0 - frac)
    np.add.at(a, (np.arange(out_len), hi), frac)
    return a


def pad_matrix(in_len: int, before: int, after: int, mode: str) -> np.ndarray:
    """Rows picking the input index each padded position copies: mirrored, edge, or wrapped around."""
    index = np.arange(-before, in_len + after)
    if mode == "reflect":
        period = 2 * (in_len - 1)
        index = np.abs(index) % period if period else np.zeros_like(index)
        index = np.where(index >= in_len, period - index, index)
    elif mode == "replicate":
        index = np.clip(index, 0, in_len - 1)
    else:  # circular: negative widths crop first, then the kept part wraps around (as PyTorch)
        kept = np.arange(max(0, -before), in_len - max(0, -after))
        index = kept[np.arange(-max(0, before), len(kept) + max(0, after)) % len(kept)]
    return _one_hot(index, in_len)


def maps_for(fn: type[_AxisMaps], x: Tensor, maps: Sequence[tuple[int, np.ndarray]]) -> Tensor:
    """Apply a separable map, skipping identity axes."""
    kept = tuple((axis, a) for axis, a in maps
                 if not (a.shape[0] == a.shape[1] and np.array_equal(a, np.eye(a.shape[0]))))
    if not kept:
        return fn.apply(x, ((x.ndim - 1, np.eye(x.shape[-1])),))
    return fn.apply(x, kept)
