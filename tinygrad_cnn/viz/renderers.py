"""How each op is written in a derivation: one renderer per public op name, in the documents' notation.

A renderer receives the printer's context (``ctx.note(key)`` records which symbols the legend must
explain), the node, one formula per input (None for plain values such as a stride) and whether the
node is the root of the line being printed (conv gradients then take the per-channel subscripts
ᵢⱼ of the third document). Register your own with ``@register_renderer("my_op")``; an op without
a renderer prints as ``my_op(args)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Node
from . import notation as nt
from .notation import Expr

__all__ = ["RENDERERS", "register_renderer", "render_node", "TRANSPARENT", "NOTES"]

# --------------------------------------------------------------------------- renderers

#: the context a renderer receives: the node, one Expr per tensor input (None for plain values),
#: the raw inputs, and whether the node is the root of the line being printed (for ᵢⱼ subscripts)
Renderer = Callable[[Any, Node, list[Any], bool], "Expr | tuple[Expr, str]"]

RENDERERS: dict[str, Renderer] = {}


def register_renderer(*op_names: str) -> Callable[[Renderer], Renderer]:
    """Teach the printer how to write an op (by its public name); unknown ops print as ``name(args)``."""

    def deco(fn: Renderer) -> Renderer:
        for name in op_names:
            RENDERERS[name] = fn
        return fn

    return deco


def _shape_of(x: Any) -> tuple[int, ...]:
    if isinstance(x, Node):
        return tuple(x._out_shape)
    return tuple(x.shape)


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, (int, np.integer)) else (int(v[0]), int(v[1]))


def _geom(v: Any) -> str:
    a, b = _pair(v)
    return str(a) if a == b else f"{a},{b}"


def _idx(e: Expr, sub: str) -> Expr:
    """Attach a channel subscript: Xⱼ, (A + B)ⱼ."""
    if e.kind == "sym":
        return nt.sym(e.text + nt.subscript(sub))
    return nt.sym(f"({nt.render(e)})" + nt.subscript(sub))


def _dil(e: Expr, stride: Any) -> Expr:
    return e if _pair(stride) == (1, 1) else nt.call("dil" + nt.subscript(_geom(stride)), e)


def _pad(e: Expr, padding: Any) -> Expr:
    return e if _pair(padding) == (0, 0) else nt.call("pad" + nt.subscript(_geom(padding)), e)


def _crop(e: Expr, padding: Any) -> Expr:
    return e if _pair(padding) == (0, 0) else nt.call("crop" + nt.subscript(_geom(padding)), e)


def _conv_suffix(ctx: Any, dilation: Any, groups: Any) -> str:
    parts = []
    if _pair(dilation) != (1, 1):
        parts.append(f"dilation {_geom(dilation)}")
        ctx.note("dilation")
    if int(groups) != 1:
        parts.append(f"groups {groups}")
    return f"[{', '.join(parts)}]" if parts else ""


@register_renderer("add")
def _r_add(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    return nt.add(a[0], a[1])


@register_renderer("sub")
def _r_sub(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    return nt.sub(a[0], a[1])


@register_renderer("mul")
def _r_mul(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("⊙")
    return nt.mul(a[0], a[1])


@register_renderer("div")
def _r_div(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    return nt.div(a[0], a[1])


@register_renderer("neg")
def _r_neg(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    return nt.neg(a[0])


@register_renderer("pow")
def _r_pow(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    exponent = node.attrs.get("exponent")
    if exponent is None:
        return nt.call("pow", a[0], a[1])
    if exponent == 1:
        return a[0]
    return nt.power(a[0], exponent)


@register_renderer("matmul")
def _r_matmul(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("·")
    return nt.matmul(a[0], a[1])


@register_renderer("transpose")
def _r_transpose(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("ᵀ")
    return nt.transpose(a[0])


@register_renderer("permute")
def _r_permute(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    dims = tuple(node.attrs.get("dims", ()))
    if dims == tuple(reversed(range(len(dims)))):
        ctx.note("ᵀ")
        return nt.transpose(a[0])
    return nt.call(f"permute{dims}", a[0])


TRANSPARENT = ("reshape", "view", "flatten", "unsqueeze", "squeeze", "expand", "to", "clone", "contiguous")


@register_renderer(*TRANSPARENT)
def _r_identity(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    """Moves or copies values without changing them: skipped in formulas."""
    return a[0]


@register_renderer("sum_to_size")
def _r_sum_to_size(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    """Un-broadcasting: a real sum only when the broadcast copied values (more than one element per output)."""
    x = node.inputs[0]
    if math.prod(_shape_of(x)) == math.prod(node.attrs["shape"]):
        return a[0]
    ctx.note("Σ")
    return nt.total(a[0])


@register_renderer("sum")
def _r_sum(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr | tuple[Expr, str]:
    x = node.inputs[0]
    dims = node.attrs.get("dim")
    shape = _shape_of(x)
    if dims is not None and math.prod(shape[d] for d in dims) == 1:
        return a[0]
    ctx.note("Σ")
    if root and dims == (0, 2, 3) and len(shape) == 4 and shape[1] > 1:  # a conv bias: ∂L/∂Bᵢ = Σ ∂L/∂Yᵢ
        return nt.total(_idx(a[0], "i")), "i"
    return nt.total(a[0])


@register_renderer("mean")
def _r_mean(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    return nt.call("mean", a[0])


@register_renderer("sigmoid")
def _r_sigmoid(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("σ")
    return nt.call("σ", a[0])


@register_renderer("exp", "log", "sqrt", "abs", "tanh", "relu", "softmax", "log_softmax", "sign")
def _r_unary(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    return nt.call(node.name(), *[e for e in a if e is not None][:1])


@register_renderer("conv2d")
def _r_conv2d(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    """Y = pad(X) ⋆ K + B, strided: the forward convolution (a cross-correlation, as in CNNs)."""
    ctx.note("⋆")
    attrs = node.attrs
    x = _pad(a[0], attrs["padding"])
    symbol = "⋆" + (nt.subscript(f"s{_geom(attrs['stride'])}") if _pair(attrs["stride"]) != (1, 1) else "")
    if _pair(attrs["stride"]) != (1, 1):
        ctx.note("⋆s")
    y = nt.infix(symbol + _conv_suffix(ctx, attrs["dilation"], attrs["groups"]), x, a[1])
    return y if a[2] is None else nt.add(y, a[2])


@register_renderer("conv2d_weight")
def _r_conv2d_weight(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr | tuple[Expr, str]:
    """∂L/∂K = X ⋆ ∂L/∂Y; a stride zero-inserts ∂L/∂Y (dil), padding pads X."""
    ctx.note("⋆")
    attrs = node.attrs
    x, gy = a[0], a[1]
    channels = _shape_of(node.inputs[0])[1]
    index = ""
    if root and channels > 1:  # the third document's per-channel form
        x, gy, index = _idx(x, "j"), _idx(gy, "i"), "ij"
    if _pair(attrs["padding"]) != (0, 0):
        ctx.note("pad")
    if _pair(attrs["stride"]) != (1, 1):
        ctx.note("dil")
    out = nt.infix("⋆" + _conv_suffix(ctx, attrs["dilation"], attrs["groups"]), _pad(x, attrs["padding"]),
                   _dil(gy, attrs["stride"]))
    return (out, index) if index else out


@register_renderer("conv_transpose2d")
def _r_conv_transpose2d(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr | tuple[Expr, str]:
    """∂L/∂X = Σᵢ ∂L/∂Yᵢ ∗full Kᵢⱼ; a stride zero-inserts ∂L/∂Y (dil), padding crops the result."""
    ctx.note("∗full")
    attrs = node.attrs
    g, k = a[0], a[1]
    w_shape = _shape_of(node.inputs[1])
    prefix, index = "", ""
    if root and w_shape[1] > 1:
        prefix, index = "Σᵢ" if w_shape[0] > 1 else "", "j"
        g, k = _idx(g, "i"), _idx(k, "ij")
    elif w_shape[0] > 1:
        prefix = "Σ"
    if _pair(attrs["stride"]) != (1, 1):
        ctx.note("dil")
    if _pair(attrs["padding"]) != (0, 0):
        ctx.note("crop")
    out = nt.infix("∗full" + _conv_suffix(ctx, attrs["dilation"], attrs["groups"]), _dil(g, attrs["stride"]), k,
                   prefix=prefix)
    if a[2] is not None:
        out = nt.add(out, a[2])
    out = _crop(out, attrs["padding"])
    return (out, index) if index else out


@register_renderer("correlate2d", "convolve2d")
def _r_plane(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    mode = node.attrs.get("mode", "valid")
    base = "⋆" if node.name() == "correlate2d" else "∗"
    ctx.note(base)
    symbol = base + ("" if mode == "valid" else mode)
    if symbol == "∗full":
        ctx.note("∗full")
    return nt.infix(symbol, a[0], a[1])


@register_renderer("max_pool2d_backward")
def _r_max_pool_back(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("route")
    return nt.call("route_to_argmax", a[0])


@register_renderer("avg_pool2d_backward")
def _r_avg_pool_back(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("spread")
    return nt.call("spread_mean", a[0])


def _r_generic(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    """Any op without a renderer: ``opname(tensor args)``."""
    return nt.call(node.name(), *[e for e in a if e is not None])


def render_node(ctx: Any, node: Node, args: list[Any], root: bool) -> tuple[Expr, str]:
    """The formula for ``node`` and the subscript (ᵢⱼ, ⱼ, ᵢ or "") its line's left-hand side takes."""
    out = RENDERERS.get(node.name(), _r_generic)(ctx, node, args, root)
    return out if isinstance(out, tuple) else (out, "")


