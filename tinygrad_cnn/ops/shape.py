"""Ops that move elements without changing them: reshape, permute, expand, indexing, pad, cat.

Each backward moves the gradient back to where the element came from, with the inverse op:
reshape ↔ reshape, permute ↔ inverse permute, expand ↔ sum_to_size, getitem ↔ index_add, pad ↔ crop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import Function, _broadcastable_to
from ..tensor import Tensor
from .reduce import normalize_dims
from .views import mark_view


def _shape_arg(shape: Sequence[Any]) -> tuple[Any, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def resolve_shape(op: str, in_shape: tuple[int, ...], shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Fill in a single -1 and check the element count, with a message that names both shapes."""
    size = math.prod(in_shape)
    if math.prod(shape) == size and all(type(s) is int and s >= 0 for s in shape):  # the common case
        return shape
    if any(not isinstance(s, (int, np.integer)) for s in shape):
        raise TypeError(f"{op}: expected integer sizes, got {shape}")
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"{op}: invalid shape {shape}: at most one -1 and no other negative sizes")
    known = math.prod(s for s in shape if s != -1)
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"{op}: cannot reshape a tensor of shape {in_shape} ({size} elements) into {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise ValueError(
            f"{op}: cannot reshape a tensor of shape {in_shape} ({size} elements) into {shape} ({known} elements)"
        )
    return shape


class Reshape(Function):
    name = "reshape"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = shape
        ctx._in_shape = a._data.shape
        return a._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx._in_shape), None


class View(Reshape):
    name = "view"


class Flatten(Reshape):
    name = "flatten"


class Unsqueeze(Reshape):
    name = "unsqueeze"


class Squeeze(Reshape):
    name = "squeeze"


def reshape(a: Tensor, shape: Sequence[Any], fn: type[Function] = Reshape) -> Tensor:
    new = resolve_shape(fn.op_name(), a.shape, _shape_arg(shape))
    return mark_view(fn.apply(a, new), a, (fn, (new,)))  # a new tensor even when the shape is the same


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = a._data.shape
    if not shape:
        return reshape(a, (1,), Flatten)
    start, end = normalize_dims(len(shape), start_dim, "flatten")[0], normalize_dims(len(shape), end_dim, "flatten")[0]
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {a.shape}")
    new = shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :]
    return mark_view(Flatten.apply(a, new), a, (Flatten, (new,)))


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    rank = a.ndim + 1
    if not -rank <= dim < rank:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {a.ndim} dimension(s)")
    dim %= rank
    new = a.shape[:dim] + (1,) + a.shape[dim:]
    return mark_view(Unsqueeze.apply(a, new), a, (Unsqueeze, (new,)))


def squeeze(a: Tensor, dim: int | None = None) -> Tensor:
    if dim is None:
        new = tuple(s for s in a.shape if s != 1)
    else:
        d = normalize_dims(a.ndim, dim, "squeeze")
        if d is None or a.shape[d[0]] != 1:
            new = a.shape
        else:
            new = a.shape[: d[0]] + a.shape[d[0] + 1 :]
    return mark_view(Squeeze.apply(a, new), a, (Squeeze, (new,)))


class Permute(Function):
    name = "permute"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a._data, dims)

    @staticmethod
    def backward(ctx, g):
        return g.permute(*np.argsort(ctx.dims).tolist()), None


class Transpose(Function):
    """Swap two dimensions; its own inverse. Shown as ᵀ in derivations."""

    name = "transpose"

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        ctx.dim0, ctx.dim1 = dim0, dim1
        return np.swapaxes(a._data, dim0, dim1)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.dim0, ctx.dim1), None, None


def permute(a: Tensor, dims: Sequence[Any]) -> Tensor:
    dims = _shape_arg(dims)
    norm = tuple(normalize_dims(a.ndim, d, "permute")[0] for d in dims) if a.ndim else ()
    if sorted(norm) != list(range(a.ndim)):
        raise ValueError(f"permute: dims {tuple(dims)} must be a permutation of 0..{a.ndim - 1} for shape {a.shape}")
    return mark_view(Permute.apply(a, norm), a, (Permute, (norm,)))


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    d0 = normalize_dims(a.ndim, dim0, "transpose")
    d1 = normalize_dims(a.ndim, dim1, "transpose")
    if d0 is None or d1 is None:  # a 0-d tensor: transpose(0, 0) is itself, as a new view
        return mark_view(Reshape.apply(a, a.shape), a, (Reshape, (a.shape,)))
    return mark_view(Transpose.apply(a, d0[0], d1[0]), a, (Transpose, (d0[0], d1[0])))


class Expand(Function):
    """Broadcast to a larger shape (a view); the gradient sums over the copies."""

    name = "expand"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = shape
        ctx._in_shape = a.shape
        if shape == a.shape:
            return a._data.view()  # writable, as the tensor it aliases
        return np.broadcast_to(a._data, shape)

    @staticmethod
    def backward(ctx, g):
        return g.sum_to_size(ctx._in_shape), None


class SumToSize(Function):
    """Sum over the dimensions a broadcast stretched; the inverse of ``expand``."""

    name = "sum_to_size"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = shape
        ctx._in_shape = a._data.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
        out = np.sum(a._data, axis=axes, keepdims=True) if axes else a._data
        return np.asarray(out).reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx._in_shape), None


