"""Work buffers the conv kernels reuse from one call to the next, instead of asking for fresh memory.

A training step builds the same multi-megabyte im2col columns every time. Fresh arrays that size are
fresh pages from the OS, and faulting them in costs more than filling them. So the kernels take
their columns (and other temporaries) from here and give them back when done: right after the block
for scratch, or, for the columns a forward keeps for the kernel gradient, when the autograd graph
drops them (``give_back_when_dead``). A given-back buffer is never handed out while anything still
uses it: only the kernels see these arrays, and they give one back only once they hold no view of it.

The cache is the library's own, bounded by ``LIMIT_BYTES`` (what stays allocated at most, between
steps), shared by all threads under one lock. It changes nothing outside the library: the process's
allocator keeps its defaults. ``empty_cache()`` frees it.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable

import numpy as np

__all__ = ["LIMIT_BYTES", "take", "give", "give_back_when_dead", "empty_cache", "cached_bytes"]

#: most bytes of idle buffers kept for reuse (enough for the columns of the largest layer measured, W3's 19 MB,
#: with its other temporaries)
LIMIT_BYTES = 48 << 20
#: smaller arrays come from NumPy directly: the allocator reuses those itself, without page faults
MIN_BYTES = 256 << 10

_free: dict[tuple[int, np.dtype], list[np.ndarray]] = {}
_cached = 0
_lock = threading.Lock()


def _after_fork() -> None:
    """A forked child starts with an empty cache and a fresh lock (another thread may have held it)."""
    global _free, _cached, _lock
    _free, _cached, _lock = {}, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def take(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of this shape and dtype, reused if one of its size is idle."""
    dtype = np.dtype(dtype)
    size = 1
    for s in shape:
        size *= int(s)
    if size * dtype.itemsize >= MIN_BYTES:
        global _cached
        with _lock:
            idle = _free.get((size, dtype))
            if idle:
                buf = idle.pop()
                _cached -= buf.nbytes
                return buf.reshape(shape)
    return np.empty(shape, dtype)


def give(array: np.ndarray) -> None:
    """Hand back an array from ``take`` (or any array nobody else uses) for reuse; dropped past the limit."""
    base = array if array.base is None else array.base
    if not isinstance(base, np.ndarray) or not base.flags.c_contiguous or base.nbytes < MIN_BYTES:
        return
    global _cached
    with _lock:
        if _cached + base.nbytes <= LIMIT_BYTES:
            _free.setdefault((base.size, base.dtype), []).append(base.reshape(-1))
            _cached += base.nbytes


def _give_all(arrays: Iterable[np.ndarray]) -> None:
    for a in arrays:
        give(a)


def give_back_when_dead(owner: object, arrays: Iterable[np.ndarray]) -> None:
    """Give ``arrays`` back once ``owner`` (the only holder of them) is garbage."""
    weakref.finalize(owner, _give_all, tuple(arrays))


def empty_cache() -> None:
    """Free every idle buffer (as ``torch.cuda.empty_cache`` does for its cache)."""
    global _cached
    with _lock:
        _free.clear()
        _cached = 0


def cached_bytes() -> int:
    """Bytes held by idle buffers now."""
    return _cached
