"""``F.embedding`` (``nn.Embedding`` calls it): row ``i`` of a (num_embeddings, embedding_dim) table for each
id ``i``, as PyTorch's (conditional GANs embed their class labels this way). The lookup is differentiable indexing
``weight[ids]``; ``padding_idx`` and ``scale_grad_by_freq`` only rescale the gradient of each looked-up row
(by 0, or by 1 / how often its id occurs in the batch) with ``v.detach() + (v - v.detach()) * s``, whose value
is ``v`` exactly."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd
from .tensor import Tensor

__all__ = ["embedding"]


def _check_ids(input: Any, num: int) -> np.ndarray:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"embedding(): argument 'indices' must be Tensor, not {type(input).__name__}")
    ids = input._data
    if ids.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    if ids.size and (ids.min() < 0 or ids.max() >= num):
        raise IndexError(f"index out of range in self (ids must be in [0, {num}), got values from {ids.min()} "
                         f"to {ids.max()})")
    return ids


def _renorm_(weight: Tensor, ids: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside the graph, the looked-up rows whose norm exceeds ``max_norm``."""
    rows = np.unique(ids)
    w = weight._data
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        weight._bump_version()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``weight[input]``: the rows of the 2-D ``weight`` for the int64/int32 ids ``input`` (any shape), as
    ``torch.nn.functional.embedding``. ``padding_idx``'s rows get no gradient; ``max_norm`` first renormalises
    the looked-up rows of ``weight`` in place; ``scale_grad_by_freq`` divides each row's gradient by how often
    its id occurs in ``input``. ``sparse=True`` (sparse gradients) is not provided."""
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not provided; use sparse=False")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= num
    ids = _check_ids(input, num)
    if max_norm is not None:
        _renorm_(weight, ids, float(max_norm), float(norm_type))
    out = weight[Tensor._make(ids.astype(np.int64), None, False)]
    if not (out.requires_grad and autograd.is_grad_enabled()):
        return out
    scale = None
    if scale_grad_by_freq:
        uniq, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
        scale = 1.0 / counts[inverse.reshape(ids.shape)]
    if padding_idx is not None and (ids == padding_idx).any():
        scale = np.where(ids == padding_idx, 0.0, 1.0 if scale is None else scale)
    if scale is None:
        return out
    s = Tensor._make(scale[..., None].astype(out.dtype), None, False)
    frozen = out.detach()
    return frozen + (out - frozen) * s
