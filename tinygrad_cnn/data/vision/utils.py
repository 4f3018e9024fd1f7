"""``make_grid`` and ``save_image`` as ``torchvision.utils``: a batch of images tiled into one picture,
written as a PNG with the standard library (``zlib``), so no imaging package is needed."""

from __future__ import annotations

import math
import os
import struct
import zlib
from typing import Any

import numpy as np

from ...tensor import Tensor

__all__ = ["make_grid", "save_image"]


def _array(images: Any) -> np.ndarray:
    if isinstance(images, (list, tuple)):
        return np.stack([_array(i) for i in images])
    arr = images.detach()._data if isinstance(images, Tensor) else np.asarray(images)
    return np.asarray(arr, dtype=np.float32)


def make_grid(tensor: Any, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch (B, C, H, W) — or one image (C, H, W) / (H, W) — into a (C, H', W') grid (C = 3 for
    grey images), ``nrow``
    images per row with ``padding`` pixels of ``pad_value`` between them, as ``torchvision.utils.make_grid``.
    ``normalize`` rescales to [0, 1] using ``value_range`` (default: the min and max, per image with
    ``scale_each``)."""
    x = _array(tensor)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:  # one image (C, H, W)
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"make_grid: expected images of shape (B, C, H, W), got {x.shape}")
    if x.shape[1] == 1:
        x = np.repeat(x, 3, axis=1)
    x = x.copy()
    if normalize:
        def rescale(a: np.ndarray) -> None:
            lo, hi = value_range if value_range is not None else (float(a.min()), float(a.max()))
            np.clip(a, lo, hi, out=a)
            a -= lo
            a /= max(hi - lo, 1e-5)
        if scale_each:
            for img in x:
                rescale(img)
        else:
            rescale(x)
    b, c, h, w = x.shape
    if b == 1:
        return Tensor._make(x[0], None, False)
    cols = min(nrow, b)
    rows = int(math.ceil(b / cols))
    hh, ww = h + padding, w + padding
    grid = np.full((c, rows * hh + padding, cols * ww + padding), pad_value, dtype=np.float32)
    for k in range(b):
        r, q = divmod(k, cols)
        grid[:, r * hh + padding:r * hh + padding + h, q * ww + padding:q * ww + padding + w] = x[k]
    return Tensor._make(grid, None, False)


def _png_bytes(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB image (H, W, 3) as PNG bytes."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(h))  # filter type 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def save_image(tensor: Any, fp: str | os.PathLike, format: str | None = None, **kwargs: Any) -> None:  # noqa: A002
    """Save images (values in [0, 1]) as one PNG grid, as ``torchvision.utils.save_image``; the keyword
    arguments are ``make_grid``'s. The folder must exist, as with torchvision."""
    if format is not None and format.lower() != "png":
        raise ValueError(f"save_image: only PNG is supported, got format={format!r}")
    grid = make_grid(tensor, **kwargs)._data
    rgb = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    with open(fp, "wb") as f:
        f.write(_png_bytes(np.ascontiguousarray(rgb)))
