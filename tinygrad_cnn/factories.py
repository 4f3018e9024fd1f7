"""Tensor factories with PyTorch's signatures: ``dtype=``, ``device=`` (CPU only), ``requires_grad=``,
``generator=`` on the random ones. The core constructors live in ``tensor.py``; these add the
arguments PyTorch programs pass and the factories they call (``eye``, ``linspace``, ``randint``, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import tensor as _t
from .device import check_device
from .dtypes import to_dtype
from .generator import numpy_rng
from .tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "zeros", "ones", "full", "empty", "eye", "arange", "linspace", "logspace",
    "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "full_like", "empty_like",
    "rand_like", "randn_like", "randint_like", "normal", "bernoulli", "multinomial",
]


def _np_dtype(dtype: Any, default: Any = None) -> np.dtype:
    if dtype is None:
        return np.dtype(default) if default is not None else _t.get_default_dtype()
    return to_dtype(dtype)


def _float_dtype(op: str, dtype: Any) -> np.dtype:
    d = _np_dtype(dtype)
    if d.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point dtype, got {d}")
    return d


def _made(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, None, False)
    if requires_grad:
        t.requires_grad = True  # raises for non-float dtypes, as PyTorch
    return t


def _size(op: str, size: Sequence[Any]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}: size must be a tuple of ints, got {tuple(size)!r}")
        if s < 0:
            raise RuntimeError(f"{op}: Dimension size must be non-negative, got size {list(size)}")
    return tuple(int(s) for s in size)


def as_array(x: Any) -> np.ndarray:
    """The NumPy array of a Tensor, or ``np.asarray`` of anything else."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def check_ndim(op: str, tensors: Sequence[Tensor], ndim: int) -> None:
    """Raise PyTorch's RuntimeError unless every tensor has ``ndim`` dimensions."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} for argument {i + 1}")
        if t.ndim != ndim:
            shapes = [tuple(x.shape) for x in tensors]
            raise RuntimeError(f"{op}: expected {ndim}-D tensors, got shapes {shapes}")


# ---------------------------------------------------------------------------- from data


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor owning a copy of ``data`` (``torch.tensor``); ``device`` must be the CPU."""
    check_device(device)
    return _t.tensor(data, dtype=dtype, requires_grad=requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor without a copy when it already is one (or an array of that dtype)."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return Tensor._make(data, None, False)
    return _t.tensor(data, dtype=dtype)


# ---------------------------------------------------------------------------- filled


def zeros(*size: Any, out: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (``torch.zeros``)."""
    check_device(device)
    return _made(np.zeros(_size("zeros", size), dtype=_np_dtype(dtype)), requires_grad)


def ones(*size: Any, out: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones (``torch.ones``)."""
    check_device(device)
    return _made(np.ones(_size("ones", size), dtype=_np_dtype(dtype)), requires_grad)


def _fill_dtype(fill_value: Any, dtype: Any) -> np.dtype:
    """``torch.full``'s inference: bool → bool, int → int64, float → the default dtype."""
    if dtype is not None:
        return np.dtype(dtype)
    if isinstance(fill_value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(fill_value, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return _t.get_default_dtype()


def full(size: Sequence[int], fill_value: Any, *, out: Any = None, dtype: Any = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (``torch.full``: the dtype follows the value when not given)."""
    check_device(device)
    shape = _size("full", (size,) if isinstance(size, (int, np.integer)) else tuple(size))
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _made(np.full(shape, value, dtype=_fill_dtype(fill_value, dtype)), requires_grad)


def empty(*size: Any, out: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, pin_memory: bool = False, memory_format: Any = None) -> Tensor:
    """An uninitialised tensor (``torch.empty``); here it holds zeros, so nothing is left to chance."""
    check_device(device)
    return _made(np.zeros(_size("empty", size), dtype=_np_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, out: Any = None, dtype: Any = None, layout: Any = None,
        device: Any = None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix (``torch.eye``; m defaults to n)."""
    check_device(device)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"eye: n must be a non-negative int, got {n!r}")
    if m is not None and (isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 0):
        raise RuntimeError(f"eye: m must be a non-negative int, got {m!r}")
    return _made(np.eye(int(n), None if m is None else int(m), dtype=_np_dtype(dtype)), requires_grad)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, out: Any = None, dtype: Any = None,
           layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``torch.arange``: integers give int64, any float the default dtype."""
    check_device(device)
    t = _t.arange(start, end, step, dtype=dtype)
    return _made(t._data, requires_grad)


def linspace(start: float, end: float, steps: int, *, out: Any = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (``torch.linspace``)."""
    check_device(device)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps!r}")
    d = _np_dtype(dtype)
    vals = np.linspace(float(_scalar(start)), float(_scalar(end)), int(steps), dtype=np.float64)
    return _made(vals.astype(d) if d.kind == "f" else np.trunc(vals).astype(d), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, out: Any = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)`` (``torch.logspace``)."""
    check_device(device)
    lin = linspace(start, end, steps, dtype=np.float64)._data
    return _made((float(base) ** lin).astype(_np_dtype(dtype)), requires_grad)


def _scalar(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


# ---------------------------------------------------------------------------- random


def rand(*size: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples in [0, 1) (``torch.rand``)."""
    check_device(device)
    d = _float_dtype("rand", dtype)
    return _made(numpy_rng(generator).random(_size("rand", size)).astype(d), requires_grad)


def randn(*size: Any, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples (``torch.randn``)."""
    check_device(device)
    d = _float_dtype("randn", dtype)
    return _made(numpy_rng(generator).standard_normal(_size("randn", size)).astype(d), requires_grad)


def randint(*args: Any, size: Any = None, generator: Any = None, out: Any = None, dtype: Any = None,
            layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) (``torch.randint(low=0, high, size)``); int64 unless ``dtype`` says otherwise."""
    check_device(device)
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)):
            raise TypeError("randint() missing required argument 'size' (a tuple, e.g. randint(10, (3,)))")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(f"randint() expects (high, size) or (low, high, size), got {len(args)} bounds")
    if not low < high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    shape = _size("randint", tuple(size))
    vals = numpy_rng(generator).integers(int(low), int(high), size=shape, dtype=np.int64)
    return _made(vals.astype(_np_dtype(dtype, np.int64)), requires_grad)


def randperm(n: int, *, generator: Any = None, out: Any = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1 (``torch.randperm``; int64)."""
    check_device(device)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"randperm: n must be a non-negative int, got {n!r}")
    return _made(numpy_rng(generator).permutation(int(n)).astype(_np_dtype(dtype, np.int64)), requires_grad)


# ---------------------------------------------------------------------------- *_like


def _like_dtype(t: Tensor, dtype: Any) -> np.dtype:
    return t.dtype if dtype is None else np.dtype(dtype)


def _check_like(op: str, t: Any) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(t).__name__}")
    return t


def zeros_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Zeros of ``input``'s shape and dtype."""
    t = _check_like("zeros_like", input)
    return zeros(t.shape, dtype=_like_dtype(t, dtype), device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Ones of ``input``'s shape and dtype."""
    t = _check_like("ones_like", input)
    return ones(t.shape, dtype=_like_dtype(t, dtype), device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """An uninitialised (here: zero) tensor of ``input``'s shape and dtype."""
    t = _check_like("empty_like", input)
    return empty(t.shape, dtype=_like_dtype(t, dtype), device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, layout: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``fill_value`` everywhere, in ``input``'s shape and dtype."""
    t = _check_like("full_like", input)
    return full(t.shape, fill_value, dtype=_like_dtype(t, dtype), device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, *, generator: Any = None, dtype: Any = None, layout: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Uniform [0, 1) samples of ``input``'s shape and (floating) dtype."""
    t = _check_like("rand_like", input)
    return rand(t.shape, generator=generator, dtype=_like_dtype(t, dtype), device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Any = None, dtype: Any = None, layout: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Standard normal samples of ``input``'s shape and (floating) dtype."""
    t = _check_like("randn_like", input)
    return randn(t.shape, generator=generator, dtype=_like_dtype(t, dtype), device=device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Any = None,  # noqa: A002
                 dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
                 memory_format: Any = None) -> Tensor:
    """Integers in [low, high) of ``input``'s shape and dtype (``randint_like(x, high)`` or ``(x, low, high)``)."""
    t = _check_like("randint_like", input)
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, generator=generator, dtype=_like_dtype(t, dtype), device=device,
                   requires_grad=requires_grad)



def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None, out: Any = None,
           dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples with ``mean`` and ``std`` (numbers or broadcasting tensors), as ``torch.normal``;
    with numbers, ``size`` gives the shape. The samples carry no gradient (PyTorch's is zero)."""
    check_device(device)
    m = mean._data if isinstance(mean, Tensor) else mean
    sd = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(sd) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(sd)}")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal(): size is only accepted with float mean and std")
        shape = np.broadcast_shapes(*[np.shape(v) for v in (m, sd)])
        d = _np_dtype(dtype, np.result_type(*[t.dtype for t in tensors]))
    else:
        if size is None:
            raise TypeError("normal(): with float mean and std, size is required")
        shape = _size("normal", (size,) if isinstance(size, (int, np.integer)) else tuple(size))
        d = _np_dtype(dtype)
    sample = m + sd * numpy_rng(generator).standard_normal(shape)
    return _made(np.asarray(sample).astype(d), requires_grad)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None,  # noqa: A002
              out: Any = None) -> Tensor:
    """0/1 samples, 1 with probability ``input`` (or ``p``), in ``input``'s dtype; no gradient (PyTorch's is zero)."""
    t = _check_like("bernoulli", input)
    probs = t._data if p is None else np.full(t.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: expected all probabilities in [0, 1]")
    draws = numpy_rng(generator).random(t.shape) < probs
    return _made(draws.astype(t.dtype), False)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Any = None, out: Any = None) -> Tensor:
    """int64 indices drawn in proportion to the (unnormalised) weights in each row of ``input`` (1-D or 2-D)."""
    t = _check_like("multinomial", input)
    if t.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {t.shape}")
    w = np.atleast_2d(t._data).astype(np.float64)
    if np.any(w < 0) or np.any(~np.isfinite(w)):
        raise RuntimeError("multinomial: invalid probability distribution (negative, inf or nan weights)")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got {num_samples}")
    rng = numpy_rng(generator)
    rows = []
    for row in w:
        total = row.sum()
        if total <= 0:
            raise RuntimeError("multinomial: invalid probability distribution (sum of probabilities <= 0)")
        if replacement:
            rows.append(rng.choice(len(row), size=num_samples, replace=True, p=row / total))
            continue
        if num_samples > len(row):
            raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        # without replacement: an exponential race (each category's arrival time E/w), zero weights last
        with np.errstate(divide="ignore"):
            arrival = np.where(row > 0, rng.exponential(size=len(row)) / row, np.inf)
        rows.append(np.lexsort((rng.random(len(row)), arrival))[:num_samples])
    out_arr = np.asarray(rows, dtype=np.int64)
    return _made(out_arr if t.ndim == 2 else out_arr[0], False)
