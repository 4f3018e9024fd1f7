"""``tinygrad_cnn.functional`` (imported as ``F``): PyTorch's functional API.

Entry points check their arguments once, with messages that name shapes, then call ops.
Losses are compositions of differentiable ops, so their gradients appear in the derivation
view as the chain of steps a textbook writes (e.g. ∂E/∂O = −(y' − O) for the squared error).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops.conv import conv2d, conv2d_weight, conv_transpose2d, convolve2d, correlate2d
from .ops.elementwise import BinaryCrossEntropy, check_broadcast
from .ops.pool import avg_pool2d, max_pool2d
from .ops.shape import pad
from .tensor import Tensor

__all__ = [
    "linear",
    "pad",
    "sigmoid",
    "relu",
    "tanh",
    "softmax",
    "log_softmax",
    "mse_loss",
    "binary_cross_entropy",
    "cross_entropy",
    "nll_loss",
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
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: weight {weight.shape} expects inputs with {weight.shape[1]} features in the last "
            f"dimension, got input {input.shape}"
        )
    out = input @ weight.T
    if bias is not None:
        if bias.shape != (weight.shape[0],):
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


# ---------------------------------------------------------------------- losses

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_target(op: str, input: Tensor, target: Any) -> Tensor:  # noqa: A002
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target), dtype=input.dtype)
    if target.shape != input.shape:
        shape = check_broadcast(op, input.shape, target.shape)
        if shape != input.shape:
            raise ValueError(
                f"{op}: target shape {target.shape} does not match input shape {input.shape} "
                "(broadcasting would change the loss; reshape one of them)"
            )
    return target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error: (input − target)², reduced."""
    _tensor(input, "mse_loss", "input")
    _check_reduction("mse_loss", reduction)
    target = _check_target("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """−[t log x + (1 − t) log(1 − x)], each log clamped at −100 as PyTorch does."""
    _tensor(input, "binary_cross_entropy", "input")
    _check_reduction("binary_cross_entropy", reduction)
    target = _check_target("binary_cross_entropy", input, target)
    if input._data.size and (np.nanmin(input._data) < 0 or np.nanmax(input._data) > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (probabilities, "
            f"e.g. after sigmoid); got values in [{input._data.min():.4g}, {input._data.max():.4g}]"
        )
    if target.shape != input.shape:
        target = target.expand(input.shape)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C[, d1, ...]) at class indices ``target``."""
    _tensor(input, "nll_loss", "input")
    _check_reduction("nll_loss", reduction)
    target_arr = np.asarray(target._data if isinstance(target, Tensor) else target)
    if target_arr.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold integer class indices, got dtype {target_arr.dtype}")
    unbatched = input.ndim == 1
    if unbatched:  # (C,) with a scalar target
        input, target_arr = input.unsqueeze(0), target_arr.reshape(1)  # noqa: A001
    if input.ndim < 2:
        raise ValueError(f"nll_loss: expected input (N, C) or (N, C, d1, ...), got {input.shape}")
    n, c = input.shape[0], input.shape[1]
    expected = (n,) + input.shape[2:]
    if target_arr.shape != expected:
        raise ValueError(f"nll_loss: input {input.shape} needs target of shape {expected}, got {target_arr.shape}")
    valid = target_arr != ignore_index
    bad = valid & ((target_arr < 0) | (target_arr >= c))
    if bad.any():
        raise ValueError(
            f"nll_loss: target values must be class indices in [0, {c - 1}], got {target_arr[bad].ravel()[:5].tolist()}"
        )
    if input.ndim > 2:  # (N, C, d...) -> (N·d..., C)
        perm = (0,) + tuple(range(2, input.ndim)) + (1,)
        input = input.permute(*perm).reshape(-1, c)  # noqa: A001
        target_flat, valid_flat = target_arr.reshape(-1), valid.reshape(-1)
    else:
        target_flat, valid_flat = target_arr, valid
    safe = np.where(valid_flat, target_flat, 0)
    picked = input[np.arange(input.shape[0]), safe]
    if weight is None:
        w = np.ones(c, dtype=input.dtype)
    else:
        w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=input.dtype)
    if w.shape != (c,):
        raise ValueError(f"nll_loss: weight must have shape ({c},), got {w.shape}")
    per = w[safe] * valid_flat
    per_t = Tensor._make(per.astype(input.dtype), None, False)
    losses = -picked * per_t
    if reduction == "mean":
        return losses.sum() / float(per.sum())
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(()) if unbatched else losses.reshape(expected)


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """log_softmax over the class dimension, then ``nll_loss``; ``target`` holds class indices
    (or class probabilities of the input's shape)."""
    _tensor(input, "cross_entropy", "input")
    _check_reduction("cross_entropy", reduction)
    dim = 0 if input.ndim == 1 else 1
    logp = input.log_softmax(dim)
    target_arr = target._data if isinstance(target, Tensor) else np.asarray(target)
    if target_arr.dtype.kind == "f":  # class probabilities
        if target_arr.shape != input.shape:
            raise ValueError(
                f"cross_entropy: probability targets must match input {input.shape}, got {target_arr.shape}"
            )
        t = target if isinstance(target, Tensor) else Tensor(target_arr, dtype=input.dtype)
        per = logp * t
        if weight is not None:
            wshape = [1] * input.ndim
            wshape[dim] = -1
            per = per * weight.reshape(*wshape)
        return _reduce(-per.sum(dim), reduction)
    return nll_loss(logp, target_arr, weight=weight, ignore_index=ignore_index, reduction=reduction)


# Normalisation, dropout, activations, adaptive pooling, interpolation and the padding modes live in
# functional_layers.py; its ``pad`` (all four modes) replaces the constant-only one imported above.
from .functional_layers import *  # noqa: E402,F403
from .functional_layers import __all__ as _layers_all  # noqa: E402

__all__ += [name for name in _layers_all if name not in __all__]
