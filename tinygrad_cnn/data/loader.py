"""``DataLoader`` and ``TensorDataset`` with PyTorch's arguments and semantics.

A ``TensorDataset`` batch is one fancy-indexing of whole arrays (no per-sample loop); any other dataset
is read sample by sample and collated by ``collate_fn`` (``default_collate``: PyTorch's dtypes).

``num_workers > 0`` loads in the main process, after a one-time warning: the work here is NumPy
indexing, which worker processes would not speed up, and keeping one process keeps the package's random
generator (``tc.manual_seed``) and error messages simple. ``pin_memory`` has no meaning on the CPU.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["TensorDataset", "DataLoader", "get_worker_info"]


def _as_array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class TensorDataset(Dataset):
    """Tensors (or arrays) sharing their first dimension; item ``i`` is the tuple of their ``i``-th rows."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.arrays = tuple(_as_array(a) for a in tensors)
        n = self.arrays[0].shape[0] if self.arrays[0].ndim else None
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or a.shape[0] != n:
                shapes = [x.shape for x in self.arrays]
                raise ValueError(
                    f"TensorDataset: all tensors need the same first dimension (size mismatch between tensors), "
                    f"got shapes {shapes} (tensor {i})"
                )

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The data as Tensors sharing the arrays' memory (PyTorch's attribute)."""
        return tuple(Tensor._make(a, None, False) for a in self.arrays)

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(_wrap(a[index]) for a in self.arrays)


def _wrap(arr: np.ndarray) -> Tensor:
    """A Tensor keeping the array's dtype (uint8 images and integer labels stay integers)."""
    return Tensor._make(np.ascontiguousarray(arr), None, False)


_warned_workers = False


def get_worker_info() -> None:
    """None: data is always loaded in the main process (see the module docstring)."""
    return None


class DataLoader:
    """Iterate over ``dataset`` in mini-batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``), an ``IterableDataset``, or a
            tuple of arrays/Tensors such as ``(images, labels)`` (read as a ``TensorDataset``).
        batch_size: samples per batch; None yields single samples, unbatched.
        shuffle: a fresh random order every epoch.
        sampler, batch_sampler: where the indices (or lists of indices) come from.
        num_workers: accepted; loading runs in the main process (one warning; see the module docstring).
        collate_fn: turns a list of samples into a batch (default: ``default_collate``).
        drop_last: skip the final incomplete batch.
        generator: a ``tc.Generator`` or ``numpy.random.Generator`` for the shuffling order.
        seed: (this package) seeds the loader's own generator, so its order repeats run to run.
        pin_memory, timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
        persistent_workers, pin_memory_device, in_order: accepted and checked as PyTorch does.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
    ) -> None:
        if isinstance(dataset, (tuple, list)) and dataset and all(isinstance(a, (np.ndarray, Tensor)) for a in dataset):
            dataset = TensorDataset(*dataset)
        iterable = isinstance(dataset, IterableDataset)
        if not iterable and (not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must support len() and indexing, got {type(dataset).__name__}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing. "
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0
        ):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer value, but got batch_size={batch_size!r}"
            )
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        if iterable and (shuffle not in (None, False) or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle, sampler and batch_sampler")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if num_workers > 0:
            global _warned_workers
            if not _warned_workers:
                _warned_workers = True
                warnings.warn(
                    f"DataLoader(num_workers={num_workers}): tinygrad_cnn loads data in the main process "
                    "(batches are NumPy indexing, which worker processes would not speed up)",
                    RuntimeWarning,
                    stacklevel=2,
                )
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.drop_last = bool(drop_last)
        self.generator = np.random.default_rng(seed) if seed is not None else generator
        self._iterable = iterable
        if not iterable and sampler is None:
            sampler = RandomSampler(dataset, generator=self.generator) if shuffle else SequentialSampler(dataset)
        self.sampler: Sampler | None = sampler
        self._auto_batch = batch_sampler is None
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, int(batch_size), self.drop_last)
        self.batch_sampler = batch_sampler
        self.batch_size = None if batch_size is None else int(batch_size)
        self._default_collate = collate_fn is None
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None else default_convert
        )

    @property
    def shuffle(self) -> bool:
        """Whether the order is random each epoch."""
        return isinstance(self.sampler, RandomSampler)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def _index_batches(self) -> Iterator[Any]:
        """Lists (or arrays) of indices, one per batch; built with NumPy for the built-in samplers."""
        bs = self.batch_sampler
        if self._auto_batch and isinstance(self.sampler, (SequentialSampler, RandomSampler)):
            if isinstance(self.sampler, RandomSampler):
                order = self.sampler.order()
            else:
                order = np.arange(len(self.dataset))
            n, size = len(order), bs.batch_size
            stop = n - n % size if self.drop_last else n
            for start in range(0, stop, size):
                yield order[start:start + size]
        else:
            yield from bs

    def __iter__(self) -> Iterator[Any]:
        if self.worker_init_fn is not None:
            self.worker_init_fn(0)
        if self._iterable:
            yield from self._iter_iterable()
            return
        if self.batch_sampler is None:  # batch_size=None: single samples
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])
            return
        vectorised = isinstance(self.dataset, TensorDataset) and self._default_collate
        for idx in self._index_batches():
            if vectorised:
                yield list(self.dataset[np.asarray(idx, dtype=np.int64)])
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])

    def _iter_iterable(self) -> Iterator[Any]:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)
