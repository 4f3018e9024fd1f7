"""How the kernels run: the one place that decides layouts, blocks of samples and threads.

The kernels in this package say *what* to compute; they ask this module *how*:

* **threads**: ``get_num_threads``/``set_num_threads`` (PyTorch's knobs, re-exported as
  ``tc.get_num_threads``/``tc.set_num_threads``); a small pool, started on first parallel use and
  shared by every op, each of its threads with a single-threaded BLAS (``run_parallel``,
  ``run_concurrently``);
* **blocks**: the samples of an op go through in groups whose im2col columns fill about
  ``BLOCK_BYTES`` (``blocks``), shared between the threads only when the op is large enough
  (``run_blocks``), and two independent mid-sized ops overlap (``overlap``);
* **layouts**: which column order each conv kernel uses for a given output width (``batch_last``,
  ``transpose_batch_last``, ``weight_grad_per_sample``).

Nothing here runs at import: no thread starts and no BLAS, allocator or environment setting changes
until a kernel asks for work to be shared. ``benchmarks/README.md`` has the measurements behind
each threshold.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = [
    "BLOCK_BYTES", "PARALLEL_BYTES", "CONCURRENT_BYTES", "SHORT_ROW", "TRANSPOSE_SHORT_ROW",
    "get_num_threads", "set_num_threads", "single_threaded_blas", "run_parallel", "run_concurrently",
    "blocks", "run_blocks", "overlap", "batch_last", "transpose_batch_last", "weight_grad_per_sample",
]

T = TypeVar("T")
U = TypeVar("U")

#: bytes of im2col columns per block of samples: a block's columns are written and read back from the
#: cache (1 MiB of L2 per core and 32 MiB of L3 on the machine this was tuned on)
BLOCK_BYTES = 1 << 21
#: ops with fewer bytes of columns than this run on one thread: sharing them costs more than it saves
PARALLEL_BYTES = 1 << 23
#: two independent ops (a conv layer's input and kernel gradients) overlap, one per thread, from this
#: many bytes of columns each up to ``PARALLEL_BYTES``; below it a thread hand-off costs more than it saves
CONCURRENT_BYTES = 1 << 20
#: output rows shorter than this take the batch-last column order in the forward and kernel gradient
#: (copies of Wo·N values instead of Wo; longer rows lose more to the extra transpose than they gain)
SHORT_ROW = 16
#: ... and in the input gradient, whose batch-last col2im is one sparse product
TRANSPOSE_SHORT_ROW = 32

_ENV = "TINYGRAD_CNN_THREADS"

# ---------------------------------------------------------------------- the thread count


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where} expects an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{where} expects a positive number of threads, got {value}")
    return int(value)


def _default_num_threads() -> int:
    """``$TINYGRAD_CNN_THREADS`` if set, else the CPUs this process may use."""
    env = os.environ.get(_ENV, "").strip()
    if env:
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"{_ENV} must be a positive integer (a thread count), got {env!r}") from None
        if value < 1:
            raise ValueError(f"{_ENV} must be a positive integer (a thread count), got {env!r}")
        return value
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_num_threads: int | None = None  # None: not asked for yet (the environment is read on first use)


def get_num_threads() -> int:
    """The threads an op may use (PyTorch's ``torch.get_num_threads``).

    Defaults to the CPUs this process may use, or ``$TINYGRAD_CNN_THREADS``, read on first use (an
    invalid value raises ValueError here, not at import).
    """
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_num_threads()
    return _num_threads


def set_num_threads(num_threads: int) -> None:
    """Let each op use up to ``num_threads`` threads (PyTorch's ``torch.set_num_threads``); 1: no pool.

    Safe while other threads run ops: work already handed out finishes on the threads it was given to.
    """
    global _num_threads
    _num_threads = _positive_int(num_threads, "set_num_threads")


# ---------------------------------------------------------------------- BLAS threads


@functools.cache
def _openblas_local_threads() -> Callable[[int], int] | None:
    """NumPy's bundled OpenBLAS ``openblas_set_num_threads_local`` (thread-local; OpenBLAS ≥ 0.3.27), or None."""
    import ctypes
    import glob

    libdir = os.path.dirname(os.path.dirname(np.__file__))
    for path in glob.glob(os.path.join(libdir, "numpy.libs", "libscipy_openblas*.so*")):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int]
        return fn
    return None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run this thread's BLAS calls on one thread, then restore its previous count.

    The conv GEMMs are small (per sample, or per cache-sized block): a threaded BLAS spends more on
    waking and synchronising its threads than it saves, and the work is shared out block by block
    instead. Thread-local, so other threads' BLAS settings are untouched. A no-op when NumPy's BLAS
    is not the bundled OpenBLAS.
    """
    set_local = _openblas_local_threads()
    if set_local is None:
        yield
        return
    previous = set_local(1)
    try:
        yield
    finally:
        set_local(previous)


# ---------------------------------------------------------------------- the pool

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()
_worker = threading.local()  # ``busy`` is set while a pool thread runs work


def _forget_pool() -> None:
    """A forked child (a DataLoader worker) inherits the pool object but not its threads: start afresh."""
    global _pool, _pool_size, _pool_lock
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _submit(work: Callable[[], T], copies: int) -> list[Future]:
    """Hand ``copies`` calls of ``work`` to the pool, starting or growing it first.

    Under one lock, so that no caller submits to a pool another caller has just replaced: a replaced
    pool is shut down without cancelling, and its threads finish what was handed to them.
    """
    global _pool, _pool_size
    from concurrent.futures import ThreadPoolExecutor  # loaded with the pool, on first parallel use

    with _pool_lock:
        if _pool is None or _pool_size < copies:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=copies, thread_name_prefix="tinygrad_cnn-worker")
            _pool_size = copies
        return [_pool.submit(_pooled, work) for _ in range(copies)]


def _single_threaded(work: Callable[[], T]) -> T:
    with single_threaded_blas():
        return work()


def _pooled(work: Callable[[], T]) -> T:
    """``work`` as a pool thread runs it: one BLAS thread, and nested parallel calls inline (a pool
    thread waiting on the pool could otherwise wait forever)."""
    _worker.busy = True
    try:
        return _single_threaded(work)
    finally:
        _worker.busy = False


def run_parallel(work: Callable[[T], Any], items: list[T], workers: int | None = None) -> list:
    """``[work(item) for item in items]`` on this thread and up to ``workers − 1`` pool threads
    (default: ``get_num_threads()``), each taking the next item as soon as it is free, each with a
    single-threaded BLAS.

    NumPy releases the GIL in its copies, ufuncs and BLAS calls, so the items really run in parallel
    (callers give each item its own part of the output, so they never race). The calling thread
    works too rather than waiting: one hand-off fewer. Called from a pool thread, it runs inline.
    Safe from many threads at once: every caller's items are done, on whichever threads are free.
    """
    workers = min(get_num_threads() if workers is None else workers, len(items))
    if workers <= 1 or getattr(_worker, "busy", False):
        return _single_threaded(lambda: [work(item) for item in items])
    results: list = [None] * len(items)
    pending = iter(range(len(items)))
    lock = threading.Lock()

    def drain() -> None:
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            results[i] = work(items[i])

    from concurrent import futures

    helpers = _submit(drain, workers - 1)
    try:
        _single_threaded(drain)
    finally:
        futures.wait(helpers)  # never return, or raise, while a helper still writes into the caller's arrays
    for helper in helpers:
        helper.result()  # a helper's exception
    return results


def run_concurrently(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """``(first(), second())``, the second on a pool thread while this thread runs the first.

    Each side runs with a single-threaded BLAS; an exception in either is raised here, after both
    have finished. With one thread allowed, or called from a pool thread, both run here in turn.
    """
    if get_num_threads() <= 1 or getattr(_worker, "busy", False):
        return _single_threaded(lambda: (first(), second()))
    from concurrent import futures

    (later,) = _submit(second, 1)
    try:
        result = _single_threaded(first)
    except BaseException:
        futures.wait([later])  # never leave the worker running on arrays the caller is about to drop
        raise
    return result, later.result()


# ---------------------------------------------------------------------- plans: blocks and layouts


def blocks(n: int, per_sample: int) -> list[slice]:
    """Consecutive groups of samples whose columns fill about ``BLOCK_BYTES`` each (and at least one
    per thread when the op is big enough to share)."""
    size = max(1, BLOCK_BYTES // max(per_sample, 1))
    if n * per_sample >= PARALLEL_BYTES:
        size = min(size, -(-n // get_num_threads()))
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def run_blocks(work: Callable[[slice], T], parts: list[slice], total_bytes: int) -> list[T]:
    """``work`` on every block: shared between the threads when the op is big enough to pay for it."""
    return run_parallel(work, parts, get_num_threads() if total_bytes >= PARALLEL_BYTES else 1)


def overlap(columns_bytes: int) -> bool:
    """Whether two independent ops with this many bytes of columns each should run side by side:
    big enough to pay for the hand-off, too small for either to be shared out block by block."""
    return get_num_threads() > 1 and CONCURRENT_BYTES <= columns_bytes < PARALLEL_BYTES


def batch_last(out_width: int) -> bool:
    """The forward's and kernel gradient's column order: samples last for short output rows."""
    return out_width < SHORT_ROW


def transpose_batch_last(out_width: int) -> bool:
    """The input gradient's column order: samples last (col2im as one sparse product) for short rows."""
    return out_width < TRANSPOSE_SHORT_ROW


def weight_grad_per_sample(k: int, positions: int) -> bool:
    """For the kernel gradient: per-sample products when each sample has at least as many output
    positions as column rows K; else one channel-major product per block, since with few positions
    the per-sample products contract over too short an axis."""
    return positions >= k
