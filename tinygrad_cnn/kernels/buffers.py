"""Memory the kernels reuse from one training step to the next, instead of asking for fresh pages.

A training step builds the same multi-megabyte arrays every time. Fresh arrays that size are fresh
pages from the OS, and faulting them in costs more than filling them. Two kinds of reuse:

* **Work buffers** (``take``/``give``): temporaries only a kernel sees (im2col columns, padded
  inputs, masks). The kernel gives one back once it holds no view of it.
* **Results** (``result``, and ``apply``/``matmul`` that write into one): arrays that leave the
  kernel (an op's output, a gradient, the columns a graph keeps for backward). Nobody gives these
  back; each is a view of a byte array kept here, which is idle again once nothing but this module
  refers to it (its reference count tells: every view of a view refers to the byte array). Only then
  does the next result of its size reuse it.

Both caches are the library's own, bounded (``LIMIT_BYTES``, ``RESULTS_LIMIT_BYTES``) and shared by
all threads under one lock. They change nothing outside the library: the process's allocator keeps its
defaults. ``empty_cache()`` frees what is idle.

Code can run inside a locked section without calling for it: the cyclic garbage collector runs at
allocations, with the finalizers (``__del__``, ``weakref.finalize``) of what it frees, and signal
handlers run between any two bytecodes. If such code computes with large tensors it enters this
module again, in the thread that holds the lock; it then gets fresh arrays and gives nothing back,
instead of waiting for itself forever.
"""

from __future__ import annotations

import os
import sys
import threading

import numpy as np

__all__ = ["LIMIT_BYTES", "RESULTS_LIMIT_BYTES", "take", "give", "result", "apply", "matmul",
           "empty_cache", "cached_bytes"]

#: most bytes of idle buffers kept for reuse (enough for the columns of the largest layer measured, W3's 19 MB,
#: with its other temporaries)
LIMIT_BYTES = 48 << 20
#: smaller arrays come from NumPy directly: the allocator reuses those itself, without page faults
MIN_BYTES = 256 << 10

#: most bytes of results (busy or idle) the library keeps track of for recycling
RESULTS_LIMIT_BYTES = 64 << 20

#: NumPy before 2.0 (NEP 50) gives ``float32 array * float64 0-d array`` the array's dtype, by value
_VALUE_BASED_CASTING = np.lib.NumpyVersion(np.__version__) < "2.0.0"

_free: list[np.ndarray] = []  # given-back work buffers as byte arrays, the most recently given last
_cached = 0
_results: dict[int, list[np.ndarray]] = {}  # nbytes -> the byte arrays results were views of, oldest first
_results_bytes = 0
_lock = threading.Lock()
_inside = threading.local()  # .held: this thread is in a section under _lock


def _enter() -> bool:
    """Take the lock, or return False if this thread is inside a locked section already (re-entered
    from a finalizer or a signal handler): the caller then does without the caches."""
    if getattr(_inside, "held", False):
        return False
    _inside.held = True  # before acquiring: code run from here on finds the flag set, or set in full
    try:
        _lock.acquire()
    except BaseException:
        _inside.held = False
        raise
    return True


def _leave() -> None:
    _lock.release()
    _inside.held = False


