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

from . import dtypes as _dt
from .dtypes import get_default_dtype, set_default_dtype
from .size import Size

if TYPE_CHECKING:
    from .autograd import Node

__all__ = [
    "Tensor",
    "tensor",
    "from_numpy",
    "is_tensor",
    "is_floating_point",
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

#: PyTorch's ``torch.return_types.max``: ``values, indices = x.max(dim)``
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _as_array(data: Any) -> np.ndarray:
    """``data`` as an array without any dtype change (a Tensor's own array, shared)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten_list(data)):
        data = _nested_tensor_list_to_array(data)
    try:
        arr = np.asarray(data)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"tensor: could not build an array from the data given ({exc})") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"tensor: expected numbers (array, list or scalar), got data of dtype {arr.dtype}")
    return arr


def _infer_array(data: Any, dtype: Any) -> np.ndarray:
    """``torch.tensor``'s inference: Python ints → int64, bools → bool, floats → the default dtype,
    complex → the default complex; arrays, NumPy scalars and Tensors keep their dtype."""
    arr = _as_array(data)
    if dtype is not None:
        d = _dt.to_dtype(dtype)
        return arr if arr.dtype == d else arr.astype(d)
    if isinstance(data, (np.ndarray, np.generic, Tensor)):
        return arr
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype != _dt.get_default_dtype():
        return arr.astype(_dt.get_default_dtype())
    if kind == "c":
        return arr.astype(_dt.complex64 if _dt.get_default_dtype() == _dt.float32 else _dt.complex128)
    if kind in "iu" and arr.dtype != np.int64:
        return arr.astype(np.int64)
    return arr


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """``nn.Parameter(data)``'s rule for data that is not a Tensor: floating-point arrays keep their
    dtype (and memory), everything else becomes the default dtype (``Parameter([1, 2])`` is float32)."""
    arr = _as_array(data)
    if dtype is not None:
        d = _dt.to_dtype(dtype)
        return arr if arr.dtype == d else arr.astype(d)
    if arr.dtype.kind in "fc" and (isinstance(data, (np.ndarray, np.generic, Tensor))):
        return arr  # a float array keeps its dtype
    return arr.astype(_dt.get_default_dtype())


def _is_size(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _flatten_list(x: Any) -> Iterable[Any]:
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


def _nested_tensor_list_to_array(data: Any) -> Any:
    """A Tensor inside a list is one number, as in PyTorch (``[t1, t2]`` does not stack vectors)."""
    if isinstance(data, Tensor):
        if data._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars (a tensor of shape {data.shape} "
                "was in the list; use tc.stack to join tensors)"
            )
        return data._data.reshape(())
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

    ``Tensor(...)`` is PyTorch's legacy constructor, exactly as ``torch.Tensor``: ``Tensor(2, 3)`` is a
    2×3 tensor (of zeros) in the default dtype, ``Tensor()`` an empty one, ``Tensor(data)`` converts a
    list or NumPy array to the default dtype (float32; a float32 array is shared, not copied), and
    ``Tensor(t)`` of a Tensor is an alias of ``t`` (same dtype and storage). It takes no
    ``requires_grad``/``dtype`` keywords, only ``device`` (the CPU). Use ``tc.tensor(data, dtype=...,
    requires_grad=...)`` (copies, infers the dtype; NumPy arrays keep theirs) or ``tc.from_numpy``
    (shares memory) to build tensors.
    """

    __array_priority__ = 1000  # so ``ndarray + Tensor`` calls Tensor.__radd__

    # Defaults at class level: ``_make`` runs for every op's output (hot path).
    grad: Tensor | None = None
    _name: str | None = None
    _hooks: list[Callable] | tuple = ()  # becomes a list on the first register_hook
    _vc: VersionCounter | None = None  # created on first use (``_version_counter``)
    # Views (see ops/views.py): the root base, the view ops from it, the base's live views.
    _base: Tensor | None = None
    _view_steps: tuple = ()
    _views: list | tuple = ()
    _view_no_grad = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        """``torch.Tensor(*sizes)``, ``torch.Tensor(data)``, ``torch.Tensor(tensor)`` (see the class)."""
        if cls is not Tensor:  # a subclass (nn.Parameter) builds itself in its __init__
            return super().__new__(cls)
        from .legacy import legacy_new

        return legacy_new(None, "Tensor", args, kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Nothing left to do: ``__new__`` built the tensor (or returned an alias of its argument)."""

    def _init_leaf(self, data: np.ndarray, requires_grad: bool) -> None:
        """Make ``self`` a leaf holding ``data`` (no copy): what subclasses' ``__init__`` call."""
        self._data = data
        self.grad_fn = None
        self._requires_grad = False
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
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients "
                f"(this one is {_dt.scalar_name(self._data.dtype)})"
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        return tuple.__new__(Size, self._data.shape)

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

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The tensor's own array (no copy: changing one changes the other), as PyTorch's ``numpy()``;
        ``force=True`` also works on a tensor that requires grad (as ``detach().numpy()``)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """True for complex64/128 tensors."""
        return self._data.dtype.kind == "c"

    def _is_view(self) -> bool:
        """True when this tensor shares its base's storage (``x[0]``, ``x.view(...)``, ``x.t()``)."""
        return self._base is not None

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

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``), as PyTorch; others as ``object`` does."""
        if self._data.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __index__(self) -> int:
        """A one-element integer (or bool) tensor as a Python index, as PyTorch: ``classes[labels[j]]``."""
        if self._data.size != 1 or self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(-1)[0])

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        extra = []
        if self._data.size == 0:  # PyTorch's "tensor([], size=(0, 3))"
            body = "[]"
            if self._data.ndim != 1:
                extra.append(f"size={tuple(self._data.shape)}")
        elif self._data.dtype.kind == "f":  # PyTorch's number format (tensor_str.py)
            body = _tensor_str.float_body(self._data)
        else:
            body = np.array2string(self._data, separator=", ", precision=4, prefix="tensor(")
        default = _dt.get_default_dtype()
        implied = (default, _dt.int64, _dt.bool, _dt.complex64 if default == _dt.float32 else _dt.complex128)
        if self._data.dtype not in implied:
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
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype, ...)``
        and ``to(tensor, ...)``: the same tensor when nothing changes (and ``copy`` is False), else a
        copy (differentiable into floating dtypes). Devices other than the CPU raise."""
        if len(args) == 1 and not kwargs and isinstance(args[0], np.dtype):  # the library's own casts: no parsing
            d, copy = args[0], False
        else:
            _dev, d, copy = _device.parse_to("to", args, kwargs)
        if d is None or d == self._data.dtype:
            return self.clone() if copy else self
        if d.kind not in "fc":
            return Tensor._make(self._data.astype(d), None, False)
        return _ew.Cast.apply(self, d)

    def type(self, dtype: Any = None) -> Any:
        """With no argument PyTorch's type string (``'torch.FloatTensor'``); else ``self.to(dtype)``."""
        if dtype is None:
            return _dt.type_string(self._data.dtype)
        return self.to(dtype)

    def float(self) -> Tensor:
        """As float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """As float64."""
        return self.to(np.float64)

    def half(self) -> Tensor:
        """As float16."""
        return self.to(np.float16)

    def long(self) -> Tensor:
        """As int64 (no gradient flows through)."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """As int32 (no gradient flows through)."""
        return self.to(np.int32)

    def short(self) -> Tensor:
        """As int16 (no gradient flows through)."""
        return self.to(np.int16)

    def byte(self) -> Tensor:
        """As uint8 (no gradient flows through)."""
        return self.to(np.uint8)

    def bool(self) -> Tensor:
        """As bool (no gradient flows through)."""
        return self.to(np.bool_)

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

    # ------------------------------------------------------------------ in-place
    # Each changes this tensor's storage, bumps its version and returns it; see ops/inplace.py.
    def _arith_(self, name: str, fn: type, ufunc: Any, other: Any, saves_self: bool) -> Tensor:
        data = self._data
        if isinstance(other, Tensor):  # the optimizer's case: same dtype and shape, nothing to record
            odata, needs = other._data, other._requires_grad
            simple = odata.dtype == data.dtype and odata.shape == data.shape
            simple = simple and (name != "div" or data.dtype.kind == "f")
        else:
            odata, needs = other, False
            simple = (type(other) is float or type(other) is int) and data.dtype.kind == "f"
        if simple and data.flags.writeable and not ((self._requires_grad or needs) and autograd.is_grad_enabled()):
            ufunc(data, odata, out=data)
            self._bump_version()
            return self
        d = _ip.check_result_type(name, self, other)
        _ip.check_shape(self, other)
        return _ip.inplace(
            self,
            lambda src: _ew.binary(fn, src, other),
            lambda arr: ufunc(arr, _ip.operand(other, d), out=arr, casting="unsafe"),
            (other,),
            saves_self,
        )

    def add_(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        if alpha != 1:
            other = _ip.scaled(other, alpha)
        return self._arith_("add", _ew.Add, np.add, other, False)

    def sub_(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        if alpha != 1:
            other = _ip.scaled(other, alpha)
        return self._arith_("sub", _ew.Sub, np.subtract, other, False)

    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place."""
        return self._arith_("mul", _ew.Mul, np.multiply, other, True)

    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place (true division: an integer tensor raises)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._arith_("div", _ew.Div, np.true_divide, other, True)

    def pow_(self, exponent: Any) -> Tensor:
        """``self **= exponent`` in place."""
        d = _ip.check_result_type("pow", self, exponent)
        _ip.check_shape(self, exponent)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _ip.inplace(
                self,
                lambda src: _ew.power(src, exponent),
                lambda arr: np.power(arr, _ip.operand(exponent, d), out=arr, casting="unsafe"),
                (exponent,),
            )

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    __ipow__ = pow_

    def __imatmul__(self, other: Any) -> Tensor:
        """``self @= other``: the product written back into ``self`` (it must have ``self``'s shape)."""
        product = self @ other
        if product.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(product.shape)}"
            )
        return self.copy_(product)

    def _unary_(self, method: Callable[[Tensor], Tensor], ufunc: Any, saves_self: bool) -> Tensor:
        if self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"result type Float can't be cast to the desired output type {_dt.scalar_name(self._data.dtype)}"
            )
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _ip.inplace(self, method, lambda arr: ufunc(arr, out=arr), (), saves_self)

    def neg_(self) -> Tensor:
        """``self = -self`` in place."""
        return _ip.inplace(self, lambda src: -src, lambda arr: np.negative(arr, out=arr), (), False)

    def exp_(self) -> Tensor:
        """eˣ in place."""
        return self._unary_(Tensor.exp, np.exp, False)

    def log_(self) -> Tensor:
        """ln x in place."""
        return self._unary_(Tensor.log, np.log, True)

    def sqrt_(self) -> Tensor:
        """√x in place."""
        return self._unary_(Tensor.sqrt, np.sqrt, False)

    def abs_(self) -> Tensor:
        """|x| in place."""
        return _ip.inplace(self, Tensor.abs, lambda arr: np.abs(arr, out=arr), (), True)

    def tanh_(self) -> Tensor:
        """tanh in place."""
        return self._unary_(Tensor.tanh, np.tanh, False)

    def sigmoid_(self) -> Tensor:
        """The logistic sigmoid in place."""
        def write(arr: np.ndarray, out: np.ndarray) -> None:
            np.copyto(out, Tensor._make(arr, None, False).sigmoid()._data)

        return self._unary_(Tensor.sigmoid, write, False)

    def relu_(self) -> Tensor:
        """max(x, 0) in place."""
        return _ip.inplace(self, Tensor.relu, lambda arr: np.maximum(arr, 0, out=arr), (), False)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Clamp into [min, max] in place."""
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        for bound in (min, max):
            if bound is not None:
                _ip.check_result_type("clamp", self, bound)
        return _ip.inplace(self, lambda src: src.clamp(min, max), lambda arr: np.clip(arr, min, max, out=arr), ())

    clip_ = clamp_

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value`` (a number or a 0-d tensor) in place."""
        if not isinstance(value, Tensor) and not (self._requires_grad and autograd.is_grad_enabled()):
            if self._data.flags.writeable:  # nothing to record: fill the storage directly
                self._data.fill(value)
                self._bump_version()
                return self
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        _ip.setitem(self, Ellipsis, value)
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        try:
            np.broadcast_to(np.empty(src.shape, dtype=np.bool_), self.shape)
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({list(self.shape)}) must match the size of tensor b ({list(src.shape)}) "
                "(copy_ broadcasts the source to the destination's shape)"
            ) from None
        _ip.setitem(self, Ellipsis, src)
        return self

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Write ``value`` where the bool ``mask`` (broadcast to this shape) is True."""
        m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype}")
        try:
            m = np.broadcast_to(m, self.shape)
        except ValueError:
            raise RuntimeError(f"masked_fill_: mask of shape {m.shape} does not broadcast to {self.shape}") from None
        _ip.setitem(self, m, value)
        return self

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """A copy with ``value`` where the bool ``mask`` is True."""
        return self.clone().masked_fill_(mask, value)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with normal samples (the generator ``manual_seed`` seeds) in place."""
        sample = _rng.get_rng().normal(mean, std, self.shape)
        _ip.setitem(self, Ellipsis, sample)
        return self

    def uniform_(self, from_: float = 0.0, to: float = 1.0, **kwargs: Any) -> Tensor:
        """Fill with uniform samples in [from, to) in place."""
        from_ = kwargs.pop("from", from_)
        sample = _rng.get_rng().uniform(from_, to, self.shape)
        _ip.setitem(self, Ellipsis, sample)
        return self

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

    def eq(self, other: Any) -> Tensor:
        """Element-wise ``==`` as a bool tensor."""
        return self._compare(other, np.equal)

    def ne(self, other: Any) -> Tensor:
        """Element-wise ``!=`` as a bool tensor."""
        return self._compare(other, np.not_equal)

    def lt(self, other: Any) -> Tensor:
        """Element-wise ``<`` as a bool tensor."""
        return self._compare(other, np.less)

    def le(self, other: Any) -> Tensor:
        """Element-wise ``<=`` as a bool tensor."""
        return self._compare(other, np.less_equal)

    def gt(self, other: Any) -> Tensor:
        """Element-wise ``>`` as a bool tensor."""
        return self._compare(other, np.greater)

    def ge(self, other: Any) -> Tensor:
        """Element-wise ``>=`` as a bool tensor."""
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
        """−1, 0 or 1 per element (0 at NaN, as ``torch.sign``); piecewise constant, so it carries no gradient."""
        out = np.sign(self._data)
        if self._data.dtype.kind in "fc":
            out = np.where(np.isnan(out), 0, out).astype(out.dtype, copy=False)
        return Tensor._make(out, None, False)

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
        if self._data.dtype.kind in "biu" and self._data.dtype != np.int64:  # bool/int sums are int64
            return self.to(np.int64).sum(dim, keepdim)
        return _red.Sum.apply(self, _red.normalize_dims(self.ndim, dim, "sum"), keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                f"dtype. Got: {_dt.scalar_name(self._data.dtype)}"
            )
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
        """Without ``dim`` the smallest value; with ``dim`` the pair ``(values, indices)``; with a Tensor the
        element-wise minimum (as ``torch.minimum``)."""
        if isinstance(dim, Tensor):
            return -maximum(-self, -dim)
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
            return self.permute(*range(self.ndim))  # a new view, as PyTorch
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
        """``x[index] = value``: in place, recorded by autograd as PyTorch's ``index_put``/``copy_``."""
        _ip.setitem(self, index, value)

    # ------------------------------------------------------------------ PyTorch compatibility
    # Devices (CPU only), and the methods PyTorch programs call beyond the core above. Each body is a
    # call into ops/ (index, stats, trig) or a composition of differentiable methods.
    @property
    def device(self) -> _device.device:
        """Where the tensor lives: always ``device(type='cpu')``."""
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        """False: tensors live on the CPU."""
        return False

    @property
    def is_cpu(self) -> bool:
        """True: tensors live on the CPU."""
        return True

    @property
    def is_xpu(self) -> bool:
        """False: tensors live on the CPU (PyTorch's Intel-GPU query, which device-generic programs test)."""
        return False

    @property
    def is_mps(self) -> bool:
        """False: tensors live on the CPU (PyTorch's Apple-GPU query)."""
        return False

    @property
    def is_meta(self) -> bool:
        """False: every tensor holds its data."""
        return False

    @property
    def is_sparse(self) -> bool:
        """False: tensors are dense (strided)."""
        return False

    @property
    def is_quantized(self) -> bool:
        """False: tensors are not quantized."""
        return False

    def get_device(self) -> int:
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def cpu(self) -> Tensor:
        """The tensor itself (it is already on the CPU)."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Raise: this is a CPU-only framework (PyTorch's "not compiled with CUDA" error)."""
        raise _device.not_available(_device.device("cuda"))

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor in ``other``'s dtype."""
        return self.to(other.dtype)

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self._data.itemsize)

    def nelement(self) -> int:
        """The number of elements (``numel``)."""
        return int(self._data.size)

    def ndimension(self) -> int:
        """The number of dimensions (``dim``)."""
        return self._data.ndim

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """The tensor itself when its memory is C-ordered, else a C-ordered copy (differentiable)."""
        return self if self._data.flags.c_contiguous else _ew.Clone.apply(self)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the memory is C-ordered (False after a transpose, as PyTorch)."""
        return bool(self._data.flags.c_contiguous)

    # factories shaped by this tensor's dtype
    def _like(self, dtype: Any) -> Any:
        return self._data.dtype if dtype is None else dtype

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of ``size`` in this tensor's dtype (unless ``dtype`` is given)."""
        return _fac.zeros(*size, dtype=self._like(dtype), device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of ``size`` in this tensor's dtype (unless ``dtype`` is given)."""
        return _fac.ones(*size, dtype=self._like(dtype), device=device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """An uninitialised tensor of ``size`` in this tensor's dtype (unless ``dtype`` is given)."""
        return _fac.empty(*size, dtype=self._like(dtype), device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """``fill_value`` everywhere, in this tensor's dtype (unless ``dtype`` is given)."""
        return _fac.full(size, fill_value, dtype=self._like(dtype), device=device, requires_grad=requires_grad)

    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """A copy of ``data`` in this tensor's dtype (unless ``dtype`` is given)."""
        return _fac.tensor(data, dtype=self._like(dtype), device=device, requires_grad=requires_grad)


    def equal(self, other: Tensor) -> bool:
        """True when both have the same shape and elements (``torch.equal``)."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """``|self - other| <= atol + rtol * |other|`` everywhere (``torch.allclose``)."""
        return bool(np.allclose(self._data, _fac.as_array(other), rtol=rtol, atol=atol, equal_nan=equal_nan))

    def isnan(self) -> Tensor:
        """Where the elements are NaN (bool)."""
        return Tensor._make(np.isnan(self._data), None, False)

    def isinf(self) -> Tensor:
        """Where the elements are ±inf (bool)."""
        return Tensor._make(np.isinf(self._data), None, False)

    def isfinite(self) -> Tensor:
        """Where the elements are finite (bool)."""
        return Tensor._make(np.isfinite(self._data), None, False)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether any element (along ``dim``) is non-zero, as a bool tensor."""
        d = None if dim is None else _red.normalize_dims(self.ndim, dim, "any")
        return Tensor._make(np.asarray(np.any(self._data, axis=d, keepdims=keepdim)), None, False)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether all elements (along ``dim``) are non-zero, as a bool tensor."""
        d = None if dim is None else _red.normalize_dims(self.ndim, dim, "all")
        return Tensor._make(np.asarray(np.all(self._data, axis=d, keepdims=keepdim)), None, False)

    # more maths (differentiable where PyTorch's are)
    def sin(self) -> Tensor:
        """Element-wise sine."""
        return _trig.Sin.apply(self)

    def cos(self) -> Tensor:
        """Element-wise cosine."""
        return _trig.Cos.apply(self)

    def tan(self) -> Tensor:
        """Element-wise tangent (sin / cos)."""
        return self.sin() / self.cos()

    def log1p(self) -> Tensor:
        """log(1 + x), exact for small x."""
        return _trig.Log1p.apply(self)

    def expm1(self) -> Tensor:
        """eˣ − 1, exact for small x."""
        return _trig.Expm1.apply(self)

    def asin(self) -> Tensor:
        """Element-wise arcsine."""
        return _trig.Asin.apply(self)

    def acos(self) -> Tensor:
        """Element-wise arccosine."""
        return _trig.Acos.apply(self)

    def atan(self) -> Tensor:
        """Element-wise arctangent."""
        return _trig.Atan.apply(self)

    def atan2(self, other: Tensor) -> Tensor:
        """Element-wise atan2(self, other), the angle of the point (other, self)."""
        return _trig.atan2(self, other)

    def sinh(self) -> Tensor:
        """Element-wise hyperbolic sine."""
        return (self.exp() - (-self).exp()) * 0.5

    def cosh(self) -> Tensor:
        """Element-wise hyperbolic cosine."""
        return (self.exp() + (-self).exp()) * 0.5

    def erf(self) -> Tensor:
        """The error function."""
        return _trig.Erf.apply(self)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """``self + weight * (end - self)``."""
        return self + (end - self) * weight

    def log2(self) -> Tensor:
        """Base-2 logarithm."""
        return self.log() / float(np.log(2.0))

    def log10(self) -> Tensor:
        """Base-10 logarithm."""
        return self.log() / float(np.log(10.0))

    def exp2(self) -> Tensor:
        """2 to the power x."""
        return (self * float(np.log(2.0))).exp()

    def square(self) -> Tensor:
        """x * x."""
        return self * self

    def reciprocal(self) -> Tensor:
        """1 / x."""
        return 1.0 / self

    def rsqrt(self) -> Tensor:
        """1 / √x."""
        return 1.0 / self.sqrt()

    def floor(self) -> Tensor:
        """Round down; piecewise constant, so it carries no gradient (as ``round``)."""
        return Tensor._make(np.floor(self._data), None, False)

    def ceil(self) -> Tensor:
        """Round up; piecewise constant, so it carries no gradient (as ``round``)."""
        return Tensor._make(np.ceil(self._data), None, False)

    def trunc(self) -> Tensor:
        """Round towards zero; piecewise constant, so it carries no gradient (as ``round``)."""
        return Tensor._make(np.trunc(self._data), None, False)

    def maximum(self, other: Any) -> Tensor:
        """Element-wise maximum (``torch.maximum``)."""
        return maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Element-wise minimum (``torch.minimum``; ties share the gradient, as PyTorch)."""
        return -maximum(-self, -other if isinstance(other, Tensor) else -np.asarray(other))

    # reductions
    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
        """Variance over ``dim`` (Bessel's correction by default, as PyTorch)."""
        return _stats.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
        """Standard deviation over ``dim`` (Bessel's correction by default, as PyTorch)."""
        return _stats.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """The vector p-norm over ``dim`` (all elements by default)."""
        return _stats.norm(self, p, dim, keepdim, dtype)

    def prod(self, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """The product of the elements (along ``dim``)."""
        return _stats.prod(self, dim, keepdim, dtype)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The maximum over ``dim``; ties share the gradient."""
        return _stats.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The minimum over ``dim``; ties share the gradient."""
        return _stats.amin(self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """log Σ exp(x) over ``dim``, computed stably."""
        return _stats.logsumexp(self, dim, keepdim)

    def cumsum(self, dim: int, dtype: Any = None) -> Tensor:
        """Running sum along ``dim``."""
        return _idx.cumsum(self, dim, dtype)

    # linear algebra
    def mm(self, mat2: Tensor) -> Tensor:
        """Matrix product of two 2-D tensors (no broadcasting)."""
        _fac.check_ndim("mm", (self, mat2), 2)
        if self.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({self.shape[0]}x{self.shape[1]} "
                               f"and {mat2.shape[0]}x{mat2.shape[1]})")
        return _la.matmul(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p)."""
        _fac.check_ndim("bmm", (self, mat2), 3)
        if self.shape[0] != mat2.shape[0] or self.shape[2] != mat2.shape[1]:
            raise RuntimeError(f"bmm: expected (b, n, m) @ (b, m, p), got shapes {self.shape} and {mat2.shape}")
        return _la.matmul(self, mat2)

    def dot(self, other: Tensor) -> Tensor:
        """The inner product of two 1-D tensors."""
        _fac.check_ndim("dot", (self, other), 1)
        return _la.matmul(self, other)

    def outer(self, vec2: Tensor) -> Tensor:
        """The outer product of two 1-D tensors: (n,) × (m,) → (n, m)."""
        _fac.check_ndim("outer", (self, vec2), 1)
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    def t(self) -> Tensor:
        """The transpose of a 2-D tensor (a tensor with fewer dimensions is returned as is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self

    # shapes and indexing
    def view_as(self, other: Tensor) -> Tensor:
        """``view(other.shape)``."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``reshape(other.shape)``."""
        return self.reshape(other.shape)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Split dimension ``dim`` into ``sizes``."""
        d = _red.normalize_dims(self.ndim, dim, "unflatten")[0]
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """``transpose(axis0, axis1)``."""
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """Elements ``start .. start + length`` along ``dim``."""
        d = _idx.one_dim(self, dim, "narrow")
        if start < 0:
            start += self.shape[d]
        if not 0 <= start <= start + length <= self.shape[d]:
            raise IndexError(f"narrow: start {start} + length {length} exceeds dimension size {self.shape[d]}")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` along ``dim``, that dimension removed."""
        d = _idx.one_dim(self, dim, "select")
        return self[(slice(None),) * d + (index,)]

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along each dimension."""
        return _idx.repeat(self, sizes)

    def flip(self, *dims: Any) -> Tensor:
        """Reverse the order along ``dims``."""
        return _idx.flip(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Shift elements along ``dims`` with wrap-around."""
        return _idx.roll(self, shifts, dims)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (or of the listed sizes) along ``dim``."""
        return _idx.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` equal pieces along ``dim``."""
        return _idx.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``."""
        return _idx.unbind(self, dim)

    def gather(self, dim: int, index: Any) -> Tensor:
        """Pick along ``dim`` with an int64 index of the same rank."""
        return _idx.gather(self, dim, index)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
        """A copy with ``src`` (a tensor, or a number ``value``) written at the index positions."""
        return _idx.scatter(self, dim, index, value if src is None else src)

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None) -> Tensor:
        """In-place ``scatter`` for tensors outside the graph (one-hot targets); returns self."""
        return _idx.scatter_(self, dim, index, value if src is None else src)

    def scatter_add(self, dim: int, index: Any, src: Tensor) -> Tensor:
        """A copy with ``src``'s elements added at the index positions."""
        return _idx.scatter_add(self, dim, index, src)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices at the positions of a 1-D int64 ``index`` along ``dim``."""
        return _idx.index_select(self, dim, index)

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where the bool ``mask`` (broadcast) holds, as a 1-D tensor."""
        m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        shape = np.broadcast_shapes(m.shape, self.shape)
        src = self if self.shape == shape else self.expand(shape)
        return src[np.broadcast_to(m, shape)]

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """``(values, indices)`` sorted along ``dim``."""
        return _idx.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The int64 indices that sort along ``dim``."""
        return _idx.argsort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
        return _idx.topk(self, k, dim, largest, sorted)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The int64 positions of the non-zero elements."""
        return _idx.nonzero(self, as_tuple)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
               dim: int | None = None) -> Any:
        """The distinct values (sorted), with inverse indices and counts on request."""
        return _idx.unique(self, sorted, return_inverse, return_counts, dim)

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> Tensor:
        """Each element (or slice along ``dim``) repeated ``repeats`` times."""
        return _idx.repeat_interleave(self, repeats, dim)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dimensions."""
        return _idx.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dimensions."""
        return _idx.triu(self, diagonal)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition`` holds, else ``other`` (``torch.where(condition, self, other)``)."""
        return where(condition, self, other)

    def clamp_min(self, min: float) -> Tensor:  # noqa: A002
        """``clamp(min=min)``."""
        return self.clamp(min=min)

    def clamp_max(self, max: float) -> Tensor:  # noqa: A002
        """``clamp(max=max)``."""
        return self.clamp(max=max)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of the (dim1, dim2) planes, moved to the last dimension (differentiable)."""
        return _idx.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal: int = 0) -> Tensor:
        """1-D: a square matrix with this on a diagonal; 2-D: that diagonal as 1-D."""
        return _idx.diag(self, diagonal)

    def trace(self) -> Tensor:
        """The sum of the main diagonal of a 2-D tensor."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        return self.diagonal().sum()

    def logical_not(self) -> Tensor:
        """Element-wise NOT of the truth values (bool)."""
        return Tensor._make(np.logical_not(self._data), None, False)

    def logical_and(self, other: Any) -> Tensor:
        """Element-wise AND of the truth values (bool)."""
        return Tensor._make(np.logical_and(self._data, _fac.as_array(other)), None, False)

    def logical_or(self, other: Any) -> Tensor:
        """Element-wise OR of the truth values (bool)."""
        return Tensor._make(np.logical_or(self._data, _fac.as_array(other)), None, False)

    def logical_xor(self, other: Any) -> Tensor:
        """Element-wise XOR of the truth values (bool)."""
        return Tensor._make(np.logical_xor(self._data, _fac.as_array(other)), None, False)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        """The int64 number of non-zero elements (along ``dim``)."""
        d = None if dim is None else _red.normalize_dims(self.ndim, dim, "count_nonzero")
        return Tensor._make(np.asarray(np.count_nonzero(self._data, axis=d), dtype=np.int64), None, False)

    def resize_(self, *sizes: Any) -> Tensor:
        """Change the size in place, keeping the first elements in row-major order (new ones are zeros); a
        tensor that requires grad cannot be resized, as in PyTorch."""
        from .tensor_resize import resize_
        return resize_(self, sizes)

    def resize_as_(self, other: Tensor) -> Tensor:
        """``resize_(other.shape)``."""
        return self.resize_(other.shape)


# ---------------------------------------------------------------------- factories


def _leaf(arr: np.ndarray, requires_grad: bool) -> Tensor:
    """A leaf tensor holding ``arr`` itself (no copy, same dtype)."""
    t = Tensor._make(arr, None, False)
    if requires_grad:
        t.requires_grad = True  # raises for integer dtypes, as PyTorch
    return t


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, as ``torch.tensor``: Python ints become int64, bools
    bool, floats the default dtype (float32); NumPy arrays and Tensors keep their dtype."""
    arr = _infer_array(data, dtype)
    arr = np.array(arr, copy=True)
    return _leaf(arr, requires_grad)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing ``ndarray``'s memory and dtype (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: can't convert np.ndarray of type {ndarray.dtype}")
    return Tensor._make(ndarray, None, False)


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a Tensor (a Parameter included)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002 - PyTorch's name
    """True if ``input`` has a floating-point dtype."""
    return input.is_floating_point()


def _size(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"expected a shape of non-negative integers, got {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _dtype(dtype: Any) -> np.dtype:
    return _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    d = _dtype(dtype)
    return _leaf(np.zeros(_size(size), dtype=d), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    d = _dtype(dtype)
    return _leaf(np.ones(_size(size), dtype=d), requires_grad)


def full(size: Sequence[int], fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    d = _dtype(dtype)
    return _leaf(np.full(_size(size), fill_value, dtype=d), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` seeds."""
    data = _rng.get_rng().standard_normal(_size(size)).astype(_dtype(dtype))
    return _leaf(data, requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` seeds."""
    data = _rng.get_rng().random(_size(size)).astype(_dtype(dtype))
    return _leaf(data, requires_grad)


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
        dtype = np.int64 if all_int else _dt.get_default_dtype()
    d = np.dtype(dtype)
    return _leaf(np.arange(start, end, step, dtype=d), requires_grad)


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
from . import device as _device  # noqa: E402
from . import factories as _fac  # noqa: E402
from . import rng as _rng  # noqa: E402
from . import tensor_str as _tensor_str  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import index as _idx  # noqa: E402
from .ops import inplace as _ip  # noqa: E402
from .ops import linalg as _la  # noqa: E402
from .ops import reduce as _red  # noqa: E402
from .ops import shape as _sh  # noqa: E402
from .ops import stats as _stats  # noqa: E402
from .ops import trig as _trig  # noqa: E402
