"""Module-level twins of the Tensor methods (``tc.exp(x)``, ``tc.sum(x, 1)``, ``tc.matmul(a, b)``, ...),
with PyTorch's argument names. Each one checks that ``input`` is a Tensor and calls the method, so the
two spellings can never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import functional as _F
from .ops import einsum as _einsum
from .ops import index as _idx
from .ops import linalg as _la
from .ops import trig as _trig
from .tensor import Tensor, maximum
from .tensor import where as _where3

__all__ = [
    "abs", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "neg", "negative",
    "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal",
    "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sign", "round", "floor", "ceil", "trunc",
    "clamp", "clip", "minimum", "maximum", "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin",
    "prod", "cumsum", "var", "std", "norm", "logsumexp", "softmax", "log_softmax",
    "matmul", "mm", "bmm", "dot", "outer", "t", "flatten", "reshape", "squeeze", "unsqueeze", "transpose",
    "permute", "swapaxes", "swapdims", "split", "chunk", "unbind", "flip", "roll", "gather", "scatter",
    "scatter_add", "index_select", "masked_fill", "masked_select", "narrow", "select", "sort", "argsort",
    "topk", "nonzero", "unique", "eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "isclose",
    "isnan", "isinf", "isfinite", "numel", "is_tensor", "is_floating_point", "clone", "detach",
    "any", "all", "broadcast_to", "einsum", "repeat_interleave", "tril", "triu", "count_nonzero", "bincount",
    "meshgrid", "where", "argwhere", "clamp_min", "clamp_max", "diagonal", "diag", "trace", "logical_not",
    "logical_and", "logical_or", "logical_xor", "var_mean", "std_mean", "asin", "acos", "atan", "atan2",
    "sinh", "cosh", "erf", "lerp", "addmm", "arcsin", "arccos", "arctan",
]


def _input(x: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def _write_out(op: str, result: Tensor, out: Any) -> Tensor:
    """PyTorch's ``out=``: the result written into ``out`` (resized if its shape differs), ``out`` returned.

    Like PyTorch, refuses when the result would need a gradient (``out=`` is not differentiable) and when
    the result's dtype cannot be cast to ``out``'s (a float result into an integer tensor).
    """
    if out is None:
        return result
    from .autograd import is_grad_enabled

    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if not np.can_cast(result.dtype, out.dtype, casting="same_kind"):
        raise RuntimeError(f"{op}(): result type {result.dtype} can't be cast to the desired output type {out.dtype}")
    if out.shape == result.shape:
        out._data[...] = result._data
    else:
        out._data = result._data.astype(out.dtype, copy=True)
    out._bump_version()
    return out


def _binary_input(a: Any, b: Any, op: str) -> None:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument, got {type(a).__name__} and {type(b).__name__}")


# ------------------------------------------------------------------------- arithmetic


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input + alpha * other``."""
    _binary_input(input, other, "add")
    return _write_out("add", input + (other if alpha == 1 else other * alpha), out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input - alpha * other``."""
    _binary_input(input, other, "sub")
    return _write_out("sub", input - (other if alpha == 1 else other * alpha), out)


subtract = sub


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input * other``."""
    _binary_input(input, other, "mul")
    return _write_out("mul", input * other, out)


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None,  # noqa: A002
        out: Tensor | None = None) -> Tensor:
    """``input / other``; ``rounding_mode="floor"`` or ``"trunc"`` rounds the quotient (no gradient)."""
    _binary_input(input, other, "div")
    q = input / other
    if rounding_mode is None:
        return _write_out("div", q, out)
    if rounding_mode == "floor":
        return _write_out("div", q.floor(), out)
    if rounding_mode == "trunc":
        return _write_out("div", q.trunc(), out)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = div
true_divide = div


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001,A002
    """``input ** exponent`` (either may be a number)."""
    _binary_input(input, exponent, "pow")
    return _write_out("pow", input**exponent, out)


def neg(input: Tensor) -> Tensor:  # noqa: A002
    """``-input``."""
    return -_input(input, "neg")


negative = neg


