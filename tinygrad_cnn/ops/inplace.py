"""In-place operations: one rule for ``x.add_(y)``, ``x += y``, ``x.zero_()``, ``x[idx] = v`` and the rest.

As PyTorch:

- With grad mode off, or when neither the tensor nor the value requires grad, the op writes straight
  into the storage and bumps its version (the manual-SGD step ``with no_grad(): w -= lr * w.grad``).
- Otherwise the op is *recorded*: the ordinary out-of-place Function computes the new value from the
  old one (a copy of it where that Function saves its input, PyTorch's ``original_self``), the value is
  written into the storage, and the tensor takes the new node as its ``grad_fn``. Ops that saved the
  tensor before the change find its version bumped and refuse to backward through stale data.
- In-place on a *view* of a tensor in the graph rebases the base: its new ``grad_fn`` is a
  ``CopySlices`` node (the old base with the view's region replaced by the new value), and every live
  view of it is re-derived from there (see ``views.py``).
- On a leaf that requires grad, or a view of one, with grad mode on: PyTorch's RuntimeError.

In-place arithmetic keeps the tensor's dtype: a result type that cannot be cast back (a float result
into an integer tensor) raises PyTorch's RuntimeError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .shape import GetItem, _normalize_index
from .views import apply_steps, refresh_views, regenerate, steps_mask

_LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
_LEAF_VIEW_ERROR = "a view of a leaf Variable that requires grad is being used in an in-place operation."
_NO_GRAD_VIEW_ERROR = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that "
    "this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both "
    "the view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
    "tracked) or both outside (if you want the inplace to be tracked)."
)


class IndexPut(Function):
    """``a[index] = value`` as a function of both (PyTorch's ``index_put``).

    ∂/∂a: the upstream gradient with the written cells zeroed (they no longer depend on ``a``);
    ∂/∂value: the upstream gradient at the written cells, summed over the cells one value was
    broadcast to. Both are written with ``IndexPut`` and ``getitem``, so they are differentiable again.
    """

    name = "index_put"

    @staticmethod
    def forward(ctx, a, value, index, inplace):
        ctx.index = index
        ctx._value_shape = value.shape
        out = a._data if inplace else a._data.copy()
        out[index] = value._data
        return out

    @staticmethod
    def backward(ctx, g):
        need_a, need_value = ctx.needs_input_grad[:2]
        ga = gv = None
        if need_a:
            ga = IndexPut.apply(g, Tensor._make(np.zeros((), g.dtype), None, False), ctx.index, False)
        if need_value:
            gv = GetItem.apply(g, ctx.index)
            shape = ctx._value_shape
            if len(shape) > gv.ndim:  # a value with extra leading 1s, which NumPy's assignment drops
                gv = gv.reshape(shape)
            elif gv.shape != shape:
                gv = gv.sum_to_size(shape)
        return ga, gv, None, None


class CopySlices(Function):
    """The base of a view after an in-place op on the view: the old base with the view's region replaced.

    ``steps`` is the view chain from the base to the view. ∂/∂base: the upstream gradient with the
    view's region zeroed; ∂/∂value: the view chain applied to the upstream gradient. The storage
    already holds the new values when this node is made, so the forward only hands them on.
    """

    name = "copy_slices"

    @staticmethod
    def forward(ctx, base, value, steps):
        ctx._steps = steps
        ctx._shape = base.shape
        return base._data

    @staticmethod
    def backward(ctx, g):
        need_base, need_value = ctx.needs_input_grad[:2]
        gb = gv = None
        if need_base:
            keep = ~steps_mask(ctx._shape, ctx._steps)
            gb = g * Tensor._make(keep.astype(g.dtype), None, False)
        if need_value:
            gv = apply_steps(g, ctx._steps)
        return gb, gv, None


def check_inplace_allowed(t: Tensor) -> None:
    """PyTorch's errors for in-place ops that autograd cannot record (grad mode on)."""
    base = t._base
    if base is None:
        if t._requires_grad and t.grad_fn is None:
            raise RuntimeError(_LEAF_ERROR)
        return
    if t._view_no_grad:
        raise RuntimeError(_NO_GRAD_VIEW_ERROR)
    if base._requires_grad and base.grad_fn is None:
        raise RuntimeError(_LEAF_VIEW_ERROR)


def inplace(
    t: Tensor,
    compute: Callable[[Tensor], Tensor],
    write: Callable[[np.ndarray], Any],
    others: tuple[Any, ...] = (),
    saves_self: bool = True,
) -> Tensor:
    """Change ``t`` in place and return it.

    ``write(array)`` changes the storage directly (nothing to record); ``compute(src)`` returns the
    new value as a recorded out-of-place op on ``src``, a tensor holding the old value (a copy when
    ``saves_self``: the op keeps its input for backward). ``others`` are the op's other operands.
    """
    record = False
    if is_grad_enabled():
        record = t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)
        if record:
            check_inplace_allowed(t)
            if t._data.dtype.kind not in "fc":  # an integer tensor cannot carry a gradient
                record = False
    _check_writable(t)
    if not record:
        write(t._data)
        t._bump_version()
        return t
    src = Tensor._make(t._data.copy() if saves_self else t._data, t.grad_fn, t._requires_grad)
    new = compute(src)
    if new._data.shape != t._data.shape:
        raise RuntimeError(
            f"output with shape {list(t.shape)} doesn't match the broadcast shape {list(new.shape)}"
        )
    if new._data.dtype != t._data.dtype:
        new = new.to(t._data.dtype)
    if new._data is not t._data:
        t._data[...] = new._data
    t._bump_version()
    base = t._base
    if base is None:
        t.grad_fn = new.grad_fn
        t._requires_grad = True
        refresh_views(t)
    else:
        old = Tensor._make(base._data, base.grad_fn, base._requires_grad)
        rebased = CopySlices.apply(old, new, t._view_steps)
        base.grad_fn = rebased.grad_fn
        base._requires_grad = True
        regenerate(t)
        refresh_views(base, skip=t)
    return t


