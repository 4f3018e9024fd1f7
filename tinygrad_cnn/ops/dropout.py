"""Dropout: zero each element (``dropout``) or each whole channel (``dropout2d``) with probability p.

Inverted scaling, as PyTorch: the kept values are multiplied by 1/(1 − p) during training, so the
expected activation is unchanged and evaluation is the identity. The mask comes from the package
generator (``tc.manual_seed`` makes it repeatable). The gradient is the upstream gradient times the
same mask and scale; the mask is a constant, so the second derivative is zero.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..rng import get_rng
from ..tensor import Tensor


def _keep_mask(shape: tuple[int, ...], p: float, dtype: np.dtype) -> np.ndarray:
    """1 with probability 1 − p, else 0 (Bernoulli draws from the package generator)."""
    return (get_rng().random(shape) >= p).astype(dtype)


class Dropout(Function):
    """y = x ⊙ M / (1 − p), M a 0/1 mask drawn per element (``mask_shape`` broadcasts it per channel)."""

    name = "dropout"

    @staticmethod
    def forward(ctx, x, p, mask_shape):
        ctx.p = p
        dtype = x._data.dtype
        if p == 1.0:
            mask, scale = np.zeros(mask_shape, dtype=dtype), 0.0
        else:
            mask, scale = _keep_mask(mask_shape, p, dtype), 1.0 / (1.0 - p)
        ctx._scale = scale
        ctx.save_for_backward(mask)
        return x._data * (mask * dtype.type(scale))

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask * ctx._scale, None, None


class Dropout2d(Dropout):
    """Whole channels dropped: the mask has shape (N, C, 1, 1)."""

    name = "dropout2d"


def check_p(p: float) -> float:
    """PyTorch's check and message for a dropout probability."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Element-wise dropout in training mode; x itself otherwise (or when p = 0), as PyTorch."""
    p = check_p(p)
    if not training or p == 0.0:
        return x
    return Dropout.apply(x, p, x.shape)


def dropout2d(x: Tensor, p: float, training: bool) -> Tensor:
    """Channel-wise dropout of (N, C, H, W) (or (N, C, L), with PyTorch's warning) in training mode."""
    p = check_p(p)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: expected a 4-D input (N, C, H, W) or a 3-D input (N, C, L), got shape {x.shape}"
        )
    if x.ndim == 3:
        import warnings

        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim.",
            UserWarning,
            stacklevel=3,
        )
    if not training or p == 0.0:
        return x
    return Dropout2d.apply(x, p, x.shape[:2] + (1,) * (x.ndim - 2))
