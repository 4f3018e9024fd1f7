"""A small stand-in for ``torchvision``: ``datasets.MNIST`` over the embedded MNIST sample (or the full
IDX files when they are there) and the ``transforms`` MNIST programs use (``Compose``, ``ToTensor``,
``Normalize``, ``Lambda``). A torchvision program runs with its import changed to
``from tinygrad_cnn.data.vision import datasets, transforms``."""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
