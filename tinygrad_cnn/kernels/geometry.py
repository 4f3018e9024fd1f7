"""Window geometry shared by convolution and pooling: pairs, output sizes, padding and cropping.

Every size formula is written once here. For a window of k taps, dilation d, stride s and padding p
along an axis of length n (``docs/maths/conv2d.md`` derives them):

* a window sweep (conv2d, pooling) gives  ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 outputs;
* the transposed sweep (conv_transpose2d) gives  (n − 1)s − 2p + d(k − 1) + output_padding + 1;
* the output_padding that brings a transposed sweep back to exactly n is n minus that size at 0.

Pure Python and NumPy: the kernels and the ops both import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Pair", "ConvGeometry", "PoolGeometry", "pair", "window_span", "out_size", "transposed_size", "padded_shape",
    "pad_hw", "unpad_hw", "crop_hw",
]

Pair = tuple[int, int]


def pair(value: Any, name: str, op: str, minimum: int) -> Pair:
    """An int or a pair of ints as a pair, each at least ``minimum`` (PyTorch's ``_pair`` plus a check)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        vals = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        vals = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(vals) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return vals


def window_span(k: int, dilation: int) -> int:
    """How many input positions one window of k taps covers: d(k − 1) + 1."""
    return dilation * (k - 1) + 1


def out_size(size: int, k: int, stride: int, pad: int, dilation: int) -> int:
    """Output length of a strided, padded, dilated window sweep: ⌊(size + 2p − d(k − 1) − 1)/s⌋ + 1."""
    return (size + 2 * pad - window_span(k, dilation)) // stride + 1


def transposed_size(size: int, k: int, stride: int, pad: int, dilation: int, output_padding: int = 0) -> int:
    """Output length of a transposed sweep: (size − 1)s − 2p + d(k − 1) + output_padding + 1."""
    return (size - 1) * stride - 2 * pad + window_span(k, dilation) + output_padding


@dataclass(frozen=True)
class ConvGeometry:
    """How a convolution's windows sweep its input: (h, w) pairs and the number of channel groups."""

    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1

    def out_hw(self, in_hw: tuple[int, ...], kernel: tuple[int, ...]) -> Pair:
        """(Ho, Wo) of the forward sweep over an (H, W) input."""
        s, p, d = self.stride, self.padding, self.dilation
        return out_size(in_hw[0], kernel[0], s[0], p[0], d[0]), out_size(in_hw[1], kernel[1], s[1], p[1], d[1])

    def transposed_hw(self, in_hw: tuple[int, ...], kernel: tuple[int, ...], output_padding: Pair = (0, 0)) -> Pair:
        """(H, W) of the transposed sweep over an (Ho, Wo) input."""
        s, p, d, op = self.stride, self.padding, self.dilation, output_padding
        return (transposed_size(in_hw[0], kernel[0], s[0], p[0], d[0], op[0]),
                transposed_size(in_hw[1], kernel[1], s[1], p[1], d[1], op[1]))

    def output_padding(self, in_hw: tuple[int, ...], out_hw: tuple[int, ...], kernel: tuple[int, ...]) -> Pair:
        """The output_padding that takes the transposed sweep of an ``out_hw`` map back to exactly ``in_hw``."""
        back = self.transposed_hw(out_hw, kernel)
        return in_hw[0] - back[0], in_hw[1] - back[1]


def padded_shape(shape: tuple[int, ...], padding: Pair) -> tuple[int, ...]:
    """The shape of an (N, C, H, W) array once padded."""
    n, c, h, w = shape
    return n, c, h + 2 * padding[0], w + 2 * padding[1]


@dataclass(frozen=True)
class PoolGeometry:
    """How a pooling's kh×kw windows sweep its input: (h, w) pairs."""

    kernel_size: Pair
    stride: Pair
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)

    def out_hw(self, in_hw: tuple[int, ...]) -> Pair:
        """(Ho, Wo) of the sweep over an (H, W) input."""
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        return out_size(in_hw[0], k[0], s[0], p[0], d[0]), out_size(in_hw[1], k[1], s[1], p[1], d[1])


def pad_hw(x: np.ndarray, padding: Pair, value: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    """Pad the last two axes of an (N, C, H, W) array symmetrically (no copy when there is nothing to pad).

    ``out``: an array of the padded shape and x's dtype to write into.
    """
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    h, w = x.shape[2:]
    if out is None:
        out = np.full(padded_shape(x.shape, padding), value, dtype=x.dtype)
    else:  # only the border needs the pad value
        out[:, :, :ph] = value
        out[:, :, ph + h :] = value
        out[:, :, ph : ph + h, :pw] = value
        out[:, :, ph : ph + h, pw + w :] = value
    out[:, :, ph : ph + h, pw : pw + w] = x
    return out


def unpad_hw(x: np.ndarray, padding: Pair, hw: tuple[int, ...]) -> np.ndarray:
    """The (H, W) interior of a padded (N, C, Hp, Wp) array, contiguous (the array itself when unpadded)."""
    if padding == (0, 0) and tuple(x.shape[2:]) == tuple(hw):
        return x
    ph, pw = padding
    return np.ascontiguousarray(x[:, :, ph : ph + hw[0], pw : pw + hw[1]])


def crop_hw(t: Any, hw: tuple[int, ...]) -> Any:
    """Drop trailing rows/columns beyond ``hw`` (rows a strided sweep never reached); arrays or Tensors."""
    if tuple(t.shape[-2:]) == tuple(hw):
        return t
    return t[..., : hw[0], : hw[1]]
