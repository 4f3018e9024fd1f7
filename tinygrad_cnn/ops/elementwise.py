"""Element-wise ops with NumPy broadcasting.

Each backward states the local derivative with Tensor ops, then ``sum_to_size`` undoes the
broadcast (a dimension that was stretched in forward receives the sum of its copies' gradients).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import Function, is_grad_enabled
from ..kernels import buffers
from ..tensor import Tensor


def check_broadcast(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape, or a ValueError that names both shapes."""
    if a == b:
        return a
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a} and {b} cannot be broadcast together "
            "(trailing dimensions must be equal, or one of them 1)"
        ) from None


def as_tensor(x: Any, like: Tensor) -> Tensor:
    """A Python/NumPy number or array as a constant Tensor in the dtype ``x`` and ``like`` promote to."""
    if isinstance(x, Tensor):
        return x
    if type(x) in (float, int) and like._data.dtype.kind in "fc":  # the common case: the tensor's dtype
        return Tensor._make(np.array(x, dtype=like._data.dtype), None, False)
    return Tensor._make(np.asarray(x).astype(_dt.result_type(like, x), copy=False), None, False)


def _cast(t: Tensor, dtype: np.dtype) -> Tensor:
    """``t`` in ``dtype``: a recorded cast when it requires grad, else a renamed constant (no graph node)."""
    if t._data.dtype == dtype:
        return t
    if t._requires_grad:
        return t.to(dtype)
    out = Tensor._make(t._data.astype(dtype), None, False)
    if t._name is not None:
        out._name = t._name
    return out


def binary(fn: type[Function], a: Any, b: Any) -> Tensor:
    """Apply a broadcasting binary op after promoting the operands as PyTorch does and checking shapes.

    Python numbers take the tensor's dtype within its category (``float32 + 2.0`` stays float32) and
    the default dtype across (``int64 + 2.5`` is float32); true division of integers is a float.
    """
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError(f"{fn.op_name()}: expected at least one Tensor")
        a = as_tensor(a, b)
        if a._data.dtype != b._data.dtype:
            b = _cast(b, a._data.dtype)
    elif not isinstance(b, Tensor):
        b = as_tensor(b, a)
        if b._data.dtype != a._data.dtype:
            a = _cast(a, b._data.dtype)
    elif a._data.dtype != b._data.dtype:
        d = _dt.result_type(a, b)
        if np.result_type(a._data, b._data) != d:  # NumPy would promote otherwise (an int64 array + float32)
            a, b = _cast(a, d), _cast(b, d)
        # else NumPy's promotion in forward gives d, and the engine casts each gradient to its input's dtype
    if fn is Div and a._data.dtype.kind in "biu":
        d = _dt.get_default_dtype()
        a, b = _cast(a, d), _cast(b, d)
    if a._data.shape != b._data.shape and a._data.ndim and b._data.ndim:  # a 0-d operand always broadcasts
        check_broadcast(fn.op_name(), a._data.shape, b._data.shape)
    return fn.apply(a, b)


