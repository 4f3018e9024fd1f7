"""Index-driven ops: gather/scatter, flip, cumsum, sort/topk, split/chunk, roll, repeat, masked_fill.

``gather`` and ``scatter_add`` are each other's gradient, and ``flip`` is its own, so every backward
here is built from these ops again (double backward works). Ops that only pick elements (``split``,
``index_select``, ``roll``, ``repeat``) are compositions of indexing and reshapes, which are differentiable.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from . import elementwise as _ew
from .reduce import normalize_dims

#: PyTorch's ``torch.return_types.sort`` / ``topk``: ``values, indices = x.sort()``
SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def one_dim(a: Tensor, dim: Any, op: str) -> int:
    """``dim`` as a non-negative axis of ``a`` (0 for a 0-d tensor, as PyTorch)."""
    if a.ndim == 0:
        if dim not in (0, -1):
            raise IndexError(f"{op}: dim {dim} is out of range for a 0-d tensor (expected 0 or -1)")
        return 0
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return normalize_dims(a.ndim, dim, op)[0]


def _index_array(index: Any, op: str) -> np.ndarray:
    arr = index._data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an integer (int64) index tensor, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _scatter_positions(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """Full coordinates of every index element: its own position, with ``dim`` replaced by its value."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _check_gather(op: str, a: Tensor, dim: int, index: np.ndarray) -> None:
    if index.ndim != max(a.ndim, 1) and not (a.ndim == 0 and index.ndim == 0):
        raise RuntimeError(
            f"{op}: index tensor must have the same number of dimensions as input, "
            f"got index shape {index.shape} for input shape {a.shape}"
        )
    for d in range(index.ndim):
        if d != dim and a.ndim and index.shape[d] > a.shape[d]:
            raise RuntimeError(
                f"{op}: size of index {index.shape} must not exceed input {a.shape} in dimension {d} (dim={dim})"
            )
    size = a.shape[dim] if a.ndim else 1
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size}")


class Gather(Function):
    """out[i][j] = a[i][index[i][j]] (for dim=1); the gradient is ``scatter_add`` of g into zeros."""

    name = "gather"

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.dim, ctx.index, ctx._shape = dim, index, a.shape
        if a.ndim == 0:
            return a._data.copy()
        return a._data[_scatter_positions(index, dim)]

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.apply(g, ctx.dim, ctx.index, ctx._shape), None, None


class ScatterAdd(Function):
    """Zeros of ``shape`` with g's elements added at their index positions; the gradient is ``gather``."""

    name = "scatter_add"

    @staticmethod
    def forward(ctx, g, dim, index, shape):
        ctx.dim, ctx.index = dim, index
        out = np.zeros(shape, dtype=g.dtype)
        if len(shape) == 0:
            out += g._data
        else:
            np.add.at(out, _scatter_positions(index, dim), g._data)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Gather.apply(gg, ctx.dim, ctx.index), None, None, None


def gather(a: Tensor, dim: int, index: Any) -> Tensor:
    """``torch.gather``: pick along ``dim`` with an int64 index of the same rank (differentiable in ``a``)."""
    d = one_dim(a, dim, "gather")
    idx = _index_array(index, "gather")
    _check_gather("gather", a, d, idx)
    return Gather.apply(a, d, idx)


def _scatter_src(op: str, a: Tensor, d: int, idx: np.ndarray, src: Any) -> Tensor:
    """``src`` as a Tensor of ``idx``'s shape (a number fills it; a larger tensor is cut to it)."""
    if not isinstance(src, Tensor):
        return Tensor._make(np.full(idx.shape, src, dtype=a.dtype), None, False)
    if src.ndim != idx.ndim or any(i > s for i, s in zip(idx.shape, src.shape)):
        raise RuntimeError(
            f"{op}: src shape {src.shape} must have index's rank and be at least index's shape {idx.shape}"
        )
    if src.shape != idx.shape:
        src = src[tuple(slice(0, n) for n in idx.shape)]
    return src if src.dtype == a.dtype else src.to(a.dtype)


