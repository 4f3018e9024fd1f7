"""Convolution ops: the documents' ``correlate2d``/``convolve2d`` on planes, and ``conv2d`` on batches.

The backward rules *are* the source documents' formulas, written with these same ops, so every
gradient is differentiable again (double backward, ``gradgradcheck``, the derivation view):

* kernel gradient  ∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ        → op ``conv2d_weight`` (a cross-correlation);
* bias gradient    ∂L/∂Bᵢ = Σ ∂L/∂Yᵢ            → ``sum``;
* input gradient   ∂L/∂Xⱼ = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ → op ``conv_transpose2d`` (a full convolution).

Strides zero-insert (dilate) ∂L/∂Y before the full convolution, padding crops its result, and
dilation dilates the kernel; ``docs/`` derives each case. ⋆ is cross-correlation, ∗full full convolution.
The NumPy kernels live in ``tinygrad_cnn/kernels/``; ``docs/architecture.md`` shows the layers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, is_anomaly_enabled, is_grad_enabled
from ..kernels import conv as kc
from ..kernels.geometry import ConvGeometry, crop_hw, window_span
from ..tensor import Tensor
from ._args import batched, common_dtype, float_tensor, pair
from .shape import pad as _pad

__all__ = ["correlate2d", "convolve2d", "conv2d", "conv_transpose2d", "conv2d_weight"]

_MODES = ("valid", "full", "same")


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
        """Y = X ⋆ K through the batched kernel, the planes padded as the mode asks."""
        ctx.mode = mode
        ctx._pads = pads = _plane_pads("correlate2d", x.shape, k.shape, mode, flip=False)
        ctx.save_for_backward(x, k)
        pt, pb, pl, pr = pads
        xp = np.pad(x._data, ((pt, pb), (pl, pr))) if any(pads) else x._data
        return kc.correlate_valid(xp, k._data)

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
        """Y = X ⋆ rot180(K) through the batched kernel, the planes padded as the mode asks."""
        ctx.mode = mode
        ctx._pads = pads = _plane_pads("convolve2d", x.shape, k.shape, mode, flip=True)
        ctx.save_for_backward(x, k)
        pt, pb, pl, pr = pads
        xp = np.pad(x._data, ((pt, pb), (pl, pr))) if any(pads) else x._data
        return kc.correlate_valid(xp, k._data[::-1, ::-1])

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
    x, k = common_dtype(x, k)
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
    def forward(ctx, x, weight, bias, geometry):
        """Y = conv_forward(X, K, B); keeps the im2col columns when the kernel needs a gradient."""
        _show(ctx, geometry)
        keep = ctx.needs_input_grad[1]  # the kernel gradient X ⋆ ∂L/∂Y reuses the forward's im2col columns
        y, columns = kc.conv_forward(x._data, weight._data, None if bias is None else bias._data, geometry,
                                     keep_columns=keep)
        ctx.save_for_backward(x, weight, columns)
        return y

    @staticmethod
    def backward(ctx, g):
        """∂L/∂X = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ (conv_transpose2d); ∂L/∂K = X ⋆ ∂L/∂Y (conv2d_weight); ∂L/∂B = Σ ∂L/∂Y."""
        x, weight, columns = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        geometry, kernel = ctx._geometry, weight.shape[2:]
        gx = gw = gb = None
        if need_x and need_w and not (is_grad_enabled() or is_anomaly_enabled()):
            # Nothing to record: the same two products from one kernel call.
            gx, gw = (Tensor._make(a, None, False) for a in kc.conv_backward(x._data, weight._data, g._data,
                                                                              geometry, columns))
        else:
            if need_x:
                output_padding = geometry.output_padding(x.shape[2:], g.shape[2:], kernel)
                gx = ConvTranspose2d.apply(g, weight, None, geometry, output_padding)
            if need_w:
                gw = Conv2dWeight.apply(x, g, kernel, geometry, columns)
        if need_b:
            gb = g.sum((0, 2, 3))
        return gx, gw, gb, None


def _show(ctx: Any, geometry: ConvGeometry) -> None:
    """The geometry on ``ctx``: whole for backward, and as the attributes graphs and derivations show."""
    ctx._geometry = geometry
    ctx.stride, ctx.padding, ctx.dilation, ctx.groups = (geometry.stride, geometry.padding, geometry.dilation,
                                                         geometry.groups)


class Conv2dWeight(Function):
    """The kernel gradient ∂L/∂Kᵢⱼ = Xⱼ ⋆ ∂L/∂Yᵢ: a cross-correlation of the input with the upstream gradient.

    PyTorch's ``torch.nn.grad.conv2d_weight``; its stride correlates with a dilated ∂L/∂Y.
    """

    name = "conv2d_weight"

    @staticmethod
    def forward(ctx, x, grad_output, kernel, geometry, columns):
        """G = conv_weight(X, ∂L/∂Y), reusing the forward's columns when given."""
        _show(ctx, geometry)
        ctx._kernel = kernel
        ctx.save_for_backward(x, grad_output)
        return kc.conv_weight(x._data, grad_output._data, kernel, geometry, columns)

    @staticmethod
    def backward(ctx, gg):
        """For G = X ⋆ ∂L/∂Y, bilinear: ∂/∂X = ∂L/∂Y ∗full GG (conv_transpose2d), ∂/∂(∂L/∂Y) = X ⋆ GG (conv2d)."""
        x, gy = ctx.saved_tensors
        geometry = ctx._geometry
        gx = ggy = None
        if ctx.needs_input_grad[0]:
            output_padding = geometry.output_padding(x.shape[2:], gy.shape[2:], ctx._kernel)
            gx = ConvTranspose2d.apply(gy, gg, None, geometry, output_padding)
        if ctx.needs_input_grad[1]:
            ggy = crop_hw(Conv2d.apply(x, gg, None, geometry), gy.shape[2:])
        return gx, ggy, None, None, None


