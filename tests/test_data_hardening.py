"""Damaged IDX files and bad ``mnist_sample_split`` arguments give clear errors (issue 15, data items)."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from tinygrad_cnn.data import mnist_sample_split, read_idx


def idx_gz(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return gzip.compress(header + arr.tobytes(), mtime=0)


@pytest.mark.parametrize("damage", ["deflate_body", "truncated", "crc", "not_gzip", "empty"])
def test_read_idx_damaged_gzip_is_a_value_error_naming_the_file(tmp_path, damage):
    rng = np.random.default_rng(0)
    good = idx_gz(rng.integers(0, 256, (20, 28, 28)).astype(np.uint8))
    if damage == "deflate_body":  # a raw zlib.error before the fix
        bad = bytearray(good)
        for i in range(12, 60):
            bad[i] ^= 0x5A
        data = bytes(bad)
    elif damage == "truncated":  # EOFError inside gzip
        data = good[: len(good) // 2]
    elif damage == "crc":  # BadGzipFile: CRC check failed
        data = good[:-8] + bytes(8)
    elif damage == "not_gzip":
        data = b"\x1f\x8bnot really gzip"
    else:
        data = b""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz") as info:
        read_idx(path)
    assert "could not read" in str(info.value) or "not an IDX file" in str(info.value)


def test_corrupt_deflate_body_really_is_a_zlib_error(tmp_path):
    """The case above does reach zlib (so the test covers the zlib.error path)."""
    import zlib

    good = bytearray(idx_gz(np.arange(784, dtype=np.uint8).reshape(1, 28, 28)))
    for i in range(12, 60):
        good[i] ^= 0x5A
    with pytest.raises(zlib.error):
        gzip.decompress(bytes(good))


@pytest.mark.parametrize(
    "digits, kind, words",
    [
        ((0, 0), ValueError, "distinct"),
        ((1, 2, 1), ValueError, "distinct"),
        ((1.5,), TypeError, "1.5"),
        ((1.0,), TypeError, "float"),
        ((True,), TypeError, "bool"),
        (("1",), TypeError, "'1'"),
        ("01", TypeError, "sequence"),
        (3, TypeError, "sequence"),
        ((), ValueError, "non-empty"),
        ((-1,), ValueError, "0..9"),
        ((10,), ValueError, "0..9"),
    ],
)
def test_split_digits_are_checked(digits, kind, words):
    with pytest.raises(kind, match=words):
        mnist_sample_split(digits)


@pytest.mark.parametrize("n, kind", [(0, ValueError), (500, ValueError), (-3, ValueError), (1.5, TypeError),
                                     (True, TypeError), ("9", TypeError)])
def test_split_test_per_digit_is_checked(n, kind):
    with pytest.raises(kind, match="test_per_digit"):
        mnist_sample_split((0, 1), test_per_digit=n)


def test_split_accepts_numpy_digits_and_lists():
    (xtr, ytr), (xte, yte) = mnist_sample_split(np.array([3, 7]), test_per_digit=np.int64(50))
    assert len(xtr) == 900 and len(xte) == 100 and set(ytr) == {3, 7} == set(yte)
    (_, ytr2), _ = mnist_sample_split([7, 3], test_per_digit=499)
    assert len(ytr2) == 2 and list(ytr2) == [7, 3]