def _after_fork() -> None:
    """A forked child starts with empty caches and a fresh lock (another thread may have held it)."""
    global _free, _cached, _results, _results_bytes, _lock, _inside
    _free, _cached, _results, _results_bytes, _lock, _inside = [], 0, {}, 0, threading.Lock(), threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def take(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of this shape and dtype: the front of the buffer given back
    last that holds it (and is at most twice its size), else a fresh one.

    The buffer given back last is the one most likely still in cache, whatever it held: the blocks
    of one op (of unequal sizes) and the ops of one step then share their scratch memory, as a
    general allocator's free list would let them.
    """
    dtype = np.dtype(dtype)
    nbytes = dtype.itemsize
    for s in shape:
        nbytes *= int(s)
    if nbytes >= MIN_BYTES:
        global _cached
        if _enter():
            try:
                for i in range(len(_free) - 1, -1, -1):
                    if nbytes <= _free[i].nbytes <= 2 * nbytes:
                        buf = _free.pop(i)
                        _cached -= buf.nbytes
                        return buf[:nbytes].view(dtype).reshape(shape)
            finally:
                _leave()
    return np.empty(shape, dtype)


def give(array: np.ndarray) -> None:
    """Hand back an array from ``take`` (or any array nobody else uses) for reuse; dropped past the limit."""
    base = array if array.base is None else array.base
    if not isinstance(base, np.ndarray) or not base.flags.c_contiguous or base.nbytes < MIN_BYTES:
        return
    global _cached
    if not _enter():
        return
    try:
        if _cached + base.nbytes <= LIMIT_BYTES:
            _free.append(base.reshape(-1).view(np.uint8))
            _cached += base.nbytes
    finally:
        _leave()


def _references(owners: list[np.ndarray], i: int) -> int:
    return sys.getrefcount(owners[i])


#: what ``_references`` counts for a byte array nothing but the pool's list refers to
_IDLE = _references([np.empty(0, np.uint8)], 0)


def _counts_tell_idle() -> bool:
    """Whether reference counts tell a busy byte array from an idle one in this interpreter: with a GIL,
    and a view (and a view of it) counted as references. Elsewhere results are plain fresh arrays."""
    if hasattr(sys, "_is_gil_enabled") and not sys._is_gil_enabled():  # free-threaded: counts can lag
        return False
    owners = [np.empty(64, np.uint8)]
    view = owners[0][8:].view(np.float32).reshape(2, 7)[1:]
    busy = _references(owners, 0)
    del view
    return busy > _IDLE and _references(owners, 0) == _IDLE


#: False where reference counts can't be trusted to tell idle results (then none are recycled)
RECYCLING = _counts_tell_idle()


def result(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array for a result that leaves the kernel (an op's output, a gradient).

    Unlike ``take``, nobody gives these back: the user may keep them as long as they like. Each one is
    a view of a byte array the pool keeps; the array is idle again once nothing but the pool refers to
    it (every view of a view refers to it), which its reference count tells, and then the next result
    of its size reuses it, without the page faults of fresh memory.
    """
    dtype = np.dtype(dtype)
    nbytes = dtype.itemsize
    for s in shape:
        nbytes *= int(s)
    if nbytes < MIN_BYTES or not RECYCLING:
        return np.empty(shape, dtype)
    global _results_bytes
    if not _enter():
        return np.empty(shape, dtype)
    try:
        owners = _results.get(nbytes)
        if owners is None:
            owners = _results[nbytes] = []
        for i in range(len(owners) - 1, -1, -1):  # the most recently used first: its memory may still be in cache
            if _references(owners, i) == _IDLE:
                owner = owners.pop(i)
                owners.append(owner)  # the most recently used last: eviction takes the oldest
                return owner.view(dtype).reshape(shape)
        if nbytes > RESULTS_LIMIT_BYTES:
            return np.empty(shape, dtype)
        _make_room(nbytes)
        owner = np.empty(nbytes, np.uint8)
        owners.append(owner)
        _results_bytes += nbytes
        return owner.view(dtype).reshape(shape)
    finally:
        _leave()


def apply(ufunc: np.ufunc, *operands: np.ndarray) -> np.ndarray:
    """``ufunc(*operands)`` (NumPy arrays, broadcast), written into a ``result`` when the output is large.

    Only for C-contiguous operands: NumPy (as PyTorch) gives the output of transposed or otherwise
    strided inputs their layout, which a C-contiguous result would not keep.
    """
    x = operands[0]
    if len(operands) == 1 or x.shape == operands[1].shape:
        if x.nbytes < MIN_BYTES:
            return ufunc(*operands)
        shape = x.shape
    else:  # broadcast: recycled when an operand is large (a small one's outer products are left to NumPy)
        y = operands[1]
        if max(x.size, y.size) * x.itemsize < MIN_BYTES:
            return ufunc(*operands)
        shape = np.broadcast_shapes(x.shape, y.shape)
    for a in operands:
        if not a.flags.c_contiguous:
            return ufunc(*operands)
    if _VALUE_BASED_CASTING and any(a.ndim == 0 for a in operands):
        return ufunc(*operands)  # NumPy 1.x casts by the 0-d operand's value, which its dtype does not tell
    try:
        dtype = ufunc.resolve_dtypes(tuple(a.dtype for a in operands) + (None,))[-1]
    except (TypeError, ValueError):  # let the call itself raise NumPy's own error
        return ufunc(*operands)
    return ufunc(*operands, out=result(shape, dtype))


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of two matrices, written into a ``result`` (NumPy's product of other shapes otherwise)."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0] or a.shape[0] * b.shape[1] * a.itemsize < MIN_BYTES:
        return np.matmul(a, b)
    return np.matmul(a, b, out=result((a.shape[0], b.shape[1]), np.result_type(a, b)))


def _make_room(nbytes: int) -> None:
    """Stop tracking byte arrays until ``nbytes`` more fit the limit: idle ones first (freeing them),
    then the oldest busy ones (their users keep them; they are freed when those let go)."""
    global _results_bytes
    for busy_too in (False, True):
        for size, owners in list(_results.items()):
            i = 0
            while i < len(owners) and _results_bytes + nbytes > RESULTS_LIMIT_BYTES:
                if busy_too or _references(owners, i) == _IDLE:
                    owners.pop(i)
                    _results_bytes -= size
                else:
                    i += 1
            if _results_bytes + nbytes <= RESULTS_LIMIT_BYTES:
                return


def empty_cache() -> None:
    """Free every idle buffer (as ``torch.cuda.empty_cache`` does for its cache)."""
    global _cached, _results_bytes
    if not _enter():
        return
    try:
        _free.clear()
        _cached = 0
        for size, owners in list(_results.items()):
            for i in range(len(owners) - 1, -1, -1):
                if _references(owners, i) == _IDLE:
                    del owners[i]
                    _results_bytes -= size
    finally:
        _leave()


def cached_bytes() -> int:
    """Bytes held by idle buffers now: given-back work buffers and results nothing refers to any more."""
    if not _enter():
        return _cached  # re-entered: the results are mid-change, leave them out
    try:
        idle = sum(size for size, owners in list(_results.items())
                   for i in range(len(owners)) if _references(owners, i) == _IDLE)
        return _cached + idle
    finally:
        _leave()