class ConvTranspose2d(Function):
    """The transposed convolution: ∂L/∂Xⱼ = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ, strides zero-inserting ∂L/∂Y, padding cropping.

    Also PyTorch's public ``conv_transpose2d`` (weight (C_in, C_out/groups, kH, kW)).
    """

    name = "conv_transpose2d"

    @staticmethod
    def forward(ctx, x, weight, bias, geometry, output_padding):
        """Y = conv_transpose(X, K) (+ B), at the size the geometry and output_padding give."""
        _show(ctx, geometry)
        ctx.output_padding = output_padding
        ctx.save_for_backward(x, weight)
        out_hw = geometry.transposed_hw(x.shape[2:], weight.shape[2:], output_padding)
        y = kc.conv_transpose(x._data, weight._data, out_hw, geometry)
        if bias is not None:
            y += bias._data.reshape(-1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, g):
        """Its adjoint is the convolution: ∂/∂X = ∂L/∂Y' ⋆ K (conv2d); ∂/∂K = ∂L/∂Y' ⋆ X (conv2d_weight); ∂/∂B = Σ."""
        x, weight = ctx.saved_tensors
        geometry = ctx._geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if need_x:
            gx = crop_hw(Conv2d.apply(g, weight, None, geometry), x.shape[2:])
        if need_w:
            gw = Conv2dWeight.apply(g, x, weight.shape[2:], geometry, None)
        if need_b:
            gb = g.sum((0, 2, 3))
        return gx, gw, gb, None, None


# ---------------------------------------------------------------------- public entry points


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


def _check_kernel(op: str, weight: Tensor) -> None:
    """An empty kernel has no windows to sweep (PyTorch refuses it too)."""
    kh, kw = weight.shape[2:]
    if kh < 1 or kw < 1:
        raise ValueError(
            f"{op}: kernel size should be greater than zero, got kernel_height {kh} and kernel_width {kw} "
            f"(weight {weight.shape})"
        )


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
    x, unbatched = batched(op, input)
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW), got {weight.shape}")
    groups = _check_groups(op, groups)
    _check_kernel(op, weight)
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
    eff = (window_span(kh, d[0]), window_span(kw, d[1]))
    if eff[0] > h + 2 * p[0] or eff[1] > w + 2 * p[1]:
        dil = "" if d == (1, 1) else f", {eff} once dilated by {d}"
        raise ValueError(
            f"{op}: kernel size ({kh}, {kw}){dil} can't be greater than the padded input size "
            f"({h + 2 * p[0]}, {w + 2 * p[1]}) (input {input.shape}, padding {p})"
        )
    x, weight, bias = common_dtype(x, weight, bias)
    y = Conv2d.apply(x, weight, bias, ConvGeometry(s, p, d, groups))
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
    x, unbatched = batched(op, input)
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (in_channels, out_channels/groups, kH, kW), got {weight.shape}")
    groups = _check_groups(op, groups)
    _check_kernel(op, weight)
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
    geometry = ConvGeometry(s, p, d, groups)
    out = geometry.transposed_hw(x.shape[2:], (kh, kw), opad)
    if min(out) < 1:
        raise ValueError(
            f"{op}: input {input.shape} with weight {weight.shape}, padding {p} gives an empty output {out}"
        )
    x, weight, bias = common_dtype(x, weight, bias)
    y = ConvTranspose2d.apply(x, weight, bias, geometry, opad)
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
    if kh < 1 or kw < 1:
        raise ValueError(f"{op}: kernel size should be greater than zero, got weight_size {tuple(weight_size)}")
    geometry = ConvGeometry(s, p, d, groups)
    expect = geometry.out_hw(input.shape[2:], (kh, kw))
    if grad_output.shape[2:] != expect:
        raise ValueError(
            f"{op}: input {input.shape} gives outputs of size {expect}, but grad_output is {grad_output.shape}"
        )
    input, grad_output = common_dtype(input, grad_output)  # noqa: A001
    return Conv2dWeight.apply(input, grad_output, (kh, kw), geometry, None)
