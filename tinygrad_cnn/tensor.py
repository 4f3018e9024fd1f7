"""``Tensor``: a NumPy array plus the link to the op that made it (``grad_fn``).

Operators and methods only check their arguments and call a ``Function`` from ``ops/``;
all the calculus lives there. See ``docs/engine.md``.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .autograd import Node

__all__ = [
    "Tensor",
    "tensor",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "randn",
    "rand",
    "arange",
    "cat",
    "stack",
    "where",
    "set_default_dtype",
    "get_default_dtype",
]

_default_dtype = np.dtype(np.float32)

#: PyTorch's ``torch.return_types.max``: ``values, indices = x.max(dim)``
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def set_default_dtype(dtype: Any) -> None:
    """Set the float dtype for Python numbers, lists and integer arrays (float32 or float64)."""
    global _default_dtype
    d = np.dtype(dtype)
    if d not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    return _default_dtype


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data._data
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten_list(data)):
            data = _nested_tensor_list_to_array(data)
        try:
            arr = np.asarray(data)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"Tensor: could not build an array from the data given ({exc})") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"Tensor: expected numbers (array, list or scalar), got data of dtype {arr.dtype}")
    if dtype is not None:
        d = np.dtype(dtype)
        return arr if arr.dtype == d else arr.astype(d)
    if arr.dtype.kind in "fc" and (isinstance(data, (np.ndarray, np.generic, Tensor))):
        return arr  # a float array keeps its dtype
    return arr.astype(_default_dtype)


def _flatten_list(x: Any) -> Iterable[Any]:
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


def _nested_tensor_list_to_array(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_nested_tensor_list_to_array(x) for x in data]
    return data


class VersionCounter:
    """How many times a storage was changed in place; shared by a tensor, its ``detach()``es and views.

    Autograd records it when a tensor is saved for backward and checks it again in backward, so a
    gradient is never computed from data that changed in between (PyTorch's ``_version``).
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Tensor:
    """An n-dimensional array that records the ops that made it.

    Args:
        data: a NumPy array or scalar, a (nested) list, a Python number, or a Tensor.
        requires_grad: record operations on this tensor for ``backward``.
        dtype: NumPy dtype; default: a float array keeps its dtype, everything else becomes
            ``get_default_dtype()`` (float32).
        name: an optional name, shown by the graph and derivation views.
    """

    __array_priority__ = 1000  # so ``ndarray + Tensor`` calls Tensor.__radd__

    # Defaults at class level: ``_make`` runs for every op's output (hot path).
    grad: Tensor | None = None
    _name: str | None = None
    _hooks: list[Callable] | tuple = ()  # becomes a list on the first register_hook
    _vc: VersionCounter | None = None  # created on first use (``_version_counter``)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        arr = _to_array(data, dtype)
        self._data: np.ndarray = arr
        self.grad_fn: Node | None = None
        self._requires_grad = False
        if name is not None:
            self._name = name
        self.requires_grad = requires_grad

    @classmethod
    def _make(cls, data: np.ndarray, grad_fn: Node | None, requires_grad: bool) -> Tensor:
        """Wrap an op's result without any checks (the hot path)."""
        t = object.__new__(Tensor)
        t._data = data
        t.grad_fn = grad_fn
        t._requires_grad = requires_grad
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "requires_grad: you can only change requires_grad of leaf tensors; "
                "use .detach() to get a tensor that does not require grad"
            )
        if value and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require gradients, got dtype {self._data.dtype}"
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def name(self) -> str | None:
        """A name for the graph and derivation views (non-leaf names live on the node)."""
        if self._name is None and self.grad_fn is not None:
            return self.grad_fn._label
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        if self.grad_fn is not None:
            self.grad_fn._label = value

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def numpy(self) -> np.ndarray:
        """The tensor's own array (no copy)."""
        return self._data

    def item(self) -> Any:
        if self._data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python scalar, got shape {self.shape}"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", precision=4, prefix="tensor(")
        extra = []
        if self._data.dtype != _default_dtype:
            extra.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into each leaf's ``.grad`` (``gradient`` seeds a non-scalar; ``inputs``
        limits it to those tensors)."""
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    @property
    def data(self) -> Tensor:
        """The same storage as a detached Tensor whose in-place changes autograd does not see
        (PyTorch's escape hatch: ``p.data.add_(...)``); unlike ``detach()`` it has its own version counter."""
        return Tensor._make(self._data, None, False)

    @data.setter
    def data(self, value: Any) -> None:
        """``x.data = t`` makes ``x`` use ``t``'s storage (shape and dtype included), as PyTorch."""
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def _version_counter(self) -> VersionCounter:
        vc = self._vc
        if vc is None:
            vc = self._vc = VersionCounter()
        return vc

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's storage has seen (PyTorch's ``x._version``)."""
        vc = self._vc
        return 0 if vc is None else vc.value

    def _bump_version(self) -> None:
        """Record one in-place change of this tensor's storage (every in-place op calls this)."""
        self._version_counter.value += 1

    def detach(self) -> Tensor:
        """The same data, cut from the graph; shares the storage and its version counter."""
        t = Tensor._make(self._data, None, False)
        t._vc = self._version_counter
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a return value replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._register_tensor_hook(hook)
        if not isinstance(self._hooks, list):
            self._hooks = []
        self._hooks.append(hook)
        return autograd._HookHandle(self._hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retained is not None

    # ------------------------------------------------------------------ dtype
    def to(self, dtype: Any) -> Tensor:
        """A copy in another dtype (differentiable); the same tensor if the dtype already matches."""
        if isinstance(dtype, Tensor):
            dtype = dtype.dtype
        d = np.dtype(dtype)
        if d == self.dtype:
            return self
        return _ew.Cast.apply(self, d)

    def type(self, dtype: Any) -> Tensor:
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return Tensor._make(self._data.astype(np.int64), None, False)

    def int(self) -> Tensor:
        return Tensor._make(self._data.astype(np.int32), None, False)

    def bool(self) -> Tensor:
        return Tensor._make(self._data.astype(bool), None, False)

    def clone(self) -> Tensor:
        return _ew.Clone.apply(self)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Sub, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Mul, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Div, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ew.binary(_ew.Div, other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _ew.power(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _ew.power(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _la.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ew.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    # comparisons carry no gradient and give bool tensors, as in PyTorch
    def _compare(self, other: Any, op: Callable) -> Tensor:
        other_data = other._data if isinstance(other, Tensor) else other
        _ew.check_broadcast(op.__name__, self.shape, np.shape(other_data))
        return Tensor._make(np.asarray(op(self._data, other_data)), None, False)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def add(self, other: Any) -> Tensor:
        return self + other

    def sub(self, other: Any) -> Tensor:
        return self - other

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def neg(self) -> Tensor:
        return -self

    # ------------------------------------------------------------------ unary math
    def exp(self) -> Tensor:
        return _ew.Exp.apply(self)

    def log(self) -> Tensor:
        return _ew.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ew.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _ew.Abs.apply(self)

    def sigmoid(self) -> Tensor:
        return _ew.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return _ew.ReLU.apply(self)

    def tanh(self) -> Tensor:
        return _ew.Tanh.apply(self)

    def sign(self) -> Tensor:
        """−1, 0 or 1 per element; piecewise constant, so it carries no gradient."""
        return Tensor._make(np.sign(self._data), None, False)

    def round(self) -> Tensor:
        """Round half to even, as ``torch.round``; piecewise constant, so it carries no gradient."""
        return Tensor._make(np.round(self._data), None, False)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        return _ew.Clamp.apply(self, min, max)

    clip = clamp

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _red.Sum.apply(self, _red.normalize_dims(self.ndim, dim, "sum"), keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _red.Mean.apply(self, _red.normalize_dims(self.ndim, dim, "mean"), keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Without ``dim`` the largest value; with ``dim`` the pair ``(values, indices)``."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        if dim is None:
            return _red.MaxAll.apply(self)
        d = _red.normalize_dims(self.ndim, dim, "max")[0]
        values = _red.MaxDim.apply(self, d, keepdim)
        return MaxResult(values, self.argmax(d, keepdim))

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        if dim is None:
            return -((-self).max())
        values, indices = (-self).max(dim, keepdim)
        return MinResult(-values, indices)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return Tensor._make(np.asarray(np.argmax(self._data), dtype=np.int64), None, False)
        d = _red.normalize_dims(self.ndim, dim, "argmax")[0]
        return Tensor._make(np.argmax(self._data, axis=d, keepdims=keepdim).astype(np.int64), None, False)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return (-self).argmax(dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        return _red.Softmax.apply(self, _red.normalize_dims(self.ndim, dim, "softmax")[0])

    def log_softmax(self, dim: int) -> Tensor:
        return _red.LogSoftmax.apply(self, _red.normalize_dims(self.ndim, dim, "log_softmax")[0])

    # ------------------------------------------------------------------ linear algebra
    def matmul(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    # ------------------------------------------------------------------ shapes
    def reshape(self, *shape: Any) -> Tensor:
        return _sh.reshape(self, shape, _sh.Reshape)

    def view(self, *shape: Any) -> Tensor:
        return _sh.reshape(self, shape, _sh.View)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _sh.flatten(self, start_dim, end_dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return _sh.unsqueeze(self, dim)

    def squeeze(self, dim: int | None = None) -> Tensor:
        return _sh.squeeze(self, dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _sh.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        return _sh.permute(self, dims)

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        if self.ndim < 2:
            return self
        return self.transpose(0, 1) if self.ndim == 2 else self.permute(*reversed(range(self.ndim)))

    def expand(self, *shape: Any) -> Tensor:
        return _sh.expand(self, shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return _sh.expand(self, other.shape)

    def sum_to_size(self, *shape: Any) -> Tensor:
        """Sum broadcast dimensions away so the result has ``shape`` (the inverse of ``expand``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _sh.sum_to_size(self, tuple(shape))

    def __getitem__(self, index: Any) -> Tensor:
        return _sh.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(
                "__setitem__: in-place assignment into a tensor that requires grad is not supported; "
                "write into .data, or build the result with cat/where"
            )
        self._data[index] = value._data if isinstance(value, Tensor) else value

# ---------------------------------------------------------------------- factories


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor that owns a copy of ``data`` (as ``torch.tensor``)."""
    arr = np.array(_to_array(data, dtype), copy=True)
    return Tensor(arr, requires_grad=requires_grad, dtype=arr.dtype)


def _size(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"expected a shape of non-negative integers, got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _dtype(dtype: Any) -> np.dtype:
    return _default_dtype if dtype is None else np.dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    d = _dtype(dtype)
    return Tensor(np.zeros(_size(size), dtype=d), requires_grad=requires_grad, dtype=d)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    d = _dtype(dtype)
    return Tensor(np.ones(_size(size), dtype=d), requires_grad=requires_grad, dtype=d)


def full(size: Sequence[int], fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    d = _dtype(dtype)
    return Tensor(np.full(_size(size), fill_value, dtype=d), requires_grad=requires_grad, dtype=d)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` seeds."""
    data = _rng.get_rng().standard_normal(_size(size)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` seeds."""
    data = _rng.get_rng().random(_size(size)).astype(_dtype(dtype))
    return Tensor(data, requires_grad=requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """As ``torch.arange``: integers give int64 unless ``dtype`` says otherwise."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if all_int else _default_dtype
    d = np.dtype(dtype)
    return Tensor(np.arange(start, end, step, dtype=d), requires_grad=requires_grad, dtype=d)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    return _sh.cat(list(tensors), dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along a new dimension."""
    return _sh.stack(list(tensors), dim)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """Pick ``input`` where ``condition`` holds, else ``other`` (differentiable in both)."""
    return _ew.where(condition, input, other)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum (the gradient goes to the larger; half each on ties, as PyTorch)."""
    return _ew.binary(_ew.Maximum, a, b)


from . import autograd  # noqa: E402 - autograd builds Tensors, so it comes after the class, as ops do
from . import rng as _rng  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import linalg as _la  # noqa: E402
from .ops import reduce as _red  # noqa: E402
from .ops import shape as _sh  # noqa: E402