def expand(a: Tensor, shape: Sequence[Any]) -> Tensor:
    shape = _shape_arg(shape)
    lead = len(shape) - a.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {a.shape} to fewer dimensions {shape}")
    target = tuple(a.shape[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(shape))
    try:
        if np.broadcast_shapes(a.shape, target) != target:
            raise ValueError
    except ValueError:
        raise ValueError(f"expand: shape {a.shape} cannot be expanded to {tuple(shape)}") from None
    return mark_view(Expand.apply(a, target), a, (Expand, (target,)))


def sum_to_size(a: Tensor, shape: tuple[int, ...]) -> Tensor:
    if shape == a._data.shape:
        return a
    if not _broadcastable_to(shape, a._data.shape):
        raise ValueError(f"sum_to_size: shape {a.shape} cannot be summed to {shape} (it must broadcast to {a.shape})")
    return SumToSize.apply(a, shape)


# ---------------------------------------------------------------------- indexing


def _normalize_index(index: Any) -> Any:
    """Tensors and lists inside an index become NumPy arrays."""
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, range):  # x[range(n), target], as PyTorch accepts
        return np.arange(index.start, index.stop, index.step)
    return index


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) and i.ndim > 0 for i in items)


class GetItem(Function):
    name = "getitem"

    @staticmethod
    def forward(ctx, a, index):
        ctx.index = index
        ctx._in_shape = a.shape
        out = a._data[index]
        if not isinstance(out, np.ndarray):  # every dimension indexed by an int: a 0-d view, not a copy
            out = a._data[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        return out

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, ctx._in_shape, ctx.index), None


class IndexAdd(Function):
    """Scatter a gradient back into zeros of the source shape; repeated indices add up."""

    name = "index_add"

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g._data)
        else:
            out[index] = g._data
        return out

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.index), None, None


def getitem(a: Tensor, index: Any) -> Tensor:
    index = _normalize_index(index)
    try:
        probe = np.empty(a.shape, dtype=np.bool_)[index]  # validate cheaply, with NumPy's own rules
    except IndexError as exc:
        if a.ndim == 0 and isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert a 0-dim "
                             "tensor to a number") from None  # old programs' ``loss.data[0]``, as PyTorch says
        raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape {a.shape}: {exc}") from None
    del probe
    return mark_view(GetItem.apply(a, index), a, (GetItem, (index,)))


class Pad(Function):
    """Constant padding (PyTorch's ``F.pad``); the gradient is the crop of the upstream gradient."""

    name = "pad"

    @staticmethod
    def forward(ctx, a, widths, value):
        ctx.pad, ctx.value = widths, value
        ctx._crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a._data, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx._crop], None, None


def pad(a: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """``pad`` lists (left, right) pairs starting from the last dimension, as ``torch.nn.functional.pad``."""
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > a.ndim:
        raise ValueError(
            f"pad: expected an even number of widths, at most 2 per dimension, got {pad} for shape {a.shape}"
        )
    if any(not isinstance(p, (int, np.integer)) or p < 0 for p in pad):
        raise ValueError(f"pad: widths must be non-negative integers, got {pad}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return Pad.apply(a, tuple(widths), value)


class Cat(Function):
    name = "cat"

    @staticmethod
    def forward(ctx, *tensors, dim):
        ctx.dim = dim
        sizes = [t.shape[dim] for t in tensors]
        ctx._bounds = np.cumsum([0] + sizes).tolist()
        return np.concatenate([t._data for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, g):
        b = ctx._bounds
        lead = (slice(None),) * ctx.dim
        return tuple(g[lead + (slice(b[i], b[i + 1]),)] for i in range(len(b) - 1))


class Stack(Function):
    name = "stack"

    @staticmethod
    def forward(ctx, *tensors, dim):
        ctx.dim = dim
        return np.stack([t._data for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        return tuple(g[lead + (i,)] for i in range(g.shape[ctx.dim]))


def _check_join(op: str, tensors: list[Any], dim: int, new_axis: bool) -> tuple[list[Tensor], int]:
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    if not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{op}: expected a list of Tensors, got {[type(t).__name__ for t in tensors]}")
    ndim = tensors[0].ndim + (1 if new_axis else 0)
    d = normalize_dims(ndim, dim, op)
    d0 = d[0] if d else 0
    shapes = [tuple(t.shape) for t in tensors]
    for s in shapes:
        if new_axis:
            same = s == shapes[0]
        else:
            same = len(s) == len(shapes[0]) and all(x == y for i, (x, y) in enumerate(zip(s, shapes[0])) if i != d0)
        if not same:
            rule = "all tensors must have the same shape" if new_axis else f"shapes must match except in dimension {d0}"
            raise ValueError(f"{op}: {rule}, got {shapes}")
    dtype = _dt.result_type(*tensors)
    return [t.to(dtype) for t in tensors], d0


def cat(tensors: list[Any], dim: int = 0) -> Tensor:
    ts, d = _check_join("cat", tensors, dim, new_axis=False)
    return Cat.apply(*ts, dim=d)


def stack(tensors: list[Any], dim: int = 0) -> Tensor:
    ts, d = _check_join("stack", tensors, dim, new_axis=True)
    return Stack.apply(*ts, dim=d)
