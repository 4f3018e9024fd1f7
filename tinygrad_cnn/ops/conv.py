"""Convolution ops: the documents' ``correlate2d``/``convolve2d`` on planes, and ``conv2d`` on batches.

The backward rules *are* the source documents' formulas, written with these same ops, so every
gradient is differentiable again (double backward, ``gradgradcheck``, the derivation view):

* kernel gradient  ∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ        → op ``conv2d_weight`` (a cross-correlation);
* bias gradient    ∂L/∂Bᵢ = Σ ∂L/∂Yᵢ            → ``sum``;
* input gradient   ∂L/∂Xⱼ = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ → op ``conv_transpose2d`` (a full convolution).

Strides zero-insert (dilate) ∂L/∂Y before the full convolution, padding crops its result, and
dilation dilates the kernel; ``docs/`` derives each case. ⋆ is cross-correlation, ∗full full convolution.
The NumPy kernels live in ``_im2col.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Function, is_anomaly_enabled, is_grad_enabled, no_grad
from ..tensor import Tensor
from . import _im2col as k2
from ._runtime import run_concurrently
from .shape import pad as _pad

__all__ = ["correlate2d", "convolve2d", "conv2d", "conv_transpose2d", "conv2d_weight"]

Pair = tuple[int, int]
_MODES = ("valid", "full", "same")


# ---------------------------------------------------------------------- argument checks


def pair(value: Any, name: str, op: str, minimum: int) -> Pair:
    """An int or a pair of ints as a pair, each at least ``minimum`` (PyTorch's ``_pair`` plus a check)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        vals = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        vals = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(vals) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return vals


def float_tensor(x: Any, op: str, arg: str, arrays: bool = False) -> Tensor:
    """``x`` as a floating-point Tensor, or a TypeError naming what came (``arrays``: accept array-likes)."""
    if not isinstance(x, Tensor):
        if not arrays:
            raise TypeError(f"{op}: expected {arg} to be a Tensor, got {type(x).__name__}")
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{op}: expected {arg} to be a Tensor or a numeric array, got {type(x).__name__}")
        x = Tensor(arr)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point {arg}, got dtype {x.dtype} (convert it with .float())")
    return x


def _common_dtype(*tensors: Tensor | None) -> list[Tensor | None]:
    """Promote float32/float64 mixes to their NumPy result type (differentiable casts)."""
    present = [t for t in tensors if t is not None]
    dtype = np.result_type(*[t.dtype for t in present])
    return [None if t is None else t.to(dtype) for t in tensors]


def _crop_hw(t: Tensor, hw: tuple[int, ...]) -> Tensor:
    """Drop trailing rows/columns beyond ``hw`` (rows a strided window sweep never reached)."""
    if t.shape[-2:] == tuple(hw):
        return t
    return t[..., : hw[0], : hw[1]]


def _transpose_output_padding(in_hw: tuple[int, ...], out_hw: tuple[int, ...], kernel: Pair, stride: Pair,
                              padding: Pair, dilation: Pair) -> Pair:
    """The output_padding that makes conv_transpose2d of an (out_hw) map come back to exactly (in_hw)."""
    return tuple(  # type: ignore[return-value]
        in_hw[a] - ((out_hw[a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * (kernel[a] - 1) + 1) for a in range(2)
    )


# ---------------------------------------------------------------------- planes: the documents' ops


def _plane_pads(op: str, x_shape: tuple[int, ...], k_shape: tuple[int, ...], mode: str, flip: bool) -> tuple[int, ...]:
    """Zero padding (top, bottom, left, right) that turns ``mode`` into a valid cross-correlation.

    ``valid`` with a kernel larger than the input is the region where they fully overlap (SciPy swaps
    the arguments); ``same`` centres the result as SciPy does, which for an even kernel differs
    between correlation (offset k//2 into the full result) and convolution (offset (k-1)//2).
    """
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be one of {_MODES}, got {mode!r}")
    (h, w), (kh, kw) = x_shape, k_shape
    if mode == "valid":
        if h >= kh and w >= kw:
            return (0, 0, 0, 0)
        if kh >= h and kw >= w:
            return (kh - h, kh - h, kw - w, kw - w)
        raise ValueError(
            f"{op}: for 'valid' mode one input must be at least as large as the other in every dimension, "
            f"got in1 {tuple(x_shape)} and in2 {tuple(k_shape)}"
        )
    if mode == "full":
        return (kh - 1, kh - 1, kw - 1, kw - 1)
    if flip:  # convolution
        return (kh // 2, (kh - 1) // 2, kw // 2, (kw - 1) // 2)
    return ((kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2)


def _valid_xcorr(xp: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of two planes through the batched kernel."""
    return k2.conv_forward(xp[None, None], k[None, None], None, (1, 1), (0, 0), (1, 1), 1)[0][0, 0]


def _pad_plane(x: Tensor, pads: tuple[int, ...]) -> Tensor:
    pt, pb, pl, pr = pads
    return x if not any(pads) else _pad(x, (pl, pr, pt, pb))


def _crop_plane(t: Tensor, pads: tuple[int, ...]) -> Tensor:
    pt, pb, pl, pr = pads
    if not any(pads):
        return t
    return t[pt : t.shape[0] - pb, pl : t.shape[1] - pr]


class Correlate2d(Function):
    """Y = X ⋆ K on 2-D planes, exactly ``scipy.signal.correlate2d(x, k, mode)``."""

    name = "correlate2d"

    @staticmethod
    def forward(ctx, x, k, mode):
        ctx.mode = mode
        ctx._pads = pads = _plane_pads("correlate2d", x.shape, k.shape, mode, flip=False)
        ctx.save_for_backward(x, k)
        pt, pb, pl, pr = pads
        xp = np.pad(x._data, ((pt, pb), (pl, pr))) if any(pads) else x._data
        return _valid_xcorr(xp, k._data)

    @staticmethod
    def backward(ctx, g):
        """∂L/∂K = X ⋆ ∂L/∂Y (valid); ∂L/∂X = ∂L/∂Y ∗full K, cropped by the mode's padding."""
        x, k = ctx.saved_tensors
        pads = ctx._pads
        gx = gk = None
        if ctx.needs_input_grad[0]:
            gx = _crop_plane(Convolve2d.apply(g, k, "full"), pads)
        if ctx.needs_input_grad[1]:
            gk = Correlate2d.apply(_pad_plane(x, pads), g, "valid")
        return gx, gk, None


class Convolve2d(Function):
    """Y = X ∗ K on 2-D planes (the kernel rotated 180°), exactly ``scipy.signal.convolve2d(x, k, mode)``."""

    name = "convolve2d"

    @staticmethod
    def forward(ctx, x, k, mode):
        ctx.mode = mode
        ctx._pads = pads = _plane_pads("convolve2d", x.shape, k.shape, mode, flip=True)
        ctx.save_for_backward(x, k)
        pt, pb, pl, pr = pads
        xp = np.pad(x._data, ((pt, pb), (pl, pr))) if any(pads) else x._data
        return _valid_xcorr(xp, k._data[::-1, ::-1])

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = ∂L/∂Y ⋆full K, cropped by the mode's padding; ∂L/∂K = rot180(X ⋆ ∂L/∂Y)."""
        x, k = ctx.saved_tensors
        pads = ctx._pads
        gx = gk = None
        if ctx.needs_input_grad[0]:
            gx = _crop_plane(Correlate2d.apply(g, k, "full"), pads)
        if ctx.needs_input_grad[1]:
            gk = Correlate2d.apply(_pad_plane(x, pads), g, "valid")[::-1, ::-1]
        return gx, gk, None


def _plane_args(op: str, x: Any, k: Any, mode: str) -> tuple[Tensor, Tensor]:
    x = float_tensor(x, op, "in1", arrays=True)  # SciPy-style: NumPy planes are welcome
    k = float_tensor(k, op, "in2", arrays=True)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(f"{op}: expected two 2-D planes, got in1 {x.shape} and in2 {k.shape}")
    if 0 in x.shape or 0 in k.shape:
        raise ValueError(f"{op}: inputs must not be empty, got in1 {x.shape} and in2 {k.shape}")
    _plane_pads(op, x.shape, k.shape, mode, flip=False)  # validates mode and 'valid' shapes
    x, k = _common_dtype(x, k)
    return x, k


def correlate2d(in1: Any, in2: Any, mode: str = "valid") -> Tensor:
    """2-D cross-correlation X ⋆ K of planes, ``mode`` in valid | full | same, as ``scipy.signal.correlate2d``.

    Differentiable in both arguments. Note the default mode is ``"valid"`` (the documents' layer), not
    SciPy's ``"full"``.
    """
    x, k = _plane_args("correlate2d", in1, in2, mode)
    return Correlate2d.apply(x, k, mode)


def convolve2d(in1: Any, in2: Any, mode: str = "full") -> Tensor:
    """2-D convolution X ∗ K of planes (kernel rotated 180°), as ``scipy.signal.convolve2d``."""
    x, k = _plane_args("convolve2d", in1, in2, mode)
    return Convolve2d.apply(x, k, mode)


# ---------------------------------------------------------------------- batches: conv2d and its gradients


class Conv2d(Function):
    """Yᵢ = Bᵢ + Σⱼ Xⱼ ⋆ Kᵢⱼ over (N, C, H, W), with stride, padding, dilation and groups (PyTorch's conv2d)."""

    name = "conv2d"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        keep = ctx.needs_input_grad[1]  # the kernel gradient X ⋆ ∂L/∂Y reuses the forward's im2col columns
        y, columns = k2.conv_forward(x._data, weight._data, None if bias is None else bias._data, stride, padding,
                                     dilation, groups, keep_columns=keep)
        ctx.save_for_backward(x, weight, columns)
        return y

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ (conv_transpose2d); ∂L/∂K = X ⋆ ∂L/∂Y (conv2d_weight); ∂L/∂B = Σ ∂L/∂Y."""
        x, weight, columns = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        s, p, d, groups = ctx.stride, ctx.padding, ctx.dilation, ctx.groups
        kernel = weight.shape[2:]

        def input_grad() -> Tensor:
            op = _transpose_output_padding(x.shape[2:], g.shape[2:], kernel, s, p, d)
            return ConvTranspose2d.apply(g, weight, None, s, p, op, groups, d)

        def kernel_grad() -> Tensor:
            return Conv2dWeight.apply(x, g, kernel, s, p, d, groups, _columns=columns)

        gx = gw = gb = None
        if need_x and need_w and _side_by_side(x, weight, g):
            gx, gw = run_concurrently(input_grad, _unrecorded(kernel_grad))
        else:
            gx = input_grad() if need_x else None
            gw = kernel_grad() if need_w else None
        if need_b:
            gb = g.sum((0, 2, 3))
        return gx, gw, gb, None, None, None, None


def _side_by_side(x: Tensor, weight: Tensor, g: Tensor) -> bool:
    """Whether to compute a layer's input and kernel gradients at once, one on each core.

    Only in a plain backward (no graph being recorded, no anomaly checks: both are per thread), and
    only where neither op shares its own blocks between the cores (``k2.concurrent``).
    """
    if is_grad_enabled() or is_anomaly_enabled():
        return False
    kh, kw = weight.shape[2:]
    columns_bytes = x.shape[0] * x.shape[1] * kh * kw * g.shape[2] * g.shape[3] * x.dtype.itemsize
    return k2.concurrent(columns_bytes)


def _unrecorded(work: Callable[[], Tensor]) -> Callable[[], Tensor]:
    """``work`` with recording off on whatever thread runs it (a worker thread starts with it on)."""

    def run() -> Tensor:
        with no_grad():
            return work()

    return run


class Conv2dWeight(Function):
    """The kernel gradient ∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ: a cross-correlation of the input with the upstream gradient.

    PyTorch's ``torch.nn.grad.conv2d_weight``; its stride correlates with a dilated ∂L/∂Y.
    """

    name = "conv2d_weight"

    @staticmethod
    def forward(ctx, x, grad_output, kernel, stride, padding, dilation, groups, _columns=None):
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        ctx._kernel = kernel
        ctx.save_for_backward(x, grad_output)
        return k2.conv_weight(x._data, grad_output._data, kernel, stride, padding, dilation, groups, _columns)

    @staticmethod
    def backward(ctx, gg):
        """For G = X ⋆ ∂L/∂Y, bilinear: ∂/∂X = ∂L/∂Y ∗full GG (conv_transpose2d), ∂/∂(∂L/∂Y) = X ⋆ GG (conv2d)."""
        x, gy = ctx.saved_tensors
        s, p, d, groups = ctx.stride, ctx.padding, ctx.dilation, ctx.groups
        gx = ggy = None
        if ctx.needs_input_grad[0]:
            op = _transpose_output_padding(x.shape[2:], gy.shape[2:], ctx._kernel, s, p, d)
            gx = ConvTranspose2d.apply(gy, gg, None, s, p, op, groups, d)
        if ctx.needs_input_grad[1]:
            ggy = _crop_hw(Conv2d.apply(x, gg, None, s, p, d, groups), gy.shape[2:])
        return gx, ggy, None, None, None, None, None


class ConvTranspose2d(Function):
    """The transposed convolution: ∂L/∂Xⱼ = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ, strides zero-inserting ∂L/∂Y, padding cropping.

    Also PyTorch's public ``conv_transpose2d`` (weight (C_in, C_out/groups, kH, kW)).
    """

    name = "conv_transpose2d"

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, groups, dilation):
        ctx.stride, ctx.padding, ctx.output_padding = stride, padding, output_padding
        ctx.groups, ctx.dilation = groups, dilation
        ctx.save_for_backward(x, weight)
        kh, kw = weight.shape[2:]
        out_hw = tuple(
            (x.shape[2 + a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * ((kh, kw)[a] - 1) + output_padding[a] + 1
            for a in range(2)
        )
        y = k2.conv_transpose(x._data, weight._data, out_hw, stride, padding, dilation, groups)
        if bias is not None:
            y += bias._data.reshape(-1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, g):
        """Its adjoint is the convolution: ∂/∂X = ∂L/∂Y' ⋆ K (conv2d); ∂/∂K = ∂L/∂Y' ⋆ X (conv2d_weight); ∂/∂B = Σ."""
        x, weight = ctx.saved_tensors
        s, p, d, groups = ctx.stride, ctx.padding, ctx.dilation, ctx.groups
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x:
            gx = _crop_hw(Conv2d.apply(g, weight, None, s, p, d, groups), x.shape[2:])
        if need_w:
            gw = Conv2dWeight.apply(g, x, weight.shape[2:], s, p, d, groups)
        if need_b:
            gb = g.sum((0, 2, 3))
        return gx, gw, gb, None, None, None, None, None


# ---------------------------------------------------------------------- public entry points


def _batched(op: str, input: Tensor, expected: str) -> tuple[Tensor, bool]:  # noqa: A002
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim == 4:
        return input, False
    raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input{expected}, got shape {input.shape}")


def _check_bias(op: str, bias: Any, channels: int) -> Tensor | None:
    if bias is None:
        return None
    bias = float_tensor(bias, op, "bias")
    if bias.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), one value per output channel, got {bias.shape}")
    return bias


def _check_groups(op: str, groups: Any) -> int:
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    return int(groups)


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation over (N, C, H, W) — or unbatched (C, H, W) — as ``torch.nn.functional.conv2d``.

    weight (O, C/groups, kH, kW), bias (O,); ``padding`` an int, a pair, ``"valid"`` or ``"same"``.
    Output (N, O, ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1, ...).
    """
    op = "conv2d"
    input = float_tensor(input, op, "input")  # noqa: A001
    weight = float_tensor(weight, op, "weight")
    x, unbatched = _batched(op, input, "")
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW), got {weight.shape}")
    groups = _check_groups(op, groups)
    o, cg, kh, kw = weight.shape
    c = x.shape[1]
    if cg * groups != c:
        per = "" if groups == 1 else f" ({cg} per group × {groups} groups)"
        raise ValueError(
            f"{op}: weight {weight.shape} expects {cg * groups} input channel{'s' if cg * groups != 1 else ''}"
            f"{per}, got input {input.shape} with {c}"
        )
    if o % groups:
        raise ValueError(f"{op}: out_channels ({o}, weight {weight.shape}) must be divisible by groups ({groups})")
    bias = _check_bias(op, bias, o)
    s = pair(stride, "stride", op, 1)
    d = pair(dilation, "dilation", op, 1)
    if isinstance(padding, str):
        if padding == "valid":
            p = (0, 0)
        elif padding == "same":
            if s != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {s})")
            total = (d[0] * (kh - 1), d[1] * (kw - 1))
            p = (total[0] // 2, total[1] // 2)
            extra = (total[0] - 2 * p[0], total[1] - 2 * p[1])
            if any(extra):  # an even kernel: PyTorch pads the extra row/column at the bottom/right
                x = _pad(x, (0, extra[1], 0, extra[0]))
        else:
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    else:
        p = pair(padding, "padding", op, 0)
    h, w = x.shape[2:]
    eff = (d[0] * (kh - 1) + 1, d[1] * (kw - 1) + 1)
    if eff[0] > h + 2 * p[0] or eff[1] > w + 2 * p[1]:
        dil = "" if d == (1, 1) else f", {eff} once dilated by {d}"
        raise ValueError(
            f"{op}: kernel size ({kh}, {kw}){dil} can't be greater than the padded input size "
            f"({h + 2 * p[0]}, {w + 2 * p[1]}) (input {input.shape}, padding {p})"
        )
    x, weight, bias = _common_dtype(x, weight, bias)
    y = Conv2d.apply(x, weight, bias, s, p, d, groups)
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed convolution (the input gradient of ``conv2d``), as ``torch.nn.functional.conv_transpose2d``.

    input (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out/groups, kH, kW); output height
    (H − 1)·s − 2p + d(kH − 1) + output_padding + 1.
    """
    op = "conv_transpose2d"
    input = float_tensor(input, op, "input")  # noqa: A001
    weight = float_tensor(weight, op, "weight")
    x, unbatched = _batched(op, input, "")
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (in_channels, out_channels/groups, kH, kW), got {weight.shape}")
    groups = _check_groups(op, groups)
    cin, cout_g, kh, kw = weight.shape
    if x.shape[1] != cin:
        raise ValueError(
            f"{op}: weight {weight.shape} expects {cin} input channels, got input {input.shape} with {x.shape[1]}"
        )
    if cin % groups:
        raise ValueError(f"{op}: in_channels ({cin}, weight {weight.shape}) must be divisible by groups ({groups})")
    bias = _check_bias(op, bias, cout_g * groups)
    s = pair(stride, "stride", op, 1)
    p = pair(padding, "padding", op, 0)
    d = pair(dilation, "dilation", op, 1)
    opad = pair(output_padding, "output_padding", op, 0)
    for a in range(2):
        if opad[a] >= max(s[a], d[a]):
            raise ValueError(
                f"{op}: output_padding {opad} must be smaller than either stride {s} or dilation {d}"
            )
    out = tuple((x.shape[2 + a] - 1) * s[a] - 2 * p[a] + d[a] * ((kh, kw)[a] - 1) + opad[a] + 1 for a in range(2))
    if min(out) < 1:
        raise ValueError(
            f"{op}: input {input.shape} with weight {weight.shape}, padding {p} gives an empty output {out}"
        )
    x, weight, bias = _common_dtype(x, weight, bias)
    y = ConvTranspose2d.apply(x, weight, bias, s, p, opad, groups, d)
    return y.squeeze(0) if unbatched else y


def conv2d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Any,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The kernel gradient X ⋆ ∂L/∂Y of a conv2d, as ``torch.nn.grad.conv2d_weight`` (differentiable)."""
    op = "conv2d_weight"
    input = float_tensor(input, op, "input")  # noqa: A001
    grad_output = float_tensor(grad_output, op, "grad_output")
    if input.ndim != 4 or grad_output.ndim != 4:
        raise ValueError(f"{op}: expected 4-D input and grad_output, got {input.shape} and {grad_output.shape}")
    groups = _check_groups(op, groups)
    o, cg, kh, kw = (int(v) for v in weight_size)
    s = pair(stride, "stride", op, 1)
    p = pair(padding, "padding", op, 0)
    d = pair(dilation, "dilation", op, 1)
    if cg * groups != input.shape[1] or grad_output.shape[:2] != (input.shape[0], o):
        raise ValueError(
            f"{op}: weight_size {tuple(weight_size)} with groups={groups} needs input (N, {cg * groups}, H, W) and "
            f"grad_output (N, {o}, Ho, Wo), got {input.shape} and {grad_output.shape}"
        )
    expect = tuple(k2.out_size(input.shape[2 + a], (kh, kw)[a], s[a], p[a], d[a]) for a in range(2))
    if grad_output.shape[2:] != expect:
        raise ValueError(
            f"{op}: input {input.shape} gives outputs of size {expect}, but grad_output is {grad_output.shape}"
        )
    input, grad_output = _common_dtype(input, grad_output)  # noqa: A001
    return Conv2dWeight.apply(input, grad_output, (kh, kw), s, p, d, groups)