def _unary(name: str, doc: str) -> Any:
    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
        return _write_out(name, getattr(_input(input, name), name)(), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


abs = _unary("abs", "Element-wise |x|.")  # noqa: A001
exp = _unary("exp", "Element-wise eˣ.")
exp2 = _unary("exp2", "Element-wise 2ˣ.")
log = _unary("log", "Element-wise natural logarithm.")
log2 = _unary("log2", "Element-wise base-2 logarithm.")
log10 = _unary("log10", "Element-wise base-10 logarithm.")
log1p = _unary("log1p", "Element-wise log(1 + x), exact for small x.")
expm1 = _unary("expm1", "Element-wise eˣ − 1, exact for small x.")
sqrt = _unary("sqrt", "Element-wise square root.")
rsqrt = _unary("rsqrt", "Element-wise 1/√x.")
square = _unary("square", "Element-wise x².")
reciprocal = _unary("reciprocal", "Element-wise 1/x.")
sin = _unary("sin", "Element-wise sine.")
cos = _unary("cos", "Element-wise cosine.")
tan = _unary("tan", "Element-wise tangent.")
tanh = _unary("tanh", "Element-wise hyperbolic tangent.")
sigmoid = _unary("sigmoid", "Element-wise logistic sigmoid 1/(1 + e⁻ˣ).")
relu = _unary("relu", "Element-wise max(x, 0).")
sign = _unary("sign", "Element-wise sign (−1, 0, 1; no gradient).")
floor = _unary("floor", "Round down (no gradient).")
ceil = _unary("ceil", "Round up (no gradient).")
trunc = _unary("trunc", "Round towards zero (no gradient).")
isnan = _unary("isnan", "Where the elements are NaN (bool).")
isinf = _unary("isinf", "Where the elements are ±inf (bool).")
isfinite = _unary("isfinite", "Where the elements are finite (bool).")
clone = _unary("clone", "A copy that stays in the graph.")
detach = _unary("detach", "The same data, cut from the graph.")
t = _unary("t", "The transpose of a 2-D tensor.")
asin = arcsin = _unary("asin", "Element-wise arcsine.")
acos = arccos = _unary("acos", "Element-wise arccosine.")
atan = arctan = _unary("atan", "Element-wise arctangent.")
sinh = _unary("sinh", "Element-wise hyperbolic sine.")
cosh = _unary("cosh", "Element-wise hyperbolic cosine.")
erf = _unary("erf", "The error function.")


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001,A002
    """Round half to even (to ``decimals`` places); no gradient."""
    x = _input(input, "round")
    if decimals == 0:
        return x.round()
    return Tensor._make(np.round(x._data, decimals), None, False)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001,A002
    """Limit the values to [min, max]."""
    return _input(input, "clamp").clamp(min, max)


clip = clamp


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Element-wise minimum (ties share the gradient)."""
    return _input(input, "minimum").minimum(other)


# ------------------------------------------------------------------------- reductions


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001,A002
    """The sum (over ``dim``)."""
    x = _input(input, "sum")
    if dtype is not None:
        x = x.to(dtype)
    return x.sum(dim, keepdim)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The mean (over ``dim``)."""
    x = _input(input, "mean")
    if dtype is not None:
        x = x.to(dtype)
    return x.mean(dim, keepdim)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001,A002
    """The largest element; with ``dim`` the pair ``(values, indices)``; with a tensor, ``maximum``."""
    return _input(input, "max").max(dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001,A002
    """The smallest element; with ``dim`` the pair ``(values, indices)``; with a tensor, ``minimum``."""
    x = _input(input, "min")
    if isinstance(dim, Tensor):
        return x.minimum(dim)
    return x.min(dim, keepdim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The maximum over ``dim`` (ties share the gradient)."""
    return _input(input, "amax").amax(dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The minimum over ``dim`` (ties share the gradient)."""
    return _input(input, "amin").amin(dim, keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The int64 index of the largest element (along ``dim``)."""
    return _input(input, "argmax").argmax(dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The int64 index of the smallest element (along ``dim``)."""
    return _input(input, "argmin").argmin(dim, keepdim)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The product of the elements (along ``dim``)."""
    return _input(input, "prod").prod(dim, keepdim, dtype)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running sum along ``dim``."""
    return _input(input, "cumsum").cumsum(dim, dtype)


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None) -> Tensor:
    """Variance (Bessel's correction by default)."""
    return _input(input, "var").var(dim, unbiased, keepdim, correction=correction)


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
        correction: Any = None) -> Tensor:
    """Standard deviation (Bessel's correction by default)."""
    return _input(input, "std").std(dim, unbiased, keepdim, correction=correction)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """The vector p-norm (all elements by default)."""
    return _input(input, "norm").norm(p, dim, keepdim, dtype)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log Σ exp(x) over ``dim``, computed stably."""
    return _input(input, "logsumexp").logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """Softmax along ``dim``."""
    x = _input(input, "softmax")
    return _F.softmax(x if dtype is None else x.to(dtype), dim)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """Log-softmax along ``dim``."""
    x = _input(input, "log_softmax")
    return _F.log_softmax(x if dtype is None else x.to(dtype), dim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """Whether any element (along ``dim``) is non-zero."""
    return _input(input, "any").any(dim, keepdim)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001,A002
    """Whether all elements (along ``dim``) are non-zero."""
    return _input(input, "all").all(dim, keepdim)


# ------------------------------------------------------------------------- linear algebra


def matmul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix product with broadcasting (``@``)."""
    _input(input, "matmul")
    _input(other, "matmul")
    return _write_out("matmul", _la.matmul(input, other), out)


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Matrix product of two 2-D tensors."""
    return _write_out("mm", _input(input, "mm").mm(mat2), out)


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Batched matrix product of two 3-D tensors."""
    return _write_out("bmm", _input(input, "bmm").bmm(mat2), out)


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors."""
    return _input(input, "dot").dot(tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors."""
    return _input(input, "outer").outer(vec2)


def einsum(equation: str, *operands: Any) -> Tensor:
    """``torch.einsum``: sums of products named by letters (``"ij,jk->ik"``), with ``...`` and repeated
    letters (diagonals); built from differentiable ops, so it has gradients of every order."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return _einsum.einsum(equation, [_input(o, "einsum") for o in operands])


# ------------------------------------------------------------------------- shapes and indexing


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dimensions ``start_dim .. end_dim`` into one."""
    return _input(input, "flatten").flatten(start_dim, end_dim)


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:  # noqa: A002
    """The same elements in a new shape."""
    return _input(input, "reshape").reshape(shape)


def squeeze(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """Remove dimensions of size 1 (only ``dim`` when given)."""
    return _input(input, "squeeze").squeeze(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a dimension of size 1 at ``dim``."""
    return _input(input, "unsqueeze").unsqueeze(dim)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap two dimensions."""
    return _input(input, "transpose").transpose(dim0, dim1)


swapaxes = transpose
swapdims = transpose


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """Reorder the dimensions."""
    return _input(input, "permute").permute(*dims)


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:  # noqa: A002
    """``input.expand(size)``."""
    return _input(input, "broadcast_to").expand(*size)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` (or of the listed sizes) along ``dim``."""
    return _idx.split(_input(tensor, "split"), split_size_or_sections, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """At most ``chunks`` equal pieces along ``dim``."""
    return _idx.chunk(_input(input, "chunk"), chunks, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices along ``dim``."""
    return _idx.unbind(_input(input, "unbind"), dim)


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """Reverse the order along ``dims``."""
    return _idx.flip(_input(input, "flip"), dims)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Shift with wrap-around along ``dims``."""
    return _idx.roll(_input(input, "roll"), shifts, dims)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """Pick along ``dim`` with an int64 index of the same rank."""
    return _idx.gather(_input(input, "gather"), dim, index)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:  # noqa: A002
    """A copy with ``src`` (or the number ``value``) written at the index positions."""
    return _idx.scatter(_input(input, "scatter"), dim, index, value if src is None else src)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """A copy with ``src`` added at the index positions."""
    return _idx.scatter_add(_input(input, "scatter_add"), dim, index, src)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The slices at a 1-D int64 ``index`` along ``dim``."""
    return _idx.index_select(_input(input, "index_select"), dim, index)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``value`` where ``mask`` holds."""
    return _idx.masked_fill(_input(input, "masked_fill"), mask, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """The elements where ``mask`` holds, as a 1-D tensor."""
    return _input(input, "masked_select").masked_select(mask)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """Elements ``start .. start + length`` along ``dim``."""
    return _input(input, "narrow").narrow(dim, start, length)


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice at ``index`` along ``dim``."""
    return _input(input, "select").select(dim, index)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:  # noqa: A002
    """``(values, indices)`` sorted along ``dim``."""
    return _idx.sort(_input(input, "sort"), dim, descending, stable)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    """The int64 indices that sort along ``dim``."""
    return _idx.argsort(_input(input, "argsort"), dim, descending, stable)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    return _idx.topk(_input(input, "topk"), k, dim, largest, sorted)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """The int64 positions of the non-zero elements."""
    return _idx.nonzero(_input(input, "nonzero"), as_tuple)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values (sorted)."""
    return _idx.unique(_input(input, "unique"), sorted, return_inverse, return_counts, dim)


# ------------------------------------------------------------------------- comparisons and queries


def eq(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise ``==`` (bool)."""
    return _input(input, "eq") == other


def ne(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise ``!=`` (bool)."""
    return _input(input, "ne") != other


def lt(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise ``<`` (bool)."""
    return _input(input, "lt") < other


def le(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise ``<=`` (bool)."""
    return _input(input, "le") <= other


def gt(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise ``>`` (bool)."""
    return _input(input, "gt") > other


def ge(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise ``>=`` (bool)."""
    return _input(input, "ge") >= other


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both have the same shape and elements."""
    return _input(input, "equal").equal(other)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """``|input - other| <= atol + rtol * |other|`` everywhere."""
    return _input(input, "allclose").allclose(other, rtol, atol, equal_nan)


def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """Element-wise ``allclose`` (bool)."""
    x = _input(input, "isclose")
    o = other._data if isinstance(other, Tensor) else other
    return Tensor._make(np.isclose(x._data, o, rtol=rtol, atol=atol, equal_nan=equal_nan), None, False)


def numel(input: Tensor) -> int:  # noqa: A002
    """The number of elements."""
    return _input(input, "numel").numel()


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """Whether the dtype is floating point."""
    return _input(input, "is_floating_point").is_floating_point()



def repeat_interleave(input: Tensor, repeats: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """Each element (or slice along ``dim``) repeated ``repeats`` times."""
    return _idx.repeat_interleave(_input(input, "repeat_interleave"), repeats, dim)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dimensions, zeros above."""
    return _idx.tril(_input(input, "tril"), diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dimensions, zeros below."""
    return _idx.triu(_input(input, "triu"), diagonal)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """The int64 number of non-zero elements (along ``dim``)."""
    return _input(input, "count_nonzero").count_nonzero(dim)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """How often each value 0, 1, ... occurs in a 1-D non-negative int tensor (weighted sums with ``weights``)."""
    x = _input(input, "bincount")
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got {x.dtype} of shape {x.shape}")
    if x.numel() and x._data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data
    counts = np.bincount(x._data, weights=w, minlength=minlength)
    return Tensor._make(counts if w is not None else counts.astype(np.int64), None, False)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors (``indexing="ij"`` or ``"xy"``); differentiable (expands)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [_input(t, "meshgrid").reshape(-1) for t in tensors]
    shape = tuple(t.shape[0] for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        grids.append(t.reshape(tuple(view)).expand(shape))
    if indexing == "xy" and len(grids) >= 2:  # "xy" is "ij" with the first two dimensions swapped
        grids = [g.transpose(0, 1) for g in grids]
    return tuple(grids)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:  # noqa: A002
    """``where(condition, input, other)``: ``input`` where ``condition`` holds, else ``other``
    (differentiable in both); ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        cond = condition if isinstance(condition, Tensor) else Tensor._make(np.asarray(condition), None, False)
        return _idx.nonzero(cond, True)
    if input is None or other is None:
        raise TypeError("where() expected both input and other, or neither")
    return _where3(condition, input, other)


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """The int64 (count, ndim) positions of the non-zero elements."""
    return _idx.nonzero(_input(input, "argwhere"), False)


def clamp_min(input: Tensor, min: float) -> Tensor:  # noqa: A001,A002
    """``clamp(input, min=min)``."""
    return _input(input, "clamp_min").clamp(min=min)


def clamp_max(input: Tensor, max: float) -> Tensor:  # noqa: A001,A002
    """``clamp(input, max=max)``."""
    return _input(input, "clamp_max").clamp(max=max)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The (dim1, dim2) diagonal as the last dimension."""
    return _idx.diagonal(_input(input, "diagonal"), offset, dim1, dim2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """1-D → a matrix with it on a diagonal; 2-D → that diagonal."""
    return _idx.diag(_input(input, "diag"), diagonal)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of a matrix's main diagonal."""
    return _input(input, "trace").trace()


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    """Element-wise NOT (bool)."""
    return _input(input, "logical_not").logical_not()


def logical_and(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise AND (bool)."""
    return _input(input, "logical_and").logical_and(other)


def logical_or(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise OR (bool)."""
    return _input(input, "logical_or").logical_or(other)


def logical_xor(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Element-wise XOR (bool)."""
    return _input(input, "logical_xor").logical_xor(other)


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` in one call."""
    x = _input(input, "var_mean")
    return x.var(dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` in one call."""
    x = _input(input, "std_mean")
    return x.std(dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


def atan2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Element-wise angle of the point (other, input)."""
    return _write_out("atan2", _trig.atan2(input, other), out)


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``."""
    return _input(input, "lerp").lerp(end, weight)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1,  # noqa: A002
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1``, ``mat2``."""
    prod = _input(mat1, "addmm").mm(mat2)
    result = (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)
    return _write_out("addmm", result, out)