class Add(Function):
    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        ctx._shapes = (a._data.shape, b._data.shape)
        return buffers.apply(np.add, a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx._shapes
        need_a, need_b = ctx.needs_input_grad
        return (g.sum_to_size(sa) if need_a else None), (g.sum_to_size(sb) if need_b else None)


class Sub(Function):
    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        ctx._shapes = (a._data.shape, b._data.shape)
        return buffers.apply(np.subtract, a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx._shapes
        need_a, need_b = ctx.needs_input_grad
        return (g.sum_to_size(sa) if need_a else None), ((-g).sum_to_size(sb) if need_b else None)


class Mul(Function):
    """d(a·b) = b da + a db."""

    name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return buffers.apply(np.multiply, a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = (g * b).sum_to_size(a._data.shape) if ctx.needs_input_grad[0] else None
        gb = (g * a).sum_to_size(b._data.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """d(a/b) = da/b − a db/b²."""

    name = "div"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0 is ±inf or nan, silently, as PyTorch
            return buffers.apply(np.true_divide, a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = (g / b).sum_to_size(a._data.shape) if ctx.needs_input_grad[0] else None
        gb = (-g * a / (b * b)).sum_to_size(b._data.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class PowScalar(Function):
    """d(aᵖ) = p aᵖ⁻¹ da, for a constant exponent p."""

    name = "pow"

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.exponent = exponent
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(a._data, exponent).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:  # aᵖ is constant: a zero gradient even where a or g is inf or NaN (as PyTorch)
            return Tensor._make(np.zeros(g.shape, dtype=g.dtype), None, False), None
        local = a * p if p == 2 else (a ** (p - 1)) * p
        return g * local, None


class Pow(Function):
    """d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln(a) db; as PyTorch, the da term is 0 where b = 0 (even at a = 0 or NaN) and
    the db term is 0 where a = 0 and b ≥ 0."""

    name = "pow"

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.power(a._data, b._data)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            live = Tensor._make(b._data != 0, None, False)
            ga = where(live, g * b * a ** (b - 1), 0.0).sum_to_size(a._data.shape)
        if ctx.needs_input_grad[1]:
            keep = Tensor._make(~((a._data == 0) & (b._data >= 0)), None, False)
            safe_a = where(keep, a, 1.0)
            gb = (g * out * safe_a.log() * keep).sum_to_size(b._data.shape)
        return ga, gb


def power(a: Any, b: Any) -> Tensor:
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and np.ndim(b) == 0:
        if a._data.dtype.kind in "biu" and not isinstance(b, (int, np.integer)):  # int ** 0.5 is a float
            a = _cast(a, _dt.result_type(a, b))
        return PowScalar.apply(a, float(b) if not isinstance(b, (int, np.integer)) else int(b))
    return binary(Pow, a, b)


class Neg(Function):
    name = "neg"

    @staticmethod
    def forward(ctx, a):
        return buffers.apply(np.negative, a._data)

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    """d eᵃ = eᵃ da (the output is saved, not recomputed)."""

    name = "exp"

    @staticmethod
    def forward(ctx, a):
        out = buffers.apply(np.exp, a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    name = "log"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return buffers.apply(np.log, a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    name = "sqrt"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = buffers.apply(np.sqrt, a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2.0)


class Abs(Function):
    """d|a| = sign(a) da (0 at a = 0 and at NaN, as PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return buffers.apply(np.absolute, a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        sign = np.sign(a._data)
        sign = np.where(np.isnan(sign), 0, sign).astype(sign.dtype, copy=False)  # PyTorch's sign(NaN) = 0
        return g * Tensor._make(sign, None, False)


class Sigmoid(Function):
    """σ' = σ(1 − σ); the forward is SciPy's ``expit`` (float64) or 1/(1 + e⁻ˣ) with NumPy's SIMD exp (float32)."""

    name = "sigmoid"

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype == np.float32:  # expit is scalar code: 6× slower on float32 for the same result
            x = a._data  # an array even for 0-d input; a strided input's layout is kept, as PyTorch keeps it
            out = buffers.result(x.shape, np.float32) if x.flags.c_contiguous else np.empty_like(x)
            np.negative(x, out=out)
            with np.errstate(over="ignore"):  # e⁻ˣ = inf for x < −88 gives 1/inf = 0, which is right
                np.exp(out, out=out)
            out += 1.0
            np.reciprocal(out, out=out)
        else:
            from scipy import special  # loaded on first use: importing SciPy costs more than the package

            out = special.expit(a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if not is_grad_enabled():  # a plain backward records nothing: the same product in one result
            y = out._data
            grad = np.multiply(g._data, y, out=buffers.result(y.shape, y.dtype))
            rest = np.subtract(1.0, y, out=buffers.take(y.shape, y.dtype))  # in the recorded order: same bits
            grad *= rest
            buffers.give(rest)
            return Tensor._make(grad, None, False)
        return g * out * (1.0 - out)


class ReLU(Function):
    """relu' = 0 where the output is ≤ 0, else 1 (0 at the kink, 1 at NaN, as PyTorch)."""

    name = "relu"

    @staticmethod
    def forward(ctx, a):
        x = a._data
        # else NumPy's output keeps the input's layout (or, for a non-native byte order, is native)
        if x.dtype.kind in "fiu" and x.dtype.isnative and x.flags.c_contiguous:
            # a zero of x's own type: NumPy 1.x would promote a 0-d x by the Python 0's type
            out = np.maximum(x, x.dtype.type(0), out=buffers.result(x.shape, x.dtype))
        else:
            out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        # the output is ≥ 0 or NaN, so "not (out ≤ 0)" is "out ≠ 0": one pass, and NaN passes
        # a boolean mask: multiplying by it costs less than by a float copy of it
        y = out._data
        mask = np.asarray(buffers.apply(np.not_equal, y, np.zeros((), y.dtype)))
        if not is_grad_enabled():  # a plain backward records nothing
            return Tensor._make(buffers.apply(np.multiply, g._data, mask), None, False)
        return Mul.apply(g, Tensor._make(mask, None, False))


class Tanh(Function):
    """tanh' = 1 − tanh²."""

    name = "tanh"

    @staticmethod
    def forward(ctx, a):
        out = buffers.apply(np.tanh, a._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if not is_grad_enabled():  # a plain backward records nothing: the same product in one result
            y = out._data
            grad = np.multiply(y, y, out=buffers.result(y.shape, y.dtype))
            np.subtract(1.0, grad, out=grad)
            grad *= g._data
            return Tensor._make(grad, None, False)
        return g * (1.0 - out * out)


class Clamp(Function):
    """The gradient passes where the input lies inside [min, max] (bounds included, as PyTorch)."""

    name = "clamp"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.min, ctx.max = lo, hi
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a._data >= lo
        if hi is not None:
            inside &= a._data <= hi
        ctx.save_for_backward(inside)
        return np.clip(a._data, lo, hi).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside.to(g.dtype), None, None


class Maximum(Function):
    """The gradient goes to the larger input, half to each where they tie (as ``torch.maximum``).

    PyTorch's rule taken literally: an input gets nothing only where it is smaller than the other, so
    where a NaN is involved (no order) each input gets the whole gradient.
    """

    name = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        ctx._shapes = (a._data.shape, b._data.shape)
        x, y = a._data, b._data
        dtype = np.result_type(a.dtype, b.dtype)
        tie = 0.5 * (x == y)
        wa = np.where(x < y, 0.0, np.where(x == y, tie, 1.0)).astype(dtype, copy=False)
        wb = np.where(x > y, 0.0, np.where(x == y, tie, 1.0)).astype(dtype, copy=False)
        ctx.save_for_backward(wa, wb)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx, g):
        wa, wb = ctx.saved_tensors
        sa, sb = ctx._shapes
        return (g * wa).sum_to_size(sa), (g * wb).sum_to_size(sb)


class Where(Function):
    name = "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx._shapes = (a._data.shape, b._data.shape)
        ctx.save_for_backward(cond)
        return np.where(cond._data, a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        sa, sb = ctx._shapes
        keep = cond.to(g.dtype)
        return None, (g * keep).sum_to_size(sa), (g * (1.0 - keep)).sum_to_size(sb)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    cond_t = cond if isinstance(cond, Tensor) else Tensor._make(np.asarray(cond, dtype=bool), None, False)
    cond_t = Tensor._make(cond_t._data.astype(bool, copy=False), None, False)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if like is None:
        raise TypeError("where: expected input or other to be a Tensor")
    a = as_tensor(a, like)
    b = as_tensor(b, like)
    check_broadcast("where", np.broadcast_shapes(a.shape, b.shape) if a.shape != b.shape else a.shape, cond_t.shape)
    check_broadcast("where", a.shape, b.shape)
    return Where.apply(cond_t, a, b)


class Cast(Function):
    """A dtype change; the gradient is cast back to the input's dtype."""

    name = "to"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = np.dtype(dtype)
        ctx._in_dtype = a.dtype
        return a._data.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.to(ctx._in_dtype), None


class Clone(Function):
    name = "clone"

    @staticmethod
    def forward(ctx, a):
        return a._data.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class BinaryCrossEntropy(Function):
    """ℓ = −[t log x + (1 − t) log(1 − x)], each log clamped at −100 (as PyTorch).

    ∂ℓ/∂x = (x − t) / (x (1 − x)), the denominator clamped at 1e-12 so that x = 0 or 1 gives a large
    finite gradient (PyTorch's rule) instead of the 0/0 that composing log and clamp would give;
    ∂ℓ/∂t = log(1 − x) − log x with the same clamped logs.
    """

    name = "binary_cross_entropy"
    EPS = 1e-12

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x._data), -100.0)
            log_1mx = np.maximum(np.log1p(-x._data), -100.0)
        return -(t._data * log_x + (1.0 - t._data) * log_1mx)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - t) / (x * (1.0 - x)).clamp(min=BinaryCrossEntropy.EPS)
        if ctx.needs_input_grad[1]:
            gt = g * ((1.0 - x).log().clamp(min=-100.0) - x.log().clamp(min=-100.0))
        return gx, gt
