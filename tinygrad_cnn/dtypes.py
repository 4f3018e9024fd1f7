"""Dtypes as PyTorch names and promotes them.

The dtype objects are NumPy's (``tc.float32 is np.dtype("float32")``), so ``x.dtype == tc.float32``
and ``np.zeros(3, dtype=tc.int64)`` both work. Type promotion follows ``torch.result_type``: operands
are ranked by category (bool < integer < floating < complex), and a tensor with dimensions outranks
a 0-d tensor, which outranks a Python number, *within the same category*: ``int64 tensor + 1.5``
is a float32 (the default dtype) tensor, ``float32 tensor + 2.0`` stays float32, ``int32 tensor + 7``
stays int32, ``float32 tensor + float64 tensor`` is float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "float32",
    "float64",
    "float16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "float",
    "double",
    "half",
    "long",
    "int",
    "short",
    "cfloat",
    "cdouble",
    "set_default_dtype",
    "get_default_dtype",
    "promote_types",
    "result_type",
    "can_cast",
    "is_floating_point",
]

_builtin_bool, _builtin_int, _builtin_float, _builtin_complex = bool, int, float, complex

#: 32-bit float, the default dtype (``torch.float32``)
float32 = np.dtype(np.float32)
#: 64-bit float (``torch.float64``), what gradient checks use
float64 = np.dtype(np.float64)
#: 16-bit float (``torch.float16``)
float16 = np.dtype(np.float16)
#: 64-bit integer (``torch.int64``): indices, class labels
int64 = np.dtype(np.int64)
#: 32-bit integer (``torch.int32``)
int32 = np.dtype(np.int32)
#: 16-bit integer (``torch.int16``)
int16 = np.dtype(np.int16)
#: 8-bit integer (``torch.int8``)
int8 = np.dtype(np.int8)
#: 8-bit unsigned integer (``torch.uint8``): raw pixels
uint8 = np.dtype(np.uint8)
#: booleans (``torch.bool``): comparisons and masks
bool = np.dtype(np.bool_)  # noqa: A001 - PyTorch's name
#: complex of two float32 (``torch.complex64``)
complex64 = np.dtype(np.complex64)
#: complex of two float64 (``torch.complex128``)
complex128 = np.dtype(np.complex128)
#: alias of ``float32`` (``torch.float``)
float = float32  # noqa: A001
#: alias of ``float64`` (``torch.double``)
double = float64
#: alias of ``float16`` (``torch.half``)
half = float16
#: alias of ``int64`` (``torch.long``)
long = int64
#: alias of ``int32`` (``torch.int``)
int = int32  # noqa: A001
#: alias of ``int16`` (``torch.short``)
short = int16
#: alias of ``complex64`` (``torch.cfloat``)
cfloat = complex64
#: alias of ``complex128`` (``torch.cdouble``)
cdouble = complex128

#: PyTorch's scalar-type names, used in its error messages and legacy type strings
_SCALAR_NAMES = {
    float32: "Float",
    float64: "Double",
    float16: "Half",
    int64: "Long",
    int32: "Int",
    int16: "Short",
    int8: "Char",
    uint8: "Byte",
    bool: "Bool",
    complex64: "ComplexFloat",
    complex128: "ComplexDouble",
}
_FROM_TYPE_STRING = {f"torch.{name}Tensor": d for d, name in _SCALAR_NAMES.items()}


class _State:
    default = float32


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype Python floats, ``tc.Tensor(...)`` and the factories give (float32 or float64)."""
    d = np.dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(
            f"set_default_dtype: only floating-point types (float32 or float64) can be the default type, got {d}"
        )
    _State.default = d


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (``tc.float32`` unless ``set_default_dtype`` changed it)."""
    return _State.default


def to_dtype(dtype: Any) -> np.dtype:
    """A dtype from a dtype object, a NumPy type, a name, or a PyTorch type string ('torch.LongTensor')."""
    if isinstance(dtype, str) and dtype in _FROM_TYPE_STRING:
        return _FROM_TYPE_STRING[dtype]
    if isinstance(dtype, str) and dtype.startswith("torch."):
        dtype = dtype[len("torch.") :]
    if dtype is _builtin_float:
        return float64
    legacy = getattr(dtype, "_dtype", None)  # tc.LongTensor and the other legacy constructors
    if isinstance(legacy, np.dtype):
        return legacy
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"expected a dtype (tc.float32, tc.int64, ...), got {dtype!r}") from None


def scalar_name(dtype: Any) -> str:
    """PyTorch's name of a dtype in messages: ``Float``, ``Long``, ``Bool``, ..."""
    d = np.dtype(dtype)
    return _SCALAR_NAMES.get(d, str(d))


def type_string(dtype: Any) -> str:
    """PyTorch's legacy type string, as ``x.type()`` returns it: ``'torch.FloatTensor'``."""
    return f"torch.{scalar_name(dtype)}Tensor"


def _category(d: np.dtype) -> _builtin_int:
    return {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}[d.kind]


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both fit in, as ``torch.promote_types`` (int64 with float16 is float16)."""
    a, b = np.dtype(type1), np.dtype(type2)
    ca, cb = _category(a), _category(b)
    if ca == cb or (max(ca, cb) == 3 and min(ca, cb) == 2):
        return np.promote_types(a, b)
    return a if ca > cb else b


def _promote(acc: np.dtype | None, d: np.dtype) -> np.dtype:
    return d if acc is None else promote_types(acc, d)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """Let a lower-priority group (0-d tensors, numbers) in only if it brings a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _category(higher), _category(lower)
    if ch == 3:
        return higher
    if cl == 3:
        return np.promote_types(higher, complex64) if ch == 2 else lower
    if ch == 2:
        return higher
    if higher == bool or cl == 2:
        return promote_types(higher, lower)
    return higher


def _number_dtype(x: Any) -> np.dtype:
    if isinstance(x, (_builtin_bool, np.bool_)):
        return bool
    if isinstance(x, (_builtin_int, np.integer)):
        return int64
    if isinstance(x, (_builtin_float, np.floating)):
        return _State.default
    if isinstance(x, (_builtin_complex, np.complexfloating)):
        return complex64 if _State.default == float32 else complex128
    raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}")


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an arithmetic op on ``operands`` (Tensors, arrays, numbers), as ``torch.result_type``."""
    dim = zero = number = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if d is not None and not isinstance(x, np.generic):
            if np.ndim(x):
                dim = _promote(dim, np.dtype(d))
            else:
                zero = _promote(zero, np.dtype(d))
        else:
            number = _promote(number, _number_dtype(x))
    out = _combine(dim, _combine(zero, number))
    if out is None:
        raise TypeError("result_type: expected at least one operand")
    return out


def can_cast(from_: Any, to: Any) -> _builtin_bool:
    """Whether an in-place op may write a ``from_`` result into a ``to`` tensor (``torch.can_cast``)."""
    f, t = np.dtype(from_), np.dtype(to)
    if f.kind == "c" and t.kind != "c":
        return False
    if f.kind in "fc" and t.kind in "biu":
        return False
    return not (f.kind != "b" and t.kind == "b")


def is_floating_point(x: Any) -> _builtin_bool:
    """True for a tensor of a floating-point dtype (``tc.is_floating_point``)."""
    return np.dtype(x.dtype).kind == "f"