NOTES = {
    "⋆": "⋆ cross-correlation (valid)",
    "⋆s": "⋆ₛ₂ cross-correlation with stride 2 (every 2nd output)",
    "∗full": "∗full full convolution (kernel rotated 180°, zero-padded by kernel size − 1)",
    "⊙": "⊙ element-wise product",
    "·": "· matrix product",
    "ᵀ": "ᵀ transpose",
    "σ": "σ sigmoid",
    "Σ": "Σ sum over the broadcast/batch dimensions (Σᵢ: over output channels)",
    "dil": "dilₛ(G) G with s − 1 zeros inserted between neighbours: how a stride s enters the backward pass",
    "pad": "padₚ(X) X zero-padded by p on every side",
    "crop": "cropₚ(G) G with p rows/columns removed on every side: the padding undone",
    "dilation": "[dilation d] the kernel taps are d apart (the kernel dilated with zeros)",
    "mask": "Mₖ a 0/1 mask the backward rule computed (relu: 1 where the input was > 0)",
    "const": "constₖ a gradient computed from constants only (nothing it depends on requires grad): a value",
    "route": "route_to_argmax(G) each gradient sent to the position that held the window's max",
    "spread": "spread_mean(G) each gradient shared equally over its pooling window",
}


from . import layer_renderers as _layer_renderers  # noqa: E402,F401 - registers the rules of normalisation and resampling
