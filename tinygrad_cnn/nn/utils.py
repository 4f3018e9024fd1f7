"""``nn.utils``: gradient clipping and flattening parameters into one vector, as ``torch.nn.utils``.

Clipping rescales each ``p.grad`` in place (its array, then its version), so references to the
gradients stay valid, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor, cat

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(a: np.ndarray, norm_type: float) -> np.ndarray:
    """‖a‖_p over all elements (p = inf: max |a|; p = 0: the count of non-zeros), in ``a``'s dtype."""
    a = np.abs(a.ravel())
    if a.size == 0:
        return np.zeros((), dtype=a.dtype)
    if norm_type == math.inf:
        return a.max()
    if norm_type == -math.inf:
        return a.min()
    if norm_type == 0:
        return np.asarray(np.count_nonzero(a), dtype=a.dtype)
    if norm_type == 1:
        return a.sum()
    if norm_type == 2:
        return np.sqrt(np.dot(a, a))
    return np.sum(a**norm_type) ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    The norm is that of the per-parameter norms (as if all gradients were one vector); each gradient is
    multiplied by min(1, max_norm / (norm + 1e-6)). Returns the norm before clipping as a Tensor.
    """
    params = _as_list(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return Tensor._make(np.zeros((), dtype=np.float32), None, False)
    dtype = np.result_type(*[g._data.dtype for g in grads])
    norms = np.array([_vector_norm(g._data, norm_type) for g in grads], dtype=dtype)
    total = _vector_norm(norms, norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    coef = np.minimum(np.asarray(max_norm, dtype=dtype) / (total + np.asarray(1e-6, dtype=dtype)), 1.0).astype(dtype)
    for g in grads:
        g._data *= coef.astype(g._data.dtype)
        g._bump_version()
    return Tensor._make(np.asarray(total, dtype=dtype), None, False)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._bump_version()


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one (differentiable) vector."""
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: expected at least one parameter")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of ``parameters_to_vector``)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    params = _as_list(parameters)
    total = sum(p._data.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: expected a vector of {total} elements, got shape {vec.shape}")
    start = 0
    for p in params:
        n = p._data.size
        p._data[...] = vec._data[start:start + n].reshape(p._data.shape)
        p._bump_version()
        start += n
