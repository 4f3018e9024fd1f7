"""A small stand-in for ``torchvision``: ``datasets.MNIST`` over the embedded MNIST sample (or the full
IDX files when they are there), the ``transforms`` MNIST programs use (``Compose``, ``ToTensor``,
``Normalize``, ``Lambda``) and ``utils.make_grid``/``utils.save_image``. A torchvision program runs
with its imports changed to ``from tinygrad_cnn.data.vision import datasets, transforms``."""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
