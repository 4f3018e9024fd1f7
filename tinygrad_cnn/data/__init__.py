"""``tinygrad_cnn.data``: mini-batching and MNIST (an embedded 5,000-image sample, and the full IDX files)."""

from .loader import DataLoader, TensorDataset
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

__all__ = [
    "DataLoader",
    "TensorDataset",
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
]
