"""``tinygrad_cnn.data`` (also ``tc.utils.data``): datasets, samplers, ``DataLoader`` with PyTorch's
arguments, and MNIST (an embedded 5,000-image sample, the full IDX files, and a ``torchvision``-style
``vision.datasets.MNIST``)."""

from . import vision
from .collate import default_collate, default_convert
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, random_split
from .loader import DataLoader, TensorDataset, get_worker_info
from .mnist import (
    MNIST_FILES,
    ChecksumError,
    default_cache_dir,
    download_mnist,
    file_checksum,
    images_to_tensor,
    load_mnist,
    load_mnist_sample,
    mnist_sample_split,
    read_idx,
    verify_checksum,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "DataLoader",
    "TensorDataset",
    "Dataset",
    "IterableDataset",
    "Subset",
    "ConcatDataset",
    "random_split",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "MNIST_FILES",
    "ChecksumError",
    "default_cache_dir",
    "download_mnist",
    "file_checksum",
    "images_to_tensor",
    "load_mnist",
    "load_mnist_sample",
    "mnist_sample_split",
    "read_idx",
    "verify_checksum",
    "vision",
]
