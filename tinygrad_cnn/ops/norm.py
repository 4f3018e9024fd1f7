"""Normalisation: y = γ ⊙ x̂ + β with x̂ = (x − μ) / √(σ² + ε), μ and σ² taken over ``dims``.

Batch norm takes the statistics over every dimension but the channels (dim 1) during training and
uses the running estimates in evaluation; layer norm takes them over the trailing dimensions. With
batch statistics, μ and σ² depend on x, and the gradient (derived in ``docs/maths/batchnorm.md``) is

    ∂L/∂x̂ = ∂L/∂y ⊙ γ
    ∂L/∂x  = (1/√(σ² + ε)) ⊙ (∂L/∂x̂ − mean(∂L/∂x̂) − x̂ ⊙ mean(∂L/∂x̂ ⊙ x̂))
    ∂L/∂γ  = Σ ∂L/∂y ⊙ x̂,  ∂L/∂β = Σ ∂L/∂y

with the means over ``dims``. With fixed statistics x̂ is affine in x: ∂L/∂x = ∂L/∂x̂ / √(σ² + ε).
The backward is Tensor ops: when it is itself recorded (``create_graph=True``) x̂ and σ⁻¹ = 1/√(σ² + ε)
are recomputed from x by two differentiable ops (``normalize``, ``inv_std``), so the second derivative
is exact and the derivation view can name them; otherwise the saved statistics are used as constants.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor


def _const(array: np.ndarray) -> Tensor:
    return Tensor._make(array, None, False)


class Normalize(Function):
    """x̂ = (x − μ)/σ over ``dims`` (σ = √(σ² + ε)): the normalised input, as a recorded backward uses it.

    ∂L/∂x = σ⁻¹ ⊙ (∂L/∂x̂ − mean(∂L/∂x̂) − x̂ ⊙ mean(∂L/∂x̂ ⊙ x̂)); x̂ is this op's own output and σ⁻¹ is
    ``inv_std``, so the rule is differentiable again.
    """

    name = "normalize"

    @staticmethod
    def forward(ctx, x, dims, eps):
        ctx.dim, ctx.eps = dims, eps
        mean, var = statistics(x._data, dims)
        out = ((x._data - mean) / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, xhat = ctx.saved_tensors
        dims = ctx.dim
        invstd = InvStd.apply(x, dims, ctx.eps)
        return invstd * (g - g.mean(dims, keepdim=True) - xhat * (g * xhat).mean(dims, keepdim=True)), None, None


class InvStd(Function):
    """σ⁻¹ = 1/√(σ² + ε), σ² the biased variance over ``dims`` (kept as size-1 axes).

    ∂σ⁻¹/∂xₖ = −σ⁻² x̂ₖ / M for the M elements of each group, so ∂L/∂x = −∂L/∂σ⁻¹ ⊙ σ⁻² ⊙ x̂ / M.
    """

    name = "inv_std"

    @staticmethod
    def forward(ctx, x, dims, eps):
        ctx.dim, ctx.eps = dims, eps
        ctx._count = math.prod(x.shape[d] for d in dims)
        _, var = statistics(x._data, dims)
        out = (1.0 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, invstd = ctx.saved_tensors
        xhat = Normalize.apply(x, ctx.dim, ctx.eps)
        return g * invstd * invstd * xhat * (-1.0 / ctx._count), None, None


class BatchNorm(Function):
    """Normalise x over ``dims`` with the given statistics, then scale by γ and shift by β.

    ``mean`` and ``invstd`` are arrays broadcastable to x: the batch's own (``batch_stats=True``,
    so they depend on x) or fixed ones (running estimates). γ and β are reshaped to ``param_shape``.
    """

    name = "batch_norm"

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, dims, param_shape, batch_stats, eps):
        ctx.eps, ctx.training = eps, batch_stats
        ctx._dims, ctx._param_shape = dims, param_shape
        ctx._mean, ctx._invstd = mean, invstd
        xhat = (x._data - mean) * invstd
        ctx.save_for_backward(x, weight, bias)
        out = xhat * weight._data.reshape(param_shape) if weight is not None else xhat
        if bias is not None:
            out = out + bias._data.reshape(param_shape)
        return out.astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, weight, bias = ctx.saved_tensors
        dims, shape = ctx._dims, ctx._param_shape
        if ctx.training and is_grad_enabled():  # recorded: x̂ and σ⁻¹ as (differentiable) functions of x
            xhat, invstd = Normalize.apply(x, dims, ctx.eps), InvStd.apply(x, dims, ctx.eps)
        else:
            invstd = _const(ctx._invstd)
            if is_grad_enabled():  # fixed statistics: x̂ is affine in x
                xhat = (x - _const(ctx._mean)) * invstd
            else:
                xhat = _const((x._data - ctx._mean) * ctx._invstd)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        param_dims = tuple(d for d in range(g.ndim) if d >= len(shape) or shape[d] == 1)
        if need_x:
            gxhat = g * weight.reshape(shape) if weight is not None else g
            if ctx.training:
                gx = invstd * (gxhat - gxhat.mean(dims, keepdim=True)
                               - xhat * (gxhat * xhat).mean(dims, keepdim=True))
            else:
                gx = gxhat * invstd
        if need_w:
            gw = (g * xhat).sum(param_dims).reshape(weight.shape)
        if need_b:
            gb = g.sum(param_dims).reshape(bias.shape)
        return gx, gw, gb, None, None, None, None, None, None


class LayerNorm(BatchNorm):
    """The same normalisation over the trailing dimensions, always with the input's own statistics."""

    name = "layer_norm"


