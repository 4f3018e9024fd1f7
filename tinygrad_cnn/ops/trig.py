"""Smooth unary ops beyond ``elementwise``: sin, cos, log1p, expm1 (each derivative in its backward)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function


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
