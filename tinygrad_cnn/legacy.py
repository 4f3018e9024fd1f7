"""PyTorch's legacy typed constructors: ``tc.FloatTensor(2, 3)``, ``tc.LongTensor([1, 2])``, ...

Each is called like ``tc.Tensor`` (sizes give a tensor of zeros of that size, data is converted) but
with a fixed dtype, and ``isinstance(x, tc.LongTensor)`` tells whether ``x`` is an int64 tensor,
as in PyTorch. What they return is a plain ``Tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _is_size

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


class _TypedTensorMeta(type):
    _dtype: np.dtype

    def __call__(cls, *args: Any, requires_grad: bool = False) -> Tensor:  # type: ignore[override]
        if all(_is_size(a) for a in args):
            return Tensor(*args, dtype=cls._dtype, requires_grad=requires_grad)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one data argument, got {args!r}")
        data = args[0]
        if isinstance(data, Tensor) and data.dtype != cls._dtype:
            raise TypeError(
                f"expected {cls._dtype} (got {data.dtype}): {cls.__name__}(tensor) does not convert, use .to()"
            )
        arr = data._data if isinstance(data, Tensor) else np.asarray(data).astype(cls._dtype, copy=False)
        return Tensor(arr, dtype=cls._dtype, requires_grad=requires_grad)

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
