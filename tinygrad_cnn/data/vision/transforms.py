"""The ``torchvision.transforms`` that MNIST programs use: ``Compose``, ``ToTensor``, ``Normalize``, ``Lambda``,
``Resize``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "Resize"]


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class ToTensor:
    """An image (H, W) or (H, W, C) — NumPy array or PIL image — as a float32 (C, H, W) Tensor; uint8
    values are scaled from 0..255 to [0, 1], as ``torchvision.transforms.ToTensor``."""

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Tensor) or not (isinstance(pic, np.ndarray) or hasattr(pic, "getbands")):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        arr = np.asarray(pic)
        if arr.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        out = np.ascontiguousarray(arr.transpose(2, 0, 1))
        if out.dtype == np.uint8:
            out = out.astype(np.float32) / np.float32(255.0)
        return Tensor._make(out, None, False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a (C, H, W) or (N, C, H, W) float Tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean, self.std, self.inplace = mean, std, inplace
        if any(s == 0 for s in np.atleast_1d(std)):
            raise ValueError(f"std evaluated to zero after conversion to float32, leading to division by zero: {std}")

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a Tensor. Got {type(tensor)}.")
        if tensor.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got {tensor.shape}.")
        mean = np.asarray(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=tensor.dtype).reshape(-1, 1, 1)
        return (tensor - Tensor._make(mean, None, False)) / Tensor._make(std, None, False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function as a transform."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _resize_weights(in_size: int, out_size: int, antialias: bool) -> np.ndarray:
    """(out_size, in_size) bilinear weights as Pillow and ``F.interpolate(antialias=True)`` compute them: output
    pixel ``i`` is centred at ``(i + 0.5) * scale`` of the input; when shrinking with antialiasing the triangle
    filter is widened by ``scale`` so every input pixel contributes."""
    scale = in_size / out_size
    fs = max(scale, 1.0) if antialias else 1.0
    w = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = (i + 0.5) * scale
        lo, hi = max(int(center - fs + 0.5), 0), min(int(center + fs + 0.5), in_size)
        k = np.clip(1.0 - np.abs((np.arange(lo, hi) - center + 0.5) / fs), 0.0, None)
        w[i, lo:hi] = k / k.sum() if k.sum() else k
    return w


def _resize_uint8(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Pillow's bilinear resize of a uint8 (H, W, C) array: a horizontal then a vertical pass, each with weights
    in 22-bit fixed point and its result rounded to uint8, so the pixels are Pillow's exactly."""
    def one_pass(a: np.ndarray, out: int, axis: int) -> np.ndarray:
        if a.shape[axis] == out:
            return a
        wf = _resize_weights(a.shape[axis], out, True) * (1 << 22)
        wi = np.where(wf < 0, np.trunc(wf - 0.5), np.trunc(wf + 0.5)).astype(np.int64)
        acc = np.moveaxis(np.tensordot(wi, a.astype(np.int64), axes=([1], [axis])), 0, axis)
        return np.clip((acc + (1 << 21)) >> 22, 0, 255).astype(np.uint8)
    return one_pass(one_pass(img, w, 1), h, 0)


class Resize:
    """Resize an image to ``size``, as ``torchvision.transforms.Resize(size, interpolation=BILINEAR,
    max_size=None, antialias=True)``: an int matches the smaller edge (the other keeps the aspect ratio,
    truncated), a pair ``(h, w)`` is the exact size. A uint8 NumPy array (H, W) / (H, W, C) comes back as
    one, with Pillow's pixels exactly; a PIL image is resized by Pillow; a float Tensor (..., H, W) as
    ``F.interpolate(mode="bilinear", antialias=antialias)``. Only bilinear interpolation is provided."""

    def __init__(self, size: int | Sequence[int], interpolation: Any = "bilinear", max_size: int | None = None,
                 antialias: bool | None = True) -> None:
        if not isinstance(size, (int, Sequence)) or isinstance(size, bool) or (
                isinstance(size, Sequence) and len(size) not in (1, 2)):
            raise TypeError(f"Size should be int or sequence of one or two ints. Got {size!r}")
        mode = str(getattr(interpolation, "value", interpolation)).lower()
        if mode not in ("bilinear", "2"):
            raise NotImplementedError(f"Resize: only bilinear interpolation is provided, got {interpolation!r}")
        if max_size is not None and not (isinstance(size, int) or len(size) == 1):
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             f"i.e. size should be an int or a sequence of length 1 in torchvision, got {size!r}")
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def _out_size(self, h: int, w: int) -> tuple[int, int]:
        if not isinstance(self.size, int) and len(self.size) == 2:
            return int(self.size[0]), int(self.size[1])
        want = self.size if isinstance(self.size, int) else int(self.size[0])
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = want, int(want * long / short)
        if self.max_size is not None:
            if self.max_size <= want:
                raise ValueError(f"max_size = {self.max_size} must be strictly greater than the requested size "
                                 f"for the smaller edge size = {self.size}")
            if new_long > self.max_size:
                new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)

    def __call__(self, img: Any) -> Any:
        if hasattr(img, "getbands"):  # a PIL image: Pillow resizes it itself
            h, w = self._out_size(img.size[1], img.size[0])
            return img if (h, w) == (img.size[1], img.size[0]) else img.resize((w, h), 2)
        if isinstance(img, Tensor):
            if img.ndim < 2:
                raise ValueError(f"Resize: expected a tensor image (..., H, W), got shape {img.shape}")
            h0, w0 = img.shape[-2:]
            h, w = self._out_size(h0, w0)
            arr = img.detach()._data
            aa = bool(self.antialias)
            out = np.einsum("ih,...hw,jw->...ij", _resize_weights(h0, h, aa), arr.astype(np.float64),
                            _resize_weights(w0, w, aa))
            if arr.dtype == np.uint8:
                out = np.clip(np.round(out), 0, 255)
            return Tensor._make(np.ascontiguousarray(out.astype(arr.dtype)), None, False)
        arr = np.asarray(img)
        if arr.ndim not in (2, 3):
            raise ValueError(f"Resize: expected an image (H, W) or (H, W, C), got shape {arr.shape}")
        h, w = self._out_size(arr.shape[0], arr.shape[1])
        if arr.dtype != np.uint8:
            raise TypeError(f"Resize: a NumPy image must be uint8 (as a PIL image), got {arr.dtype}")
        grey = arr.ndim == 2
        out = _resize_uint8(arr[:, :, None] if grey else arr, h, w)
        return out[:, :, 0] if grey else out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation}, "
                f"max_size={self.max_size}, antialias={self.antialias})")