class Scatter(Function):
    """``a`` with ``src``'s elements written at the index positions; gradients: g with those positions
    zeroed (for ``a``), and g gathered at them (for ``src``), as PyTorch's."""

    name = "scatter"

    @staticmethod
    def forward(ctx, a, src, dim, index):
        ctx.dim, ctx.index = dim, index
        out = a._data.copy()
        out[_scatter_positions(index, dim)] = src._data
        return out

    @staticmethod
    def backward(ctx, g):
        hit = np.zeros(g.shape, dtype=bool)
        hit[_scatter_positions(ctx.index, ctx.dim)] = True
        keep = Tensor._make(~hit, None, False)
        return _ew.where(keep, g, 0.0), Gather.apply(g, ctx.dim, ctx.index), None, None


def _scatter_args(op: str, a: Tensor, dim: Any, index: Any, src: Any) -> tuple[int, np.ndarray, Tensor]:
    if a.ndim == 0:
        raise RuntimeError(f"{op}: expected a tensor with at least one dimension")
    d = one_dim(a, dim, op)
    idx = _index_array(index, op)
    _check_gather(op, a, d, idx)
    return d, idx, _scatter_src(op, a, d, idx, src)


def scatter(a: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """``torch.scatter``: a copy of ``a`` with ``src`` (a Tensor or a number) written along ``dim``."""
    d, idx, s = _scatter_args("scatter", a, dim, index, src)
    return Scatter.apply(a, s, d, idx)


def scatter_add(a: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """``torch.scatter_add``: a copy of ``a`` with ``src``'s elements added at the index positions."""
    d, idx, s = _scatter_args("scatter_add", a, dim, index, src)
    return a + ScatterAdd.apply(s, d, idx, a.shape)


def scatter_(a: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """In-place ``scatter`` on a tensor outside the graph (one-hot targets, masks); returns ``a``."""
    from .. import autograd

    if autograd.is_grad_enabled() and (a.requires_grad or a.grad_fn is not None):
        raise RuntimeError(
            "scatter_: in-place scatter into a tensor that is part of the graph is not supported; "
            "use the out-of-place x.scatter(dim, index, src)"
        )
    d, idx, s = _scatter_args("scatter_", a, dim, index, src)
    a._data[_scatter_positions(idx, d)] = s._data
    a._bump_version()
    return a


class Flip(Function):
    """Reverse the order along ``dims``; its own gradient."""

    name = "flip"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.flip(a._data, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def flip(a: Tensor, dims: Any) -> Tensor:
    """``torch.flip``: reverse the order of elements along each of ``dims``."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    norm = normalize_dims(a.ndim, dims, "flip") or ()
    return Flip.apply(a, norm) if a.ndim else a.clone()


class Cumsum(Function):
    """Running sum along ``dim``; the gradient is the running sum of g taken from the end."""

    name = "cumsum"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return np.cumsum(a._data, axis=dim, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g):
        d = (ctx.dim,)
        return Flip.apply(Cumsum.apply(Flip.apply(g, d), ctx.dim), d), None


def cumsum(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``torch.cumsum``; integer and bool inputs give int64, as PyTorch."""
    d = one_dim(a, dim, "cumsum")
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu":
        a = Tensor._make(a._data.astype(np.int64), None, False)
    if a.ndim == 0:
        return a.clone()
    return Cumsum.apply(a, d)


def index_select(a: Tensor, dim: int, index: Any) -> Tensor:
    """``torch.index_select``: the slices at the positions of a 1-D int64 ``index`` along ``dim``."""
    d = one_dim(a, dim, "index_select")
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 0-d or 1-D, got shape {idx.shape}")
    size = a.shape[d] if a.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise IndexError(f"index_select: index out of range for dimension {d} of size {size}")
    if a.ndim == 0:
        return a.reshape(-1)[idx.reshape(-1)].reshape(())
    return a[(slice(None),) * d + (idx.reshape(-1),)]


def _sort_key(data: np.ndarray, descending: bool) -> np.ndarray:
    if not descending:
        return data
    if data.dtype.kind == "b":
        return ~data
    return -(data.astype(np.float64) if data.dtype.kind == "u" else data)


def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """``torch.argsort``: the int64 indices that sort ``a`` along ``dim`` (ties keep their order)."""
    d = one_dim(a, dim, "argsort")
    if a.ndim == 0:
        return Tensor._make(np.zeros((), dtype=np.int64), None, False)
    idx = np.argsort(_sort_key(a._data, descending), axis=d, kind="stable").astype(np.int64)
    return Tensor._make(idx, None, False)


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """``torch.sort``: ``(values, indices)``; the values are differentiable (a gather)."""
    idx = argsort(a, dim, descending)
    if a.ndim == 0:
        return SortResult(a.clone(), idx)
    return SortResult(Gather.apply(a, one_dim(a, dim, "sort"), idx._data), idx)


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:  # noqa: A002
    """``torch.topk``: the ``k`` largest (or smallest) values along ``dim`` and their indices."""
    d = one_dim(a, dim, "topk")
    size = a.shape[d] if a.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {size}")
    if a.ndim == 0:
        return TopkResult(a.clone(), Tensor._make(np.zeros((), dtype=np.int64), None, False))
    order = np.argsort(_sort_key(a._data, largest), axis=d, kind="stable")
    idx = np.take(order, np.arange(int(k)), axis=d).astype(np.int64)
    return TopkResult(Gather.apply(a, d, idx), Tensor._make(idx, None, False))


def _select(a: Tensor, d: int, part: slice | int) -> Tensor:
    return a[(slice(None),) * d + (part,)]


def split(a: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``torch.split``: pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the
    listed ``sections`` sizes (which must add up to the dimension's size)."""
    if a.ndim == 0:
        raise RuntimeError("split: expected a tensor with at least one dimension, got a 0-d tensor")
    d = one_dim(a, dim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n > 0):
            raise RuntimeError(f"split: split_size must be positive, got {size} for a dimension of size {n}")
        starts = list(range(0, n, size)) if n else [0]
        return tuple(_select(a, d, slice(s, min(s + size, n))) for s in starts)
    sections = [int(s) for s in split_size_or_sections]
    if sum(sections) != n or any(s < 0 for s in sections):
        raise RuntimeError(
            f"split: split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
            f"dimension {d}), but got split_sizes={sections}"
        )
    out, start = [], 0
    for s in sections:
        out.append(_select(a, d, slice(start, start + s)))
        start += s
    return tuple(out)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``torch.chunk``: at most ``chunks`` pieces of ⌈size/chunks⌉ along ``dim`` (maybe fewer)."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    if a.ndim == 0:
        raise RuntimeError("chunk: expected a tensor with at least one dimension, got a 0-d tensor")
    n = a.shape[one_dim(a, dim, "chunk")]
    return split(a, max(-(-n // int(chunks)), 1) if n else 1, dim)


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """``torch.unbind``: the slices along ``dim``, that dimension removed."""
    if a.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    d = one_dim(a, dim, "unbind")
    return tuple(_select(a, d, i) for i in range(a.shape[d]))


def roll(a: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """``torch.roll``: shift elements along ``dims`` with wrap-around (flattened when ``dims`` is None)."""
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            if len(shifts) != 1:
                raise RuntimeError(f"roll: without dims, shifts must be a single int, got {shifts!r}")
            shifts = shifts[0]
        return roll(a.flatten(), shifts, 0).reshape(a.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dims must align, got shifts={shifts} and dims={dims}")
    out = a
    for s, dim in zip(shifts, dims):
        d = one_dim(a, dim, "roll")
        n = a.shape[d] if a.ndim else 1
        if n == 0 or int(s) % n == 0:
            continue
        order = (np.arange(n) - int(s)) % n
        out = out[(slice(None),) * d + (order,)]
    return out if out is not a else a.clone()


def repeat(a: Tensor, sizes: Sequence[Any]) -> Tensor:
    """``Tensor.repeat``: tile ``a`` ``sizes[i]`` times along each dimension (leading ones added)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    reps = tuple(int(s) for s in sizes)
    if len(reps) < a.ndim:
        raise RuntimeError(
            f"repeat: number of dimensions of repeat dims ({len(reps)}) can not be smaller than the number "
            f"of dimensions of tensor ({a.ndim})"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - a.ndim) + a.shape
    inter, big, final = [], [], []
    for r, s in zip(reps, shape):
        inter += [1, s]
        big += [r, s]
        final.append(r * s)
    return a.reshape(tuple(inter)).expand(tuple(big)).reshape(tuple(final))


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``torch.masked_fill``: ``value`` where the bool ``mask`` (broadcast to ``a``) holds."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"masked_fill only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)"
        )
    try:
        shape = np.broadcast_shapes(m.shape, a.shape)
    except ValueError:
        shape = None
    if shape != a.shape:
        raise RuntimeError(f"masked_fill: mask of shape {m.shape} does not broadcast to the input's shape {a.shape}")
    if isinstance(value, Tensor):
        value = value if value.dtype == a.dtype else value.to(a.dtype)
    else:
        value = Tensor._make(np.asarray(value).astype(a.dtype), None, False)
    return _ew.where(Tensor._make(m, None, False), value, a)


def nonzero(a: Tensor, as_tuple: bool = False) -> Any:
    """``torch.nonzero``: an int64 (count, ndim) tensor of positions, or one 1-D tensor per dimension."""
    idx = np.nonzero(a._data if a.ndim else a._data.reshape(1))
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64), None, False) for i in idx)
    stacked = np.stack(idx, axis=1).astype(np.int64) if a.ndim else np.zeros((len(idx[0]), 0), dtype=np.int64)
    return Tensor._make(stacked, None, False)


def unique(a: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """``torch.unique`` (sorted): the distinct values, with inverse indices and counts on request."""
    if dim is not None:
        raise NotImplementedError("unique: dim= is not supported; flatten or loop over slices instead")
    vals, inv, counts = np.unique(a._data, return_inverse=True, return_counts=True)
    out = [Tensor._make(vals, None, False)]
    if return_inverse:
        out.append(Tensor._make(inv.reshape(a.shape).astype(np.int64), None, False))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64), None, False))
    return out[0] if len(out) == 1 else tuple(out)


def repeat_interleave(a: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """``torch.repeat_interleave``: each element (or slice along ``dim``) repeated ``repeats`` times;
    ``repeats`` an int or a 1-D int tensor with one count per slice. Without ``dim`` the input is flattened."""
    if dim is None:
        a, d = a.reshape(-1), 0
    else:
        d = one_dim(a, dim, "repeat_interleave")
    n = a.shape[d] if a.ndim else 1
    if isinstance(repeats, Tensor) or isinstance(repeats, (list, np.ndarray)):
        reps = _index_array(repeats, "repeat_interleave").reshape(-1)
        if reps.size == 1:
            reps = np.full(n, int(reps[0]))
        if reps.shape != (n,):
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, "
                               f"got {reps.shape[0]} repeats for size {n}")
    else:
        reps = np.full(n, int(repeats))
    if (reps < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    if a.ndim == 0:
        a = a.reshape(1)
    return a[(slice(None),) * d + (np.repeat(np.arange(n), reps),)]


def _triangle(a: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:
    if a.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape {a.shape}")
    rows, cols = a.shape[-2:]
    keep = np.tri(rows, cols, k=diagonal, dtype=bool) if lower else ~np.tri(rows, cols, k=diagonal - 1, dtype=bool)
    return _ew.where(Tensor._make(keep, None, False), a, Tensor._make(np.zeros((), dtype=a.dtype), None, False))


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """``torch.tril``: the lower triangle (on and below ``diagonal``) of the last two dimensions, zeros above."""
    return _triangle(a, int(diagonal), True, "tril")


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """``torch.triu``: the upper triangle (on and above ``diagonal``) of the last two dimensions, zeros below."""
    return _triangle(a, int(diagonal), False, "triu")


def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """``torch.diagonal``: the (dim1, dim2) diagonal, shifted by ``offset``, as the last dimension."""
    if a.ndim < 2:
        raise RuntimeError(f"diagonal: expected a tensor with at least 2 dimensions, got shape {a.shape}")
    d1, d2 = one_dim(a, dim1, "diagonal"), one_dim(a, dim2, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [d for d in range(a.ndim) if d not in (d1, d2)]
    moved = a.permute(*rest, d1, d2) if rest + [d1, d2] != list(range(a.ndim)) else a
    rows, cols = moved.shape[-2:]
    start_r, start_c = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_r, cols - start_c), 0)
    r = np.arange(n) + start_r
    c = np.arange(n) + start_c
    return moved[(Ellipsis, r, c)]


_diagonal = diagonal  # ``diag``'s argument shadows the function's name


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """``torch.diag``: a 1-D tensor placed on a diagonal of a square matrix, or a 2-D tensor's diagonal."""
    if a.ndim == 2:
        return _diagonal(a, diagonal)
    if a.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {a.ndim}D")
    n = a.shape[0] + abs(diagonal)
    rows = np.arange(a.shape[0]) + max(-diagonal, 0)
    cols = np.arange(a.shape[0]) + max(diagonal, 0)
    flat = rows * n + cols
    return ScatterAdd.apply(a, 0, flat, (n * n,)).reshape(n, n)
