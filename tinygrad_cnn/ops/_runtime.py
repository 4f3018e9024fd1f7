"""Process-level tuning the conv kernels rely on: the allocator, BLAS threads, a worker pool.

Kept apart from the kernels because each piece touches something global:

* ``keep_freed_memory``: glibc's ``mallopt`` thresholds, so that freed multi-megabyte NumPy arrays
  are reused instead of returned to the OS and faulted in again (applied once, at import);
* ``single_threaded_blas``: NumPy's bundled OpenBLAS, one thread for the calling thread only;
* ``run_parallel``: a small thread pool that shares blocks of samples between the cores;
* ``run_concurrently``: two independent pieces of work side by side on that pool.

``benchmarks/README.md`` has the measurements behind each.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

import numpy as np

__all__ = [
    "keep_freed_memory", "single_threaded_blas", "default_workers", "run_parallel", "run_concurrently",
    "ALLOCATOR_TUNED",
]

T = TypeVar("T")
U = TypeVar("U")


def keep_freed_memory(mmap_threshold: int = 32 << 20, trim_threshold: int = 128 << 20) -> bool:
    """Let glibc's malloc reuse freed multi-megabyte blocks instead of returning them to the OS.

    By default each fresh NumPy array above a few hundred KiB is a new ``mmap``: every page is
    faulted in again on first touch. On a conv step's 1–20 MB temporaries that costs more than the
    arithmetic (measured: ``g * s * (1 − s)`` on 345,600 float32 values 1.1 ms → 0.11 ms). Raising the
    mmap and trim thresholds keeps up to ``trim_threshold`` bytes of freed heap for reuse. Linux/glibc
    only; set ``TINYGRAD_CNN_MALLOC=default`` to leave the allocator alone. Returns True if applied.
    """
    if not sys.platform.startswith("linux") or os.environ.get("TINYGRAD_CNN_MALLOC", "") == "default":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
        applied = libc.mallopt(m_mmap_threshold, mmap_threshold) and libc.mallopt(m_trim_threshold, trim_threshold)
        return bool(applied)
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False


ALLOCATOR_TUNED = keep_freed_memory()


def _openblas_local_threads() -> ctypes._CFuncPtr | None:
    """NumPy's bundled OpenBLAS ``openblas_set_num_threads_local`` (thread-local; OpenBLAS ≥ 0.3.27), or None."""
    libdir = os.path.dirname(os.path.dirname(np.__file__))
    for path in glob.glob(os.path.join(libdir, "numpy.libs", "libscipy_openblas*.so*")):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_int]
        return fn
    return None


_SET_LOCAL_THREADS = _openblas_local_threads()


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run this thread's BLAS calls on one thread, then restore the previous count.

    The conv GEMMs are small (per sample, or per cache-sized block): a multi-threaded BLAS spends
    more on waking and synchronising its threads than it saves. Measured on 2 cores, every conv
    layer of the three workloads ran faster single-threaded (LeNet's second layer 1.7×), and a
    threaded BLAS sharing the machine with another busy process stalled for whole scheduler ticks.
    A no-op when NumPy's BLAS is not the bundled OpenBLAS.
    """
    if _SET_LOCAL_THREADS is None:
        yield
        return
    previous = _SET_LOCAL_THREADS(1)
    try:
        yield
    finally:
        _SET_LOCAL_THREADS(previous)


def default_workers() -> int:
    """Threads for sharing an op's blocks: the CPUs this process may use (``TINYGRAD_CNN_THREADS`` overrides)."""
    env = os.environ.get("TINYGRAD_CNN_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _forget_pool() -> None:
    """A forked child (a DataLoader worker) inherits the pool object but not its threads: start afresh."""
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _executor(workers: int) -> ThreadPoolExecutor:
    """The shared pool, grown to at least ``workers`` threads."""
    global _pool, _pool_size
    if _pool is None or _pool_size < workers:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool, _pool_size = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tinygrad_cnn-conv"), workers
    return _pool


def _single_threaded(work: Callable[[], T]) -> T:
    with single_threaded_blas():
        return work()


_worker = threading.local()  # ``busy`` is set while a pool thread runs work


def _pooled(work: Callable[[], T]) -> T:
    """``work`` as a pool thread runs it: one BLAS thread, and nested ``run_parallel`` calls inline
    (a pool thread waiting on the pool could otherwise wait forever)."""
    _worker.busy = True
    try:
        return _single_threaded(work)
    finally:
        _worker.busy = False


def run_parallel(work: Callable[[T], object], items: list[T], workers: int) -> list:
    """``[work(item) for item in items]`` on this thread and ``workers − 1`` pool threads, each taking
    the next item as soon as it is free, each with a single-threaded BLAS.

    NumPy releases the GIL in its copies, ufuncs and BLAS calls, so the items really run in parallel
    (the callers give each item its own rows of the output, so they never race). Measured on 2 cores,
    this beat a 2-threaded BLAS on the same conv kernels on every workload: small GEMMs parallelise
    poorly inside BLAS, and the im2col copies and col2im adds are not parallelised by it at all. The
    calling thread works too rather than waiting: one hand-off fewer, on machines where waking a
    thread costs 40–70 µs.
    """
    workers = min(workers, len(items))
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

    pool = _executor(workers - 1)
    helpers = [pool.submit(_pooled, drain) for _ in range(workers - 1)]
    try:
        _single_threaded(drain)
    finally:
        wait(helpers)  # never return, or raise, while a helper still writes into the caller's arrays
    for helper in helpers:
        helper.result()  # a helper's exception
    return results


def run_concurrently(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """``(first(), second())``, the second on a worker thread while this thread runs the first.

    For two independent ops too small to share out block by block, such as a conv layer's input and
    kernel gradients. Handing work to another thread costs 40–70 µs on the 2-vCPU machines measured
    (a woken vCPU), so callers use this only for work of a few hundred µs or more. Each side runs
    with a single-threaded BLAS; an exception in either is raised here, after both have finished.
    Called from a pool thread, both run on it, one after the other, as nested ``run_parallel`` does.
    """
    if getattr(_worker, "busy", False):
        return _single_threaded(lambda: (first(), second()))
    later = _executor(1).submit(_pooled, second)
    try:
        result = _single_threaded(first)
    except BaseException:
        wait([later])  # never leave the worker running on arrays the caller is about to drop
        raise
    return result, later.result()
