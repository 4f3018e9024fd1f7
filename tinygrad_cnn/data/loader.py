"""``DataLoader`` and ``TensorDataset``: mini-batches by fancy indexing whole arrays (no per-sample loop)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..rng import get_rng
from ..tensor import Tensor

__all__ = ["TensorDataset", "DataLoader"]


def _as_array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class TensorDataset:
    """Arrays (or Tensors) sharing their first dimension; item ``i`` is the tuple of their ``i``-th rows."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = tuple(_as_array(a) for a in arrays)
        n = self.arrays[0].shape[0] if self.arrays[0].ndim else None
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or a.shape[0] != n:
                shapes = [x.shape for x in self.arrays]
                raise ValueError(
                    f"TensorDataset: all arrays need the same first dimension, got shapes {shapes} (array {i})"
                )

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(_wrap(a[index]) for a in self.arrays)


def _wrap(arr: np.ndarray) -> Tensor:
    """A Tensor keeping the array's dtype (uint8 images and integer labels stay integers)."""
    return Tensor._make(np.ascontiguousarray(arr), None, False)


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of ``batch_size``.

    Args:
        dataset: a ``TensorDataset``, a tuple of arrays such as ``(images, labels)``, or any object with
            ``__len__`` and ``__getitem__`` returning a tuple per sample.
        batch_size: samples per batch.
        shuffle: a fresh permutation every epoch (every ``iter``).
        drop_last: skip the final incomplete batch.
        seed: seeds this loader's own generator, so its order repeats run to run.
        generator: a ``numpy.random.Generator`` to shuffle with instead (PyTorch's ``generator=``).
            Without either, the package generator (``tc.manual_seed``) is used.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if isinstance(dataset, (tuple, list)) and dataset and all(
            isinstance(a, (np.ndarray, Tensor)) for a in dataset
        ):
            dataset = TensorDataset(*dataset)
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must support len() and indexing, got {type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        self._rng = np.random.default_rng(seed) if seed is not None else generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else get_rng()
        return rng.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        vectorised = isinstance(self.dataset, TensorDataset)
        for start in range(0, stop, bs):
            idx = order[start : start + bs]
            if vectorised:
                yield self.dataset[idx]
            else:
                yield _collate([self.dataset[int(i)] for i in idx])


def _collate(samples: Sequence[Any]) -> Any:
    """Stack a list of per-sample tuples into a tuple of batched Tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_wrap(np.stack([_as_array(s[j]) for s in samples])) for j in range(len(first)))
    return _wrap(np.stack([_as_array(s) for s in samples]))
