"""data: DataLoader batching/shuffling, the embedded MNIST sample, IDX reading and checksums."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn.data import (
    MNIST_FILES,
    ChecksumError,
    DataLoader,
    TensorDataset,
    images_to_tensor,
    load_mnist,
    load_mnist_sample,
    mnist_sample_split,
    read_idx,
    verify_checksum,
)

# ---------------------------------------------------------------------- DataLoader


def test_batches_in_order_with_dtypes_kept():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10, dtype=np.int64)
    batches = list(DataLoader((x, y), batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), y)
    assert len(DataLoader((x, y), batch_size=4)) == 3
    assert len(DataLoader((x, y), batch_size=4, drop_last=True)) == 2
    assert [len(b[0]) for b in DataLoader((x, y), batch_size=4, drop_last=True)] == [4, 4]


def test_shuffle_is_a_permutation_repeatable_by_seed_and_new_each_epoch():
    y = np.arange(50)
    loader = DataLoader((y,), batch_size=7, shuffle=True, seed=3)
    epoch1 = np.concatenate([b[0].numpy() for b in loader])
    epoch2 = np.concatenate([b[0].numpy() for b in loader])
    assert sorted(epoch1) == list(y) and not np.array_equal(epoch1, y)
    assert not np.array_equal(epoch1, epoch2)
    again = np.concatenate([b[0].numpy() for b in DataLoader((y,), batch_size=7, shuffle=True, seed=3)])
    np.testing.assert_array_equal(epoch1, again)
    g1 = np.concatenate([b[0].numpy() for b in DataLoader((y,), 7, shuffle=True, generator=np.random.default_rng(1))])
    g2 = np.concatenate([b[0].numpy() for b in DataLoader((y,), 7, shuffle=True, generator=np.random.default_rng(1))])
    np.testing.assert_array_equal(g1, g2)
    with pytest.raises(ValueError, match="not both"):
        DataLoader((y,), seed=1, generator=np.random.default_rng(1))
    tc.manual_seed(5)
    a = np.concatenate([b[0].numpy() for b in DataLoader((y,), batch_size=7, shuffle=True)])
    tc.manual_seed(5)
    b = np.concatenate([b[0].numpy() for b in DataLoader((y,), batch_size=7, shuffle=True)])
    np.testing.assert_array_equal(a, b)


def test_generic_dataset_is_collated():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i

    xb, yb = next(iter(DataLoader(Squares(), batch_size=3)))
    np.testing.assert_array_equal(xb.numpy(), [[0, 0], [1, 1], [2, 4]])
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 2])


def test_loader_errors():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader((np.zeros(3),), batch_size=0)
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="len"):
        DataLoader(42)


# ---------------------------------------------------------------------- the embedded sample


def test_embedded_sample():
    images, labels = load_mnist_sample()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (5000,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(labels), [500] * 10)
    assert images.max() == 255 and images.min() == 0
    # a handwritten digit has ink in the middle and blank borders
    assert images[:, 10:18, 10:18].mean() > 4 * images[:, :3, :].mean()


def test_fixed_split():
    (xtr, ytr), (xte, yte) = mnist_sample_split()
    assert xtr.shape == (4000, 28, 28) and xte.shape == (1000, 28, 28)
    np.testing.assert_array_equal(np.bincount(yte), [100] * 10)
    np.testing.assert_array_equal(ytr[:20], list(range(10)) * 2)  # interleaved: every prefix is balanced
    (xtr2, _), (xte2, _) = mnist_sample_split()
    np.testing.assert_array_equal(xte, xte2)
    flat_tr = {x.tobytes() for x in xtr}
    assert not any(x.tobytes() in flat_tr for x in xte[:200])  # no test image in the training set
    (btr, bytr), (bte, byte) = mnist_sample_split(digits=(0, 1))
    assert len(btr) == 800 and len(bte) == 200 and set(bytr) == {0, 1} and set(byte) == {0, 1}
    with pytest.raises(ValueError, match="digits"):
        mnist_sample_split(digits=(3, 12))


def test_images_to_tensor():
    images, _ = load_mnist_sample()
    t = images_to_tensor(images[:4])
    assert t.shape == (4, 1, 28, 28) and t.dtype == np.float32
    assert 0.0 <= t.numpy().min() and t.numpy().max() <= 1.0
    np.testing.assert_allclose(t.numpy()[:, 0] * 255, images[:4], atol=1e-4)
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        images_to_tensor(images[0])


# ---------------------------------------------------------------------- IDX files and checksums


def write_idx(path, arr: np.ndarray, code: int = 0x08, compress: bool = True) -> bytes:
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    data = gzip.compress(raw) if compress else raw
    path.write_bytes(data)
    return data


def test_read_idx_images_and_labels(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 7).astype(np.uint8)
    write_idx(tmp_path / "img.gz", images)
    write_idx(tmp_path / "lab", labels, compress=False)
    np.testing.assert_array_equal(read_idx(tmp_path / "img.gz"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "lab"), labels)
    floats = rng.standard_normal((2, 3)).astype(np.float32)
    write_idx(tmp_path / "f.gz", floats, code=0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.gz"), floats)


def test_read_idx_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_mnist"):
        read_idx(tmp_path / "train-images-idx3-ubyte.gz")
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    raw = bytes([0, 0, 8, 2]) + struct.pack(">2I", 3, 3) + b"\x00" * 5
    (tmp_path / "short").write_bytes(raw)
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        read_idx(tmp_path / "short")
    (tmp_path / "broken.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(ValueError, match="could not read"):
        read_idx(tmp_path / "broken.gz")


def test_checksums(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"hello")
    verify_checksum(p, hashlib.md5(b"hello").hexdigest())
    verify_checksum(p, hashlib.sha256(b"hello").hexdigest())
    with pytest.raises(ChecksumError, match="expected md5"):
        verify_checksum(p, "0" * 32)
    with pytest.raises(ChecksumError, match="expected sha256"):
        verify_checksum(p, "f" * 64)
    assert issubclass(ChecksumError, ValueError)


def test_load_mnist_from_cache_with_checksums(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 5).astype(np.uint8)
    blobs = {
        "t10k-images-idx3-ubyte.gz": write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images),
        "t10k-labels-idx1-ubyte.gz": write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels),
    }
    # the real sums belong to the real files: these small ones fail them, clearly
    with pytest.raises(ChecksumError, match="t10k-images"):
        load_mnist(tmp_path, train=False)
    fake = dict(MNIST_FILES)
    fake.update({k: hashlib.md5(v).hexdigest() for k, v in blobs.items()})
    monkeypatch.setattr("tinygrad_cnn.data.mnist.MNIST_FILES", fake)
    x, y = load_mnist(tmp_path, train=False)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz.*download=True"):
        load_mnist(tmp_path, train=True)
    monkeypatch.setenv("TINYGRAD_CNN_DATA", str(tmp_path))
    x2, _ = load_mnist(train=False)
    np.testing.assert_array_equal(x2, images)
