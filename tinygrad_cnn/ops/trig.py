"""Smooth unary ops beyond ``elementwise``: sin, cos, log1p, expm1 (each derivative in its backward)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import check_broadcast


class Sin(Function):
    """d sin a = cos a da."""

    name = "sin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Cos.apply(a)


class Cos(Function):
    """d cos a = −sin a da."""

    name = "cos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -(g * Sin.apply(a))


class Log1p(Function):
    """log(1 + a), exact for small a; d = da / (1 + a)."""

    name = "log1p"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1.0)


class Expm1(Function):
    """eᵃ − 1, exact for small a; d = eᵃ da."""

    name = "expm1"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.expm1(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a.exp()


class Asin(Function):
    """d asin a = da / √(1 − a²)."""

    name = "asin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return np.arcsin(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (1.0 - a * a).sqrt()


class Acos(Function):
    """d acos a = −da / √(1 − a²)."""

    name = "acos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):
            return np.arccos(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -(g / (1.0 - a * a).sqrt())


class Atan(Function):
    """d atan a = da / (1 + a²)."""

    name = "atan"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * a + 1.0)


class Erf(Function):
    """d erf a = (2/√π) e^{−a²} da."""

    name = "erf"

    @staticmethod
    def forward(ctx, a):
        from scipy import special

        ctx.save_for_backward(a)
        return special.erf(a._data).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (-(a * a)).exp() * (2.0 / np.sqrt(np.pi))


class Atan2(Function):
    """atan2(y, x): ∂/∂y = x / (x² + y²), ∂/∂x = −y / (x² + y²); broadcast dimensions are summed back."""

    name = "atan2"

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y._data, x._data)

    @staticmethod
    def backward(ctx, g):
        y, x = ctx.saved_tensors
        r2 = x * x + y * y
        return (g * x / r2).sum_to_size(y.shape), (-(g * y) / r2).sum_to_size(x.shape)


def atan2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Element-wise angle of the point (other, input), broadcasting; mixed float dtypes promote."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("atan2(): expected two Tensors")
    if input.dtype != other.dtype:
        d = np.result_type(input.dtype, other.dtype)
        input, other = input.to(d), other.to(d)  # noqa: A001
    check_broadcast("atan2", input.shape, other.shape)
    return Atan2.apply(input, other)
