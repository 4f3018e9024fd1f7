"""``tinygrad_cnn.functional`` (imported as ``F``): PyTorch's functional API.

Entry points check their arguments once, with messages that name shapes, then call ops.
Losses are compositions of differentiable ops, so their gradients appear in the derivation
view as the chain of steps a textbook writes (e.g. ∂E/∂O = −(y' − O) for the squared error).
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: F401 - kept for the functions other branches add here

from .embedding import embedding
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    logsigmoid,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .ops.conv import conv2d, conv2d_weight, conv_transpose2d, convolve2d, correlate2d
from .ops.pool import avg_pool2d, max_pool2d
from .ops.shape import pad
from .tensor import Tensor

__all__ = [
    "linear",
    "embedding",
    "pad",
    "sigmoid",
    "relu",
    "tanh",
    "softmax",
    "log_softmax",
    "logsigmoid",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "nll_loss",
    "kl_div",
    "correlate2d",
    "convolve2d",
    "conv2d",
    "conv_transpose2d",
    "conv2d_weight",
    "max_pool2d",
    "avg_pool2d",
]


def _tensor(x: Any, op: str, arg: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected {arg} to be a Tensor, got {type(x).__name__}")
    return x


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x Wᵀ + b with weight (out_features, in_features), as ``torch.nn.functional.linear``."""
    _tensor(input, "linear", "input")
    _tensor(weight, "linear", "weight")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if input.ndim == 0 or input._data.shape[-1] != weight._data.shape[1]:
        raise ValueError(
            f"linear: weight {weight.shape} expects inputs with {weight.shape[1]} features in the last "
            f"dimension, got input {input.shape}"
        )
    out = input @ weight.T
    if bias is not None:
        if bias._data.shape != (weight._data.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        out = out + bias
    return out


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return input.sigmoid()


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); with ``inplace=True`` written into ``input`` (recorded by autograd), as PyTorch."""
    return input.relu_() if inplace else input.relu()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return input.tanh()


def _softmax_dim(x: Tensor, dim: int | None) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        return 0 if x.ndim in (0, 1, 3) else 1
    return dim


def softmax(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    return input.softmax(_softmax_dim(input, dim))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    return input.log_softmax(_softmax_dim(input, dim))


# Normalisation, dropout, activations, adaptive pooling, interpolation and the padding modes live in
# functional_layers.py; its ``pad`` (all four modes) replaces the constant-only one imported above.
from .functional_layers import *  # noqa: E402,F403
from .functional_layers import __all__ as _layers_all  # noqa: E402

__all__ += [name for name in _layers_all if name not in __all__]