def statistics(x: np.ndarray, dims: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance over ``dims`` (kept as size-1 axes), in x's dtype."""
    mean = x.mean(axis=dims, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=dims, keepdims=True)
    return mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


def batch_norm(
    x: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> Tensor:
    """Batch norm over (N, C, *): batch statistics when training (updating the running ones in place)."""
    dims = (0,) + tuple(range(2, x.ndim))
    c = x.shape[1]
    param_shape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        count = x._data.size // c
        mean, var = statistics(x._data, dims)
        if running_mean is not None or running_var is not None:
            m = float(momentum)
            if running_mean is not None:
                rm = running_mean._data
                rm *= 1.0 - m
                rm += m * mean.reshape(c)
                running_mean._bump_version()
            if running_var is not None:
                unbiased = var.reshape(c) * (count / max(count - 1, 1))
                rv = running_var._data
                rv *= 1.0 - m
                rv += m * unbiased
                running_var._bump_version()
    else:
        # copies: backward must see the statistics of this call, not a later in-place update of the buffers
        mean = running_mean._data.reshape(param_shape).astype(x.dtype, copy=True)
        var = running_var._data.reshape(param_shape).astype(x.dtype, copy=True)
    invstd = (1.0 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype, copy=False)
    return BatchNorm.apply(x, weight, bias, mean, invstd, dims, param_shape, bool(training), float(eps))


def layer_norm(x: Tensor, normalized_ndim: int, weight: Tensor | None, bias: Tensor | None, eps: float) -> Tensor:
    """Layer norm over the last ``normalized_ndim`` dimensions; γ and β have those dimensions' shape."""
    dims = tuple(range(x.ndim - normalized_ndim, x.ndim))
    param_shape = (1,) * (x.ndim - normalized_ndim) + x.shape[x.ndim - normalized_ndim:]
    mean, var = statistics(x._data, dims)
    invstd = (1.0 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype, copy=False)
    return LayerNorm.apply(x, weight, bias, mean, invstd, dims, param_shape, True, float(eps))


class GroupNorm(BatchNorm):
    """The normalisation step of group norm: each (sample, group) over its channels and positions."""

    name = "group_norm"


def group_norm(x: Tensor, eps: float) -> Tensor:
    """Normalise (N, G, M) over its last dimension (no scale or shift: group norm's γ, β are per channel)."""
    dims = (2,)
    mean, var = statistics(x._data, dims)
    invstd = (1.0 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype, copy=False)
    return GroupNorm.apply(x, None, None, mean, invstd, dims, (1, 1, 1), True, float(eps))
