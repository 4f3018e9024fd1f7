"""Process-wide settings, changed only when an application asks: threads and the allocator.

Importing tinygrad_cnn changes nothing global: no thread starts (the worker pool starts on the first
op large enough to share), and no allocator, BLAS or environment setting changes. These calls are
the knobs, as PyTorch's are:

* ``set_num_threads(n)`` / ``get_num_threads()``: the threads an op may use (``tc.set_num_threads``);
* ``empty_cache()``: free the buffers the library keeps for reuse (its own, bounded, never the
  process's allocator), as ``torch.cuda.empty_cache`` does for PyTorch's cache;
* ``tune_allocator()``: an opt-in for applications (the ``tinygrad-cnn`` command makes it for
  itself) that lets glibc's malloc keep freed multi-megabyte blocks for reuse.
"""

from __future__ import annotations

import ctypes
import sys

from .kernels.buffers import empty_cache
from .kernels.execution import get_num_threads, set_num_threads

__all__ = ["empty_cache", "get_num_threads", "set_num_threads", "tune_allocator"]


def tune_allocator(mmap_threshold: int = 32 << 20, trim_threshold: int = 128 << 20) -> bool:
    """Let glibc's malloc reuse freed multi-megabyte blocks instead of returning them to the OS.

    By default glibc serves each large allocation with a fresh ``mmap`` and gives it back on free, so
    every page of a new multi-megabyte temporary is faulted in again on first touch. Raising the mmap
    and trim thresholds keeps up to ``trim_threshold`` bytes of freed heap for reuse, which speeds up
    training loops whose steps allocate the same large arrays again and again.

    This changes the allocator of the **whole process**, for every library in it: freed memory stays
    resident (up to ``trim_threshold`` bytes). So the library never calls it; an application that owns
    its process may. Linux/glibc only; returns True if applied, False elsewhere.
    """
    for name, value in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"tune_allocator: {name} must be a non-negative int of bytes, got {value!r}")
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
        return bool(libc.mallopt(m_mmap_threshold, mmap_threshold) and libc.mallopt(m_trim_threshold, trim_threshold))
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
