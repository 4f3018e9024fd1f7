"""Part of ``tinygrad_cnn.functional`` (``F``): normalisation, dropout, activations, adaptive pooling,
interpolation and the non-constant padding modes, with PyTorch's signatures, defaults and errors.

``functional.py`` re-exports every name here. ``inplace=True`` writes the result into the input and returns
the input, as PyTorch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .ops import activation as act
from .ops import dropout as drop
from .ops import norm, resample
from .ops.adaptive_max import AdaptiveMaxPool2d, argmax_indices
from .ops.shape import pad as constant_pad
from .tensor import Tensor

__all__ = [
    "batch_norm",
    "layer_norm",
    "group_norm",
    "dropout",
    "dropout2d",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "softplus",
    "hardtanh",
    "relu6",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
    "interpolate",
    "pad",
]


def _float(x: Any, op: str, error: type[Exception] = TypeError) -> Tensor:
    """Check for a floating-point Tensor; ``error`` is the type PyTorch raises for an integer one."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise error(f'"{op}" not implemented for dtype {x._data.dtype} (input of shape {x.shape}); '
                    "expected a floating-point input")
    return x


def _tensor(x: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(x).__name__}")
    return x


# ---------------------------------------------------------------------- normalisation


def _check_vector(op: str, name: str, t: Any, c: int) -> None:
    if t is not None and (not isinstance(t, Tensor) or t.shape != (c,)):
        got = t.shape if isinstance(t, Tensor) else type(t).__name__
        raise RuntimeError(f"{op}: {name} should contain {c} elements (shape ({c},)), got {got}")


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-05,
) -> Tensor:
    """Batch normalisation over (N, C, *), as ``torch.nn.functional.batch_norm``.

    Training: normalise with the batch's mean and biased variance over every dimension but C, and
    update ``running_mean``/``running_var`` in place (``(1 − momentum)·old + momentum·batch``, the
    variance unbiased). Evaluation: normalise with the running statistics. Gradient:
    ``docs/maths/batchnorm.md``.
    """
    op = "batch_norm"
    _float(input, op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, *) with at least 2 dimensions, got {input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_vector(op, name, t, c)
    if training:
        if input._data.size // max(c, 1) <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    elif running_mean is None or running_var is None:
        raise RuntimeError(f"{op}: running_mean and running_var must be defined in evaluation mode (training=False)")
    return norm.batch_norm(input, running_mean, running_var, weight, bias, bool(training), momentum, eps)


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions, as ``torch.nn.functional.layer_norm``."""
    op = "layer_norm"
    _float(input, op)
    shape = (int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or input.shape[input.ndim - k:] != shape:
        raise RuntimeError(
            f"{op}: given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size {list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise RuntimeError(f"{op}: {name} must have shape {shape}, got {t.shape}")
    return norm.layer_norm(input, k, weight, bias, eps)


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
) -> Tensor:
    """Normalise each group of C/num_groups channels of each sample, then scale and shift per channel."""
    op = "group_norm"
    _float(input, op)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of shape (N, C, *), got {input.shape}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"{op}: expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        _check_vector(op, name, t, c)
    grouped = norm.group_norm(input.reshape(n, num_groups, -1), eps).reshape(input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        grouped = grouped * weight.reshape(shape)
    if bias is not None:
        grouped = grouped + bias.reshape(shape)
    return grouped


# ---------------------------------------------------------------------- dropout


def _in_place(inplace: bool, x: Tensor, op: Any) -> Tensor:
    """``op(x)``; with ``inplace`` written back into ``x`` as PyTorch's ``inplace=True`` does (``copy_``:
    recorded by autograd on a non-leaf, refused on a leaf that requires grad). The op runs on a copy, so
    what it saves for backward is never the tensor it then overwrites."""
    if not inplace:
        return op(x)
    return x.copy_(op(x.clone()))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability p and scale the rest by 1/(1 − p) (training); identity otherwise."""
    return _in_place(inplace, _float(input, "dropout", RuntimeError), lambda x: drop.dropout(x, p, training))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of (N, C, H, W) with probability p, scaling the rest by 1/(1 − p)."""
    return _in_place(inplace, _float(input, "dropout2d", RuntimeError), lambda x: drop.dropout2d(x, p, training))


# ---------------------------------------------------------------------- activations


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, negative_slope·x otherwise."""
    x = _float(input, "leaky_relu", NotImplementedError)
    return _in_place(inplace, x, lambda t: act.LeakyReLU.apply(t, float(negative_slope)))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, α(eˣ − 1) otherwise."""
    return _in_place(inplace, _float(input, "elu", NotImplementedError), lambda t: act.ELU.apply(t, float(alpha)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x·Φ(x) (Φ the standard normal CDF), or its tanh approximation with ``approximate='tanh'``."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return act.GELU.apply(_float(input, "gelu", NotImplementedError), approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x·σ(x) (also called swish)."""
    return _in_place(inplace, _float(input, "silu", NotImplementedError), act.SiLU.apply)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """(1/β)·log(1 + e^(βx)), and x itself where βx > threshold (for numerical stability)."""
    return act.Softplus.apply(_float(input, "softplus", NotImplementedError), float(beta), float(threshold))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 elsewhere."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    lo, hi = float(min_val), float(max_val)
    return _in_place(inplace, _tensor(input, "hardtanh"), lambda t: act.Hardtanh.apply(t, lo, hi))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6)."""
    return _in_place(inplace, _tensor(input, "relu6"), lambda t: act.ReLU6.apply(t, 0.0, 6.0))


# ---------------------------------------------------------------------- adaptive pooling


def _output_hw(op: str, x: Tensor, output_size: Any) -> tuple[int, int]:
    h, w = x.shape[-2:]
    if isinstance(output_size, numbers.Integral) or output_size is None:
        size = (output_size, output_size)
    else:
        size = tuple(output_size)
        if len(size) != 2:
            raise ValueError(f"{op}: output_size must be an int or a pair (None keeps an input size), "
                             f"got {output_size}")
    out = (h if size[0] is None else int(size[0]), w if size[1] is None else int(size[1]))
    if out[0] < 0 or out[1] < 0:
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size}")
    return out


def _image(op: str, x: Any) -> tuple[Tensor, bool]:
    _float(x, op, RuntimeError)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {x.shape}")
    if x.ndim == 3:
        return x.unsqueeze(0), True
    return x, False


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over PyTorch's adaptive windows so the output is ``output_size`` (int, pair, None entries)."""
    op = "adaptive_avg_pool2d"
    x, unbatched = _image(op, input)
    oh, ow = _output_hw(op, x, output_size)
    h, w = x.shape[-2:]
    if h == 0 or w == 0:
        raise ValueError(f"{op}: expected non-empty spatial dimensions, got input {input.shape}")
    maps = ((2, resample.adaptive_avg_matrix(h, oh)), (3, resample.adaptive_avg_matrix(w, ow)))
    out = resample.maps_for(resample.AdaptiveAvgPool2d, x, maps)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Max over PyTorch's adaptive windows; with ``return_indices`` also the flat H·W index of each max."""
    op = "adaptive_max_pool2d"
    x, unbatched = _image(op, input)
    out_hw = _output_hw(op, x, output_size)
    if x.shape[-2] == 0 or x.shape[-1] == 0 or 0 in out_hw:
        raise ValueError(f"{op}: expected non-empty spatial dimensions and output_size, got input {input.shape}, "
                         f"output_size {output_size}")
    indices = argmax_indices(x._data, out_hw)
    out = AdaptiveMaxPool2d.apply(x, indices)
    if unbatched:
        out, indices = out.squeeze(0), indices[0]
    if return_indices:
        return out, Tensor._make(indices, None, False)
    return out


