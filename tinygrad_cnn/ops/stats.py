"""Reductions beyond sum/mean/max: var, std, norm, prod, logsumexp, amax/amin.

``var``/``std``/``logsumexp`` are compositions of differentiable ops. ``Norm2``, ``Prod`` and ``Amax``
are Functions because their gradients need care at special points: the 2-norm's gradient at zero is 0
(as PyTorch), a product's gradient with zeros in it is the product of the others, and ``amax`` shares
the gradient evenly between tied maxima.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from . import elementwise as _ew
from .reduce import _kept_shape, normalize_dims


def _float_input(a: Tensor, op: str) -> None:
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating-point input, got dtype {a.dtype}")


def _count(a: Tensor, dims: tuple[int, ...] | None) -> int:
    if dims is None:
        return int(a._data.size)
    return int(np.prod([a.shape[d] for d in dims], dtype=np.int64))


def var(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """``torch.var``: the mean squared deviation, divided by ``N - correction`` (default 1, Bessel's).

    ``unbiased=False`` is the legacy spelling of ``correction=0``; ``var(True)`` (a bool first) is too.
    """
    _float_input(a, "var")
    if isinstance(dim, bool):  # legacy var(unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise ValueError("var: give either unbiased or correction, not both")
    corr = float(correction) if correction is not None else (0.0 if unbiased is False else 1.0)
    dims = normalize_dims(a.ndim, dim, "var")
    centred = a - a.mean(dims, keepdim=True) if dims is not None else a - a.mean()
    ss = (centred * centred).sum(dims, keepdim=keepdim) if dims is not None else (centred * centred).sum()
    if keepdim and dims is None:
        ss = ss.reshape((1,) * a.ndim)
    n = max(_count(a, dims) - corr, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # too few elements: inf or nan, as PyTorch
        return ss / n


def std(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """``torch.std``: the square root of ``var`` (same arguments)."""
    return var(a, dim, unbiased, keepdim, correction=correction).sqrt()


class Norm2(Function):
    """‖a‖₂ over ``dims``; the gradient g·a/‖a‖ is taken as 0 where the norm is 0 (as PyTorch)."""

    name = "norm"

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.dims, ctx.keepdim, ctx._shape = dims, keepdim, a.shape
        ctx.save_for_backward(a)
        return np.asarray(np.sqrt(np.sum(a._data * a._data, axis=dims, keepdims=keepdim)))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if not ctx.keepdim:
            g = g.reshape(_kept_shape(ctx._shape, ctx.dims))
        out = Norm2.apply(a, ctx.dims, True)  # recomputed as a Tensor of a, so double backward sees it
        safe = _ew.where(out == 0, 1.0, out)
        return g * a / safe, None, None


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector p-norm over ``dim`` (all elements when None); ``"fro"`` is p = 2.

    ``p`` may be a positive number, ``inf``, ``-inf`` or 0 (the count of non-zeros).
    """
    if dtype is not None:
        a = a.to(dtype)
    _float_input(a, "norm")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p must be a number or 'fro', got {p!r} (use torch.linalg for 'nuc')")
    dims = normalize_dims(a.ndim, dim, "norm")
    if p == 2:
        return Norm2.apply(a, dims, keepdim)
    absa = a.abs()
    if p == math.inf:
        return amax(absa, dims, keepdim)
    if p == -math.inf:
        return amin(absa, dims, keepdim)
    if p == 0:
        nz = Tensor._make((a._data != 0).astype(a.dtype), None, False)
        return nz.sum(dims, keepdim) if dims is not None else _keep(nz.sum(), a, keepdim)
    if p == 1:
        return absa.sum(dims, keepdim) if dims is not None else _keep(absa.sum(), a, keepdim)
    powered = absa ** float(p)
    total = powered.sum(dims, keepdim) if dims is not None else _keep(powered.sum(), a, keepdim)
    return total ** (1.0 / float(p))


def _keep(total: Tensor, a: Tensor, keepdim: bool) -> Tensor:
    return total.reshape((1,) * a.ndim) if keepdim else total


class Amax(Function):
    """The largest value over ``dims``; tied maxima share the gradient evenly (as ``torch.amax``)."""

    name = "amax"

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        if a._data.size == 0:
            raise RuntimeError("amax: cannot reduce an empty tensor")
        ctx.dims, ctx.keepdim, ctx._shape = dims, keepdim, a.shape
        out = np.max(a._data, axis=dims, keepdims=True)
        hits = a._data == out
        ctx.save_for_backward((hits / hits.sum(axis=dims, keepdims=True)).astype(a.dtype))
        return out if keepdim else np.squeeze(out, axis=dims) if dims is not None else out.reshape(())

    @staticmethod
    def backward(ctx, g):
        (share,) = ctx.saved_tensors
        if not ctx.keepdim:
            g = g.reshape(_kept_shape(ctx._shape, ctx.dims))
        return g * share, None, None


def amax(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """``torch.amax``: the maximum over ``dim`` (all dimensions when ``()`` or None)."""
    dims = None if dim is None or dim == () else normalize_dims(a.ndim, dim, "amax")
    if a.dtype.kind not in "fc":
        out = np.max(a._data, axis=dims, keepdims=keepdim)
        return Tensor._make(np.asarray(out), None, False)
    return Amax.apply(a, dims, keepdim)


def amin(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """``torch.amin``: the minimum over ``dim`` (all dimensions when ``()`` or None)."""
    if a.dtype.kind not in "fc":
        dims = None if dim is None or dim == () else normalize_dims(a.ndim, dim, "amin")
        return Tensor._make(np.asarray(np.min(a._data, axis=dims, keepdims=keepdim)), None, False)
    return -amax(-a, dim, keepdim)


class Prod(Function):
    """The product over ``dim`` (all elements when None); ∂/∂aᵢ = the product of the others."""

    name = "prod"

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        ctx.dim, ctx.keepdim, ctx._shape = dim, keepdim, a.shape
        ctx.save_for_backward(a)
        return np.asarray(np.prod(a._data, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        dims = None if ctx.dim is None else (ctx.dim,)
        kept = _kept_shape(ctx._shape, dims)
        g = g.reshape(kept)
        return g * _product_of_others(a, ctx.dim), None, None


def _product_of_others(a: Tensor, dim: int | None) -> Tensor:
    """For each element, the product of the other elements of its slice along ``dim`` (differentiable).

    Without zeros it is prod/a; with zeros, prefix and suffix products (exclusive) along the axis.
    """
    if not (a._data == 0).any():
        total = Prod.apply(a, dim, True)
        return total / a
    if dim is None:
        return _product_of_others(a.reshape(-1), 0).reshape(a.shape)
    n = a.shape[dim]
    ones = Tensor._make(np.ones(_kept_shape(a.shape, (dim,)), dtype=a.dtype), None, False)
    pick = [(slice(None),) * dim + (slice(i, i + 1),) for i in range(n)]
    prefix, run = [ones], ones
    for i in range(n - 1):
        run = run * a[pick[i]]
        prefix.append(run)
    suffix, run = [ones], ones
    for i in range(n - 1, 0, -1):
        run = run * a[pick[i]]
        suffix.append(run)
    suffix.reverse()
    from .shape import cat

    return cat([p * s for p, s in zip(prefix, suffix)], dim)


def prod(a: Tensor, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.prod``: integer and bool inputs give int64, as PyTorch."""
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu":
        a = Tensor._make(a._data.astype(np.int64), None, False)
    d = None if dim is None else normalize_dims(max(a.ndim, 1), dim, "prod")[0]
    if a.ndim == 0:
        d = None
    return Prod.apply(a, d, keepdim if d is not None else False)


def logsumexp(a: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``torch.logsumexp``: log Σ exp(a) over ``dim``, computed stably (the max is taken out first)."""
    _float_input(a, "logsumexp")
    dims = normalize_dims(a.ndim, dim, "logsumexp")
    if a._data.size == 0:
        return Tensor._make(np.log(np.sum(np.exp(a._data), axis=dims, keepdims=keepdim)), None, False)
    m = np.max(a._data, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(a.dtype)
    shift = Tensor._make(m, None, False)
    s = (a - shift).exp().sum(dims, keepdim=True) if dims is not None else (a - shift).exp().sum().reshape(m.shape)
    out = s.log() + shift
    if keepdim:
        return out
    return out.reshape(tuple(n for i, n in enumerate(a.shape) if dims is not None and i not in dims))
