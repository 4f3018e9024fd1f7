"""``Tensor.resize_``: PyTorch's in-place change of a tensor's size (legacy programs preallocate a buffer and
``resize_`` it to each batch). The first elements, in row-major order, are kept; elements beyond the old
size are new (PyTorch leaves them uninitialised; here they are zeros). A tensor that requires grad cannot be
resized, as in PyTorch."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


def _sizes(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    out = []
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"resize_(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        out.append(int(s))
    if any(s < 0 for s in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {out}")
    return tuple(out)


def resize_(t: Tensor, sizes: tuple[Any, ...]) -> Tensor:
    """Resize ``t`` in place to ``sizes`` (see the module docstring); returns ``t``."""
    shape = _sizes(sizes)
    if t.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    n, old = math.prod(shape), t._data
    if n <= old.size and old.flags.c_contiguous:  # same memory: views of it stay views of it
        new = old.reshape(-1)[:n].reshape(shape)
    else:
        new = np.zeros(shape, dtype=old.dtype)
        k = min(n, old.size)
        new.reshape(-1)[:k] = old.reshape(-1)[:k]
    t._data = new
    t._bump_version()
    return t
