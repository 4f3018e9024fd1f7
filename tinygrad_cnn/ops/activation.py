"""The activations CNN code uses beyond relu/sigmoid/tanh, each with PyTorch's gradient at its kinks.

Each backward multiplies the upstream gradient by the local derivative written with Tensor ops,
so second derivatives exist wherever the function is smooth (ELU, GELU, SiLU, Softplus). Derivatives
that are piecewise constant (LeakyReLU, Hardtanh, ReLU6) are constant masks: their second derivative
is zero, as PyTorch's. ``docs/maths/activations.md`` lists the formulas.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import where


def _const(array: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._make(np.asarray(array, dtype=like._data.dtype), None, False)


class LeakyReLU(Function):
    """f(x) = x for x > 0, slope·x otherwise; f' = 1 for x > 0, slope otherwise (at 0 too, as PyTorch)."""

    name = "leaky_relu"

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.negative_slope = negative_slope
        positive = x._data > 0
        ctx.save_for_backward(positive)
        return np.where(positive, x._data, x._data * x._data.dtype.type(negative_slope))

    @staticmethod
    def backward(ctx, g):
        (positive,) = ctx.saved_tensors
        local = np.where(positive._data, 1.0, ctx.negative_slope)
        return g * _const(local, g), None


class Hardtanh(Function):
    """clamp(x, min_val, max_val); the gradient passes strictly inside (0 at the bounds, as PyTorch)."""

    name = "hardtanh"

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.min_val, ctx.max_val = min_val, max_val
        ctx.save_for_backward((x._data > min_val) & (x._data < max_val))
        a = x._data
        if a.dtype.kind != "f":  # integers stay integers, as PyTorch (bounds truncated toward zero)
            return np.clip(a, int(min_val), int(max_val)).astype(a.dtype, copy=False)
        return np.clip(a, min_val, max_val).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * _const(inside._data, g), None, None


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), with its gradient (0 at 0 and at 6)."""

    name = "relu6"


class ELU(Function):
    """f(x) = x for x > 0, α(eˣ − 1) otherwise; f' = 1 for x > 0, α eˣ otherwise (α at 0, as PyTorch)."""

    name = "elu"

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        a = x._data
        return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        positive = _const(x._data > 0, g)
        # α eˣ, finite for large x; its own derivative taken only where x < 0 (0 at the kink, as PyTorch)
        negative_side = where(x._data < 0, x, 0.0).exp() * ctx.alpha
        return g * where(positive._data > 0, 1.0, negative_side), None


class NormalCDF(Function):
    """Φ(x), the standard normal CDF ½(1 + erf(x/√2)); Φ' = φ. SciPy is imported on first use."""

    name = "normal_cdf"

    @staticmethod
    def forward(ctx, x):
        from scipy import special

        ctx.save_for_backward(x)
        return special.ndtr(x._data).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * NormalPDF.apply(x)


class NormalPDF(Function):
    """φ(x) = e^(−x²/2)/√(2π), the standard normal density; φ' = −x φ."""

    name = "normal_pdf"

    @staticmethod
    def forward(ctx, x):
        out = (np.exp(-0.5 * x._data * x._data) / math.sqrt(2.0 * math.pi)).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return g * -(x * out)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


class GELU(Function):
    """x Φ(x), Φ the standard normal CDF ('none'), or PyTorch's tanh approximation ('tanh').

    'none': f' = Φ(x) + x φ(x), with Φ(x) = ½(1 + erf(x/√2)) and φ(x) = e^(−x²/2)/√(2π).
    'tanh': f = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³); f' = ½(1 + tanh u) + ½x(1 − tanh²u) u'.
    """

    name = "gelu"

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        a = x._data
        if approximate == "tanh":
            out = 0.5 * a * (1.0 + np.tanh(_SQRT_2_OVER_PI * (a + _GELU_C * a**3)))
        else:
            from scipy import special

            out = 0.5 * a * (1.0 + special.erf(a / math.sqrt(2.0)))
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = ((x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI).tanh()
            du = (x * x * (3.0 * _GELU_C) + 1.0) * _SQRT_2_OVER_PI
            local = (t + 1.0) * 0.5 + x * (1.0 - t * t) * du * 0.5
        else:
            local = NormalCDF.apply(x) + x * NormalPDF.apply(x)
        return g * local, None


class SiLU(Function):
    """x σ(x); f' = σ(x)(1 + x(1 − σ(x)))."""

    name = "silu"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        from scipy import special

        return (x._data * special.expit(x._data)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * (s * (x * (1.0 - s) + 1.0))


class Softplus(Function):
    """(1/β) log(1 + e^(βx)), and x itself where βx > threshold; f' = σ(βx) there, 1 beyond it."""

    name = "softplus"

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        a = x._data
        bx = a * beta
        with np.errstate(over="ignore"):
            soft = np.logaddexp(0.0, bx) / beta
        return np.where(bx > threshold, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        bx = x._data * ctx.beta
        # σ(βx) below the threshold; at βx = threshold its value but no derivative, as PyTorch's double backward
        below = where(bx < ctx.threshold, x * ctx.beta, Tensor._make(bx, None, False))
        return g * where(bx > ctx.threshold, 1.0, below.sigmoid()), None, None
