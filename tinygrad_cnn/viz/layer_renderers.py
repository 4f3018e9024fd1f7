"""How the derivation view writes normalisation, dropout, the activations and the resampling ops.

Batch norm's recorded backward is built from ``normalize`` (x̂) and ``inv_std`` (σ⁻¹), so
∂L/∂x prints as the textbook's σ⁻¹ ⊙ (∂L/∂x̂ − mean(∂L/∂x̂) − x̂ ⊙ mean(∂L/∂x̂ ⊙ x̂)) with ∂L/∂x̂ = ∂L/∂y ⊙ γ.
The forward ops print as function calls of their public names; the gradients of the linear resampling
ops as the transposed maps they are (``spread_mean``, ``route_to_argmax``, ``fold_pad``, ``upsampleᵀ``).
"""

from __future__ import annotations

from typing import Any

from ..autograd import Node
from . import notation as nt
from .notation import Expr
from .renderers import NOTES, register_renderer


def _hat(e: Expr) -> Expr:
    """x̂ for a one-letter name (the hat sits on that letter); normalize(...) for anything longer."""
    if e.kind == "sym" and e.coef == 1.0 and len(e.text) == 1:
        return nt.sym(e.text + "\u0302")
    return nt.call("normalize", e)


@register_renderer("normalize")
def _r_normalize(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("x̂")
    return _hat(a[0])


@register_renderer("inv_std")
def _r_inv_std(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("x̂")
    return nt.power(nt.call("σ", a[0]), -1)


@register_renderer("batch_norm", "layer_norm", "group_norm")
def _r_batch_norm(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    """y = γ ⊙ x̂ + β (shown when a gradient needs the forward value)."""
    ctx.note("x̂")
    out = _hat(a[0])
    if a[1] is not None:
        out = nt.mul(a[1], out)
    if a[2] is not None:
        out = nt.add(out, a[2])
    return out


@register_renderer("normal_cdf")
def _r_normal_cdf(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("Φ")
    return nt.call("Φ", a[0])


@register_renderer("normal_pdf")
def _r_normal_pdf(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("Φ")
    return nt.call("φ", a[0])


@register_renderer("adaptive_avg_pool2d_backward")
def _r_adaptive_avg_back(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("spread")
    return nt.call("spread_mean", a[0])


@register_renderer("adaptive_max_pool2d_backward")
def _r_adaptive_max_back(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("route")
    return nt.call("route_to_argmax", a[0])


@register_renderer("reflection_pad_backward", "replication_pad_backward", "circular_pad_backward")
def _r_pad_back(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("fold")
    return nt.call("fold_pad", a[0])


@register_renderer("upsample_nearest2d_backward", "upsample_bilinear2d_backward", "upsample_linear1d_backward")
def _r_upsample_back(ctx: Any, node: Node, a: list[Any], root: bool) -> Expr:
    ctx.note("upsampleT")
    return nt.call("upsampleᵀ", a[0])


NOTES.update({
    "x̂": "x̂ the input normalised by its batch statistics, (x − μ)/σ, with σ = √(σ² + ε) (σ(x)⁻¹ = 1/σ)",
    "Φ": "Φ, φ the standard normal CDF and density (GELU's derivative is Φ(x) + x ⊙ φ(x))",
    "fold": "fold_pad(G) each padded border gradient added back to the input position it copied",
    "upsampleT": "upsampleᵀ(G) each output gradient shared back to its source pixels with its interpolation weight",
})
