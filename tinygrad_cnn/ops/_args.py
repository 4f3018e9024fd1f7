"""Argument checks shared by the conv and pool entry points: one message for one mistake."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels.geometry import pair
from ..tensor import Tensor, _to_array

__all__ = ["pair", "float_tensor", "common_dtype", "batched"]


def float_tensor(x: Any, op: str, arg: str, arrays: bool = False) -> Tensor:
    """``x`` as a floating-point Tensor, or a TypeError naming what came (``arrays``: accept array-likes)."""
    if not isinstance(x, Tensor):
        if not arrays:
            raise TypeError(f"{op}: expected {arg} to be a Tensor, got {type(x).__name__}")
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{op}: expected {arg} to be a Tensor or a numeric array, got {type(x).__name__}")
        x = Tensor._make(_to_array(arr, None), None, False)  # float arrays keep their dtype
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point {arg}, got dtype {x.dtype} (convert it with .float())")
    return x


def common_dtype(*tensors: Tensor | None) -> list[Tensor | None]:
    """Promote float32/float64 mixes to their NumPy result type (differentiable casts)."""
    present = [t for t in tensors if t is not None]
    first = present[0]._data.dtype
    if all(t._data.dtype == first for t in present):  # the common case: nothing to promote
        return list(tensors)
    dtype = np.result_type(*[t.dtype for t in present])
    return [None if t is None else t.to(dtype) for t in tensors]


def batched(op: str, input: Tensor) -> tuple[Tensor, bool]:  # noqa: A002
    """A (C, H, W) or (N, C, H, W) input as (N, C, H, W), and whether it came unbatched."""
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim == 4:
        return input, False
    raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {input.shape}")
