"""``datasets.MNIST`` as ``torchvision.datasets.MNIST``: ``(image, label)`` pairs, ``transform`` applied.

Where the data comes from (no network unless ``download=True``):

1. the four IDX files of full MNIST, when ``root`` holds them (in ``root/MNIST/raw``, where torchvision
   keeps them, or in ``root`` itself): 60,000 training and 10,000 test images;
2. else the 5,000-image sample embedded in the package, split as ``mnist_sample_split()``: 4,000 training
   and 1,000 test images, every digit equally often. ``source`` says which one was used.

``download=True`` is accepted and fetches nothing, so a torchvision program runs offline on the sample
unchanged; to train on full MNIST, fetch the files once with
``tinygrad_cnn.data.download_mnist("<root>/MNIST/raw")`` (MD5-checked).

An image is a uint8 NumPy array (28, 28) where torchvision gives a PIL image; ``transforms.ToTensor()``
turns either into a float (1, 28, 28) tensor in [0, 1].
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ...tensor import Tensor
from ..dataset import Dataset
from ..mnist import MNIST_FILES, load_mnist, mnist_sample_split

__all__ = ["MNIST", "FakeData"]


def _idx_folder(root: Path) -> Path | None:
    for folder in (root / "MNIST" / "raw", root):
        if all((folder / name).exists() for name in MNIST_FILES):
            return folder
    return None


class MNIST(Dataset):
    """MNIST digits as ``torchvision.datasets.MNIST(root, train=True, transform=None,
    target_transform=None, download=False)``; see the module docstring for the data source.

    Attributes:
        data: uint8 Tensor (N, 28, 28); targets: int64 Tensor (N,); classes: the ten class names;
        source: ``"idx"`` (full MNIST files) or ``"sample"`` (the embedded sample).
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else ""
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        folder = _idx_folder(Path(self.root)) if self.root else None
        if folder is not None:
            images, labels = load_mnist(folder, train=self.train)
            self.source = "idx"
        else:
            (xtr, ytr), (xte, yte) = mnist_sample_split()
            images, labels = (xtr, ytr) if self.train else (xte, yte)
            self.source = "sample"
        self._images = np.ascontiguousarray(images, dtype=np.uint8)
        self._labels = np.asarray(labels, dtype=np.int64)

    @property
    def data(self) -> Tensor:
        """The images, uint8 (N, 28, 28)."""
        return Tensor._make(self._images, None, False)

    @property
    def targets(self) -> Tensor:
        """The labels, int64 (N,)."""
        return Tensor._make(self._labels, None, False)

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name → label."""
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self._images[index], int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {'Train' if self.train else 'Test'}",
                 f"    Source: {self.source}"]
        if self.transform is not None:
            lines.append(f"    StandardTransform\nTransform: {self.transform!r}")
        return "\n".join(lines)


class FakeData(Dataset):
    """Random images, as ``torchvision.datasets.FakeData(size=1000, image_size=(3, 224, 224),
    num_classes=10, transform=None, target_transform=None, random_offset=0)``: item ``i`` is always the
    same (seeded by ``i + random_offset``); an image is a uint8 array (H, W, C) where torchvision gives a
    PIL image, and the label an int. The pixel values are not torchvision's (another generator)."""

    def __init__(self, size: int = 1000, image_size: tuple[int, int, int] = (3, 224, 224), num_classes: int = 10,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 random_offset: int = 0) -> None:
        self.size, self.image_size, self.num_classes = int(size), tuple(image_size), int(num_classes)
        self.transform, self.target_transform, self.random_offset = transform, target_transform, int(random_offset)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if not -self.size <= index < self.size:
            raise IndexError(f"{type(self).__name__} index out of range")
        rng = np.random.default_rng(index % self.size + self.random_offset)
        c, h, w = self.image_size
        img = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