# ---------------------------------------------------------------------- interpolation

_MODES = ("nearest", "linear", "bilinear")


def _per_dim(value: Any, n: int, name: str) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(
                f"Input and {name} must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {n} and {name} of {list(value)}. Please provide input tensor in (N, C, d1, d2, "
                f"...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        return tuple(value)
    return (value,) * n


def interpolate(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) by ``size`` or ``scale_factor``: 'nearest', 'linear' (3-D) or
    'bilinear' (4-D), with PyTorch's source-index formulas (``align_corners`` for the linear modes)."""
    op = "interpolate"
    _float(input, op, NotImplementedError)
    if mode not in _MODES:
        raise NotImplementedError(
            f"Input Error: interpolate supports modes {', '.join(_MODES)} here, got mode {mode!r}"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    spatial = input.ndim - 2
    if spatial not in (1, 2):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors supported here (got {input.ndim}D) for the modes: {mode}"
        )
    if mode == "bilinear" and spatial != 2:
        raise NotImplementedError(f"Got {input.ndim}D input, but bilinear mode needs 4D input")
    if mode == "linear" and spatial != 1:
        raise NotImplementedError(f"Got {input.ndim}D input, but linear mode needs 3D input")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    in_sizes = input.shape[2:]
    if size is not None:
        sizes = tuple(int(s) for s in _per_dim(size, spatial, "output size"))
        scales: tuple[float | None, ...] = (None,) * spatial
    else:
        factors = tuple(float(s) for s in _per_dim(scale_factor, spatial, "scale_factor"))
        sizes = tuple(int(math.floor(n * s)) for n, s in zip(in_sizes, factors))
        scales = (None,) * spatial if recompute_scale_factor else factors
    if any(s <= 0 for s in sizes):
        raise ValueError(f"{op}: output sizes must be positive, got {sizes} for input {input.shape}")
    corners = bool(align_corners)
    maps = []
    for axis, (n_in, n_out, scale) in enumerate(zip(in_sizes, sizes, scales), start=2):
        if mode == "nearest":
            maps.append((axis, resample.nearest_matrix(n_in, n_out, scale)))
        else:
            maps.append((axis, resample.linear_matrix(n_in, n_out, corners, scale)))
    fn = {"nearest": resample.UpsampleNearest2d, "linear": resample.UpsampleLinear1d,
          "bilinear": resample.UpsampleBilinear2d}[mode]
    return resample.maps_for(fn, input, maps)


# ---------------------------------------------------------------------- padding

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad with (left, right) pairs from the last dimension, as ``torch.nn.functional.pad``.

    'constant' fills with ``value`` (0 by default); 'reflect' mirrors without repeating the edge (each
    width below the dimension's size); 'replicate' repeats the edge; 'circular' wraps around. The three
    non-constant modes pad the last 1, 2 or 3 dimensions of a 2-3-D, 3-4-D or 4-5-D input.
    """
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return constant_pad(input, pad, 0.0 if value is None else value)
    _float(input, "pad")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    maps = []
    for i in range(k):
        axis = input.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        n = input.shape[axis]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(
                "Padding size should be less than the corresponding input dimension, but got: padding "
                f"({before}, {after}) at dimension {axis} of input {list(input.shape)}"
            )
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n == 0:
            raise RuntimeError(f"pad: input dimension {axis} is empty (input {list(input.shape)}); nothing to {mode}")
        if n + before + after < 0:
            raise RuntimeError(f"pad: padding ({before}, {after}) removes more than dimension {axis}'s {n} entries")
        maps.append((axis, resample.pad_matrix(n, before, after, mode)))
    fn = {"reflect": resample.ReflectionPad, "replicate": resample.ReplicationPad,
          "circular": resample.CircularPad}[mode]
    return resample.maps_for(fn, input, maps)
