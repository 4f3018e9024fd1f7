"""``default_collate`` and ``default_convert`` as ``torch.utils.data``: a list of samples becomes a batch.

Tensors and NumPy arrays are stacked (dtype kept); Python ints become int64, floats float64 and bools
bool tensors; dicts, tuples, lists and namedtuples are collated field by field; strings stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def _tensor(arr: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(arr), None, False)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursing into dicts, tuples and lists (PyTorch's rules)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) > 1:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, got shapes {sorted(shapes)}"
            )
        return _tensor(np.stack([b._data for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind not in "biufc":
            raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found {elem.dtype}")
        return _tensor(np.stack(batch))
    if isinstance(elem, np.generic):
        return _tensor(np.asarray(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return _tensor(np.asarray(batch, dtype=bool))
    if isinstance(elem, int):
        return _tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, float):
        return _tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(s) for s in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}"
    )


def default_convert(data: Any) -> Any:
    """Without batching: NumPy arrays (and inside dicts/lists/tuples) become Tensors; the rest is kept."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biufc":
        return _tensor(data)
    if isinstance(data, np.generic):
        return _tensor(np.asarray(data))
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