def _check_writable(t: Tensor) -> None:
    if not t._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            f"memory location (an expanded tensor of shape {t.shape}). Please clone() the tensor before "
            "performing the operation."
        )


def check_result_type(op: str, t: Tensor, other: Any) -> np.dtype:
    """The result type of ``t op other``, which must be castable back to ``t``'s dtype (PyTorch's rule)."""
    result = _dt.result_type(t, other)
    if op == "div" and result.kind in "biu":
        result = _dt.get_default_dtype()
    if not _dt.can_cast(result, t._data.dtype):
        raise RuntimeError(
            f"result type {_dt.scalar_name(result)} can't be cast to the desired output type "
            f"{_dt.scalar_name(t._data.dtype)}"
        )
    return result


def check_shape(t: Tensor, other: Any) -> None:
    """An in-place result must keep ``t``'s shape: ``other`` may broadcast to it, not beyond."""
    shape = np.shape(other._data if isinstance(other, Tensor) else other)
    if shape == t.shape:
        return
    try:
        out = np.broadcast_shapes(t.shape, shape)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({list(t.shape)}) must match the size of tensor b ({list(shape)}) "
            "(the in-place operand must broadcast to the tensor's shape)"
        ) from None
    if out != t.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast shape {list(out)}")


def scaled(other: Any, alpha: Any) -> Any:
    """``alpha * other`` for ``add_``/``sub_``: plain NumPy when there is no graph to record."""
    if (
        isinstance(other, Tensor)
        and type(alpha) in (int, float)
        and other._data.dtype.kind == "f"
        and not (other._requires_grad and is_grad_enabled())
    ):
        return Tensor._make(other._data * alpha, None, False)
    return other * alpha


def operand(other: Any, dtype: np.dtype) -> Any:
    """An operand for a NumPy in-place ufunc: a tensor's array, or a number/array in ``dtype``."""
    if isinstance(other, Tensor):
        return other._data
    return np.asarray(other, dtype=dtype)


def as_value(value: Any, like: Tensor) -> Tensor:
    """A value to write into ``like``: a Tensor as it is, anything else as a constant of its dtype."""
    if isinstance(value, Tensor):
        return value
    try:
        return Tensor._make(np.asarray(value, dtype=like._data.dtype), None, False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"can't assign a {type(value).__name__} to a tensor of dtype {like.dtype}: {exc}") from None


def setitem(t: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value`` for ints, slices, ``...``, None, boolean masks and integer index tensors."""
    index = _normalize_index(index)
    v = as_value(value, t)
    try:  # the indexed shape, from a zero-strided stand-in (no allocation of t's size)
        target = np.broadcast_to(np.False_, t.shape)[index]
    except IndexError as exc:
        raise IndexError(f"setitem: index {index!r} is invalid for a tensor of shape {t.shape}: {exc}") from None
    target_shape = np.shape(target)
    value_shape = v.shape
    while len(value_shape) > len(target_shape) and value_shape[0] == 1:  # leading 1s are dropped, as PyTorch
        value_shape = value_shape[1:]
    try:
        fits = np.broadcast_shapes(value_shape, target_shape) == target_shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to indexing result "
            f"of shape {list(target_shape)}"
        )

    def write(arr: np.ndarray) -> None:
        arr[index] = v._data

    inplace(t, lambda src: IndexPut.apply(src, v, index, src._data is t._data), write, (v,), saves_self=False)
