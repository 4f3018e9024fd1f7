"""PyTorch's legacy constructors: ``tc.Tensor(2, 3)``, ``tc.FloatTensor(2, 3)``, ``tc.LongTensor([1, 2])``, ...

``tc.Tensor`` makes the default dtype (float32); each typed one is called the same way (sizes give a
tensor of zeros of that size, data is converted, a Tensor of that dtype is aliased) with a fixed
dtype, and ``isinstance(x, tc.LongTensor)`` tells whether ``x`` is an int64 tensor, as in PyTorch.
What they return is a plain ``Tensor``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import dtypes as _dt
from .device import device as _device
from .tensor import Tensor, _as_array
from .tensor import _is_size as _is_int

__all__ = [
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "LongTensor",
    "IntTensor",
    "ShortTensor",
    "ByteTensor",
    "BoolTensor",
]


_MISSING = object()


def _describe(args: tuple, kwargs: dict) -> str:
    parts = [type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()]
    return f"({', '.join(parts)})"


def _is_size(x: Any) -> bool:
    """An int that ``torch.Tensor`` takes as a size: Python/NumPy ints and 0-d integer arrays, not bools."""
    if isinstance(x, np.ndarray):
        return x.ndim == 0 and x.dtype.kind in "iu"
    return _is_int(x)


def _check_cpu(device: Any) -> None:
    if device is None:
        return
    kind = _device(device).type
    if kind != "cpu":
        raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {kind} was passed")


def _from_sizes(sizes: tuple, dtype: np.dtype) -> Tensor:
    shape = tuple(int(s) for s in sizes)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return Tensor._make(np.zeros(shape, dtype=dtype), None, False)


def _alias(t: Tensor, dtype: np.dtype | None, ctor: str) -> Tensor:
    """``torch.Tensor(t)``: a new tensor viewing ``t``'s storage (gradients flow back to ``t``)."""
    if dtype is not None and t.dtype != dtype:
        raise TypeError(f"{ctor}(tensor): expected a {dtype} tensor, got {t.dtype} (it does not convert; use .to())")
    return t.view(t.shape)


def _from_data(data: Any, dtype: np.dtype, ctor: str) -> Tensor:
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "biufc":
            raise TypeError(f"{ctor}(): can't convert np.ndarray of type {data.dtype}")
        if data.dtype == dtype:
            return Tensor._make(data, None, False)  # shares the array's memory, as torch.Tensor does
        arr = data
    elif isinstance(data, (str, bytes)):
        raise TypeError(f"{ctor}(): invalid data type '{type(data).__name__}'")
    elif isinstance(data, (list, tuple, range)):
        arr = _as_array(list(data) if isinstance(data, range) else data)
    else:
        raise TypeError(f"{ctor}(): data must be a sequence (got {type(data).__name__})")
    if arr.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=4)
        arr = arr.real
    with np.errstate(over="ignore", invalid="ignore"):  # 1e40 becomes inf, as PyTorch
        out = arr.astype(dtype)
    return Tensor._make(out, None, False)


def legacy_new(dtype: np.dtype | None, ctor: str, args: tuple, kwargs: dict) -> Tensor:
    """PyTorch's legacy constructors: ``ctor(*sizes)``, ``ctor(size=...)``, ``ctor(data)``,
    ``ctor(data=...)``, ``ctor(tensor)``, each with an optional ``device`` (the CPU only).

    ``dtype`` None means ``tc.Tensor`` (the default dtype; a Tensor argument keeps its dtype).
    """
    rest = dict(kwargs)
    device = rest.pop("device", None)
    size, data = rest.pop("size", _MISSING), rest.pop("data", _MISSING)
    if rest or (args and (size is not _MISSING or data is not _MISSING)) or (
        size is not _MISSING and data is not _MISSING
    ):
        raise TypeError(
            f"{ctor}() received an invalid combination of arguments - got {_describe(args, kwargs)}, but "
            "expected one of: (*, device), (tuple of ints size, *, device), (object data, *, device), "
            "(Tensor other)"
        )
    _check_cpu(device)
    d = _dt.get_default_dtype() if dtype is None else np.dtype(dtype)
    if size is not _MISSING:
        if not isinstance(size, (tuple, list)) or not all(_is_size(s) for s in size):
            raise TypeError(f"{ctor}(): argument 'size' must be a tuple of ints, got {size!r}")
        return _from_sizes(tuple(size), d)
    if data is not _MISSING:
        args = (data,)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _alias(args[0], dtype, ctor)
    if all(_is_size(a) for a in args):  # () is an empty tensor
        return _from_sizes(args, d) if args else Tensor._make(np.zeros((0,), dtype=d), None, False)
    if len(args) == 1:
        return _from_data(args[0], d, ctor)
    bad = next(a for a in args if not _is_size(a))
    raise TypeError(f"{ctor}(): expected sizes (ints) or one data argument, got a {type(bad).__name__} in {args!r}")


class _TypedTensorMeta(type):
    _dtype: np.dtype

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:  # type: ignore[override]
        return legacy_new(cls._dtype, cls.__name__, args, kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls._dtype


def _typed(name: str, dtype: np.dtype) -> type:
    doc = f"PyTorch's legacy constructor of {dtype} tensors: ``{name}(*sizes)`` or ``{name}(data)``."
    return _TypedTensorMeta(name, (), {"_dtype": dtype, "__doc__": doc})


FloatTensor = _typed("FloatTensor", _dt.float32)
DoubleTensor = _typed("DoubleTensor", _dt.float64)
HalfTensor = _typed("HalfTensor", _dt.float16)
LongTensor = _typed("LongTensor", _dt.int64)
IntTensor = _typed("IntTensor", _dt.int32)
ShortTensor = _typed("ShortTensor", _dt.int16)
ByteTensor = _typed("ByteTensor", _dt.uint8)
BoolTensor = _typed("BoolTensor", _dt.bool)
