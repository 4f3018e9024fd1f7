"""The loss functions of ``tinygrad_cnn.functional``, with PyTorch's signatures and semantics.

Each loss is a composition of differentiable ops (``log_softmax``, ``log_sigmoid``, indexing, ``where``),
so its gradient is what autodiff derives, it differentiates again (double backward), and the derivation
view shows the textbook chain (∂E/∂O = −(y' − O) for the squared error). Class weights, ``pos_weight``
and masks are constants of the graph, as in PyTorch.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .ops.elementwise import BinaryCrossEntropy, check_broadcast, where
from .ops.logsigmoid import LogSigmoid
from .tensor import Tensor

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "nll_loss",
    "cross_entropy",
    "kl_div",
    "logsigmoid",
]

_REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------------- shared checks


def _tensor(x: Any, op: str, arg: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected {arg} to be a Tensor, got {type(x).__name__}")
    return x


def _reduction(op: str, size_average: bool | None, reduce: bool | None, reduction: str,
               allowed: tuple[str, ...] = _REDUCTIONS) -> str:
    """The reduction to apply; PyTorch's legacy ``size_average``/``reduce`` flags override it, with its warning."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                      UserWarning, stacklevel=3)
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected one of {allowed})")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _constant(x: Any, like: Tensor) -> Tensor:
    """Weights and masks: a Tensor as given, anything else a constant in ``like``'s dtype."""
    if isinstance(x, Tensor):
        return x
    return Tensor._make(np.asarray(x, dtype=like._data.dtype), None, False)


def _target(op: str, input: Tensor, target: Any) -> Tensor:  # noqa: A002
    """A target of the input's shape (a NumPy array or list becomes a constant in the input's dtype)."""
    target = target if isinstance(target, Tensor) else Tensor._make(np.asarray(target, dtype=input.dtype), None, False)
    if target.shape != input.shape:
        shape = check_broadcast(op, input.shape, target.shape)
        if shape != input.shape:
            raise ValueError(
                f"{op}: target shape {target.shape} does not match input shape {input.shape} "
                "(broadcasting would change the loss; reshape one of them)"
            )
    return target


def _weighted(loss: Tensor, weight: Any) -> Tensor:
    return loss if weight is None else loss * _constant(weight, loss)


def _weighted_mean_by_weights(op: str, loss: Tensor, weight: Any, reduction: str) -> Tensor:
    """PyTorch's element-weighted l1/mse: 'mean' is Σ w·ℓ / Σ w (a weighted average)."""
    if weight is None:
        return _reduce(loss, reduction)
    w = _constant(weight, loss)
    if w.shape != loss.shape:
        raise ValueError(f"{op}: Weights and input must have the same size, got {w.shape} and {loss.shape}")
    weighted = loss * w
    return weighted.sum() / w.sum() if reduction == "mean" else _reduce(weighted, reduction)


# ---------------------------------------------------------------------- regression


def mse_loss(
    input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean", weight: Tensor | None = None,
) -> Tensor:
    """Squared error (input − target)², then reduced; with element ``weight`` w, 'mean' is Σ w·ℓ / Σ w."""
    _tensor(input, "mse_loss", "input")
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    diff = input - _target("mse_loss", input, target)
    return _weighted_mean_by_weights("mse_loss", diff * diff, weight, reduction)


def l1_loss(
    input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean", weight: Tensor | None = None,
) -> Tensor:
    """Absolute error |input − target| (gradient 0 where they are equal, as PyTorch), then reduced; with
    element ``weight`` w, 'mean' is Σ w·ℓ / Σ w."""
    _tensor(input, "l1_loss", "input")
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    diff = input - _target("l1_loss", input, target)
    return _weighted_mean_by_weights("l1_loss", diff.abs(), weight, reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean", beta: float = 1.0,
) -> Tensor:
    """0.5 d² / β where |d| < β, else |d| − 0.5 β (d = input − target); β = 0 is the L1 loss."""
    _tensor(input, "smooth_l1_loss", "input")
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    diff = input - _target("smooth_l1_loss", input, target)
    a = diff.abs()
    if beta == 0:
        return _reduce(a, reduction)
    inside = Tensor._make(a._data < beta, None, False)
    return _reduce(where(inside, diff * diff * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(
    input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 d² where |d| < δ, else δ (|d| − 0.5 δ): smooth_l1_loss scaled by δ = β; with element ``weight``
    w, 'mean' is the mean of w·ℓ (PyTorch's rule, unlike l1/mse's weighted average)."""
    _tensor(input, "huber_loss", "input")
    reduction = _reduction("huber_loss", None, None, reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    diff = input - _target("huber_loss", input, target)
    a = diff.abs()
    inside = Tensor._make(a._data < delta, None, False)
    loss = where(inside, diff * diff * 0.5, (a - 0.5 * delta) * delta)
    if weight is not None and _constant(weight, loss).shape != loss.shape:
        raise ValueError(f"huber_loss: Weights and input must have the same size, got {weight.shape} and {loss.shape}")
    return _reduce(_weighted(loss, weight), reduction)


# ---------------------------------------------------------------------- binary classification


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log σ(x), computed stably (PyTorch's ``F.logsigmoid``)."""
    _tensor(input, "logsigmoid", "input")
    return LogSigmoid.apply(input)


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
    reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """−w [t log x + (1 − t) log(1 − x)] of probabilities ``input``, each log clamped at −100 as PyTorch."""
    _tensor(input, "binary_cross_entropy", "input")
    reduction = _reduction("binary_cross_entropy", size_average, reduce, reduction)
    target = _target("binary_cross_entropy", input, target)
    if input._data.size and (np.nanmin(input._data) < 0 or np.nanmax(input._data) > 1):
        raise ValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (probabilities, "
            f"e.g. after sigmoid); got values in [{input._data.min():.4g}, {input._data.max():.4g}]"
        )
    if target.shape != input.shape:
        target = target.expand(input.shape)
    return _reduce(_weighted(BinaryCrossEntropy.apply(input, target), weight), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
    reduce: bool | None = None, reduction: str = "mean", pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid and binary cross-entropy in one stable step, on logits x:

    ℓ = w [(1 − t) x − (1 + (p − 1) t) log σ(x)], p = ``pos_weight`` (per class, broadcast over the last
    dimension) weighting the positive term; equal to −w [p t log σ(x) + (1 − t) log σ(−x)].
    """
    _tensor(input, "binary_cross_entropy_with_logits", "input")
    reduction = _reduction("binary_cross_entropy_with_logits", size_average, reduce, reduction)
    if isinstance(target, Tensor) and target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    target = _target("binary_cross_entropy_with_logits", input, target)
    log_sig = LogSigmoid.apply(input)
    if pos_weight is not None:
        p = _constant(pos_weight, input)
        check_broadcast("binary_cross_entropy_with_logits (pos_weight)", input.shape, p.shape)
        log_sig = log_sig * ((p - 1) * target + 1)
    loss = (1 - target) * input - log_sig
    return _reduce(_weighted(loss, weight), reduction)


# ---------------------------------------------------------------------- multi-class


class TargetOutOfBoundsError(IndexError, ValueError):
    """A class index outside [0, C): PyTorch raises IndexError; it is a ValueError too (bad input)."""


def _class_weight(op: str, weight: Any, c: int, like: Tensor) -> np.ndarray:
    if weight is None:
        return np.ones(c, dtype=like.dtype)
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=like.dtype)
    if w.shape != (c,):
        raise ValueError(f"{op}: weight must have shape ({c},), one per class, or be None; got {w.shape}")
    return w


def _class_targets(op: str, input: Tensor, target: Any, ignore_index: int) -> tuple[np.ndarray, np.ndarray]:  # noqa: A002
    """Checked class indices (N, d1, ...) and the mask of those not ignored."""
    t = np.asarray(target._data if isinstance(target, Tensor) else target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices (int64), got dtype {t.dtype}")
    n, c = input.shape[0], input.shape[1]
    if t.ndim == 0 or t.shape[0] != n:
        got = t.shape[0] if t.ndim else "a scalar"
        raise ValueError(
            f"Expected input batch_size ({n}) to match target batch_size ({got}): {op} input {input.shape} "
            f"needs target of shape {(n,) + input.shape[2:]}, got {t.shape}"
        )
    if t.shape != (n,) + input.shape[2:]:
        raise RuntimeError(f"{op}: expected target of shape {(n,) + input.shape[2:]} for input {input.shape}, "
                           f"got {t.shape}")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise TargetOutOfBoundsError(f"{op}: Target {t[bad].ravel()[0]} is out of bounds: expected class indices "
                                     f"in [0, {c - 1}], got {t[bad].ravel()[:5].tolist()}")
    return t, valid


def _batched(input: Tensor, target: Any) -> tuple[Tensor, Any, bool]:  # noqa: A002
    """(C,) with a scalar target is one sample: (1, C) and (1,)."""
    if input.ndim != 1:
        return input, target, False
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if isinstance(target, Tensor) and t.dtype.kind == "f":
        return input.unsqueeze(0), target.unsqueeze(0), True
    return input.unsqueeze(0), np.asarray(t).reshape((1,) + np.shape(t)), True


def _nll(input: Tensor, target: Any, weight: Any, ignore_index: int, reduction: str,  # noqa: A002
         op: str) -> tuple[Tensor, np.ndarray, np.ndarray, np.ndarray]:
    """The weighted negative log-likelihood of batched log-probabilities (N, C, d...), plus the targets,
    their mask and the per-element weights w[t]·mask that a mean divides by."""
    if input.ndim < 2:
        raise ValueError(f"{op}: expected input (N, C) or (N, C, d1, ...), got {input.shape}")
    c = input.shape[1]
    t, valid = _class_targets(op, input, target, ignore_index)
    w = _class_weight(op, weight, c, input)
    safe = np.where(valid, t, 0)
    per_w = w[safe] * valid  # (N, d...)
    # pick log p[n, t[n, ...], ...] with one integer-array index over every dimension
    if safe.ndim == 1:  # (N, C): the common case
        index = (np.arange(safe.shape[0]), safe)
    else:
        index = list(np.indices(safe.shape, sparse=True))
        index.insert(1, safe)
    picked = input[tuple(index)]
    losses = -picked * Tensor._make(per_w.astype(input.dtype), None, False)
    if reduction == "mean":
        out = losses.sum() / float(per_w.sum())
    elif reduction == "sum":
        out = losses.sum()
    else:
        out = losses
    return out, t, valid, per_w


def nll_loss(
    input: Tensor, target: Any, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
    ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
) -> Tensor:
    """−w[t] · input[n, t] for log-probabilities ``input`` (N, C[, d1, ...]) and class indices ``target``
    (N[, d1, ...]); 'mean' divides by the sum of the weights of the targets not ignored (as PyTorch)."""
    _tensor(input, "nll_loss", "input")
    reduction = _reduction("nll_loss", size_average, reduce, reduction)
    input, target, unbatched = _batched(input, target)  # noqa: A001
    out = _nll(input, target, weight, ignore_index, reduction, "nll_loss")[0]
    return out.reshape(()) if unbatched and reduction == "none" else out


def cross_entropy(
    input: Tensor, target: Any, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
    ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0,
) -> Tensor:
    """``log_softmax`` over the class dimension, then the negative log-likelihood of ``target``.

    ``target`` holds class indices (N[, d1, ...]) or class probabilities of the input's shape. With
    ``label_smoothing`` ε the target becomes (1 − ε)·target + ε/C: for class indices that is
    (1 − ε)·nll + ε/C · Σ_c −w_c log p_c, averaged as ``nll_loss`` averages.
    """
    op = "cross_entropy"
    _tensor(input, op, "input")
    reduction = _reduction(op, size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    input, target, unbatched = _batched(input, target)  # noqa: A001
    if input.ndim < 2:
        raise ValueError(f"{op}: expected input (C,), (N, C) or (N, C, d1, ...), got {input.shape}")
    c = input.shape[1]
    logp = input.log_softmax(1)
    target_arr = target._data if isinstance(target, Tensor) else np.asarray(target)
    wshape = (1, c) + (1,) * (input.ndim - 2)
    if target_arr.dtype.kind == "f":  # class probabilities
        if target_arr.shape != input.shape:
            raise ValueError(
                f"{op}: probability targets must match input {input.shape}, got {target_arr.shape}"
            )
        t = target
        if not isinstance(t, Tensor):
            t = Tensor._make(target_arr.astype(input.dtype, copy=False), None, False)
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / c
        per = logp * t
        if weight is not None:
            per = per * Tensor._make(_class_weight(op, weight, c, input).reshape(wshape), None, False)
        if reduction == "mean":
            out = -per.sum() / float(input._data.size // c) if input._data.size else -per.sum() * float("nan")
        elif reduction == "sum":
            out = -per.sum()
        else:
            out = -per.sum(1)
        return out.reshape(()) if unbatched and reduction == "none" else out
    nll, t, valid, per_w = _nll(logp, target_arr, weight, ignore_index, reduction, op)
    if label_smoothing > 0:
        w = _class_weight(op, weight, c, input)
        smooth = -(logp * Tensor._make(w.reshape(wshape), None, False)).sum(1)
        smooth = smooth * Tensor._make(valid.astype(input.dtype), None, False)
        if reduction == "mean":
            smooth = smooth.sum() / float(per_w.sum())
        elif reduction == "sum":
            smooth = smooth.sum()
        nll = nll * (1 - label_smoothing) + smooth * (label_smoothing / c)
    return nll.reshape(()) if unbatched and reduction == "none" else nll


# ---------------------------------------------------------------------- distributions


def kl_div(
    input: Tensor, target: Any, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
    reduction: str = "mean", log_target: bool = False,
) -> Tensor:
    """Kullback–Leibler divergence with ``input`` = log q: t (log t − input) (0 where t = 0), or
    eᵗ (t − input) when ``log_target``. 'batchmean' divides the sum by the batch size, which is the
    mathematical KL divergence; 'mean' divides by the number of elements (PyTorch warns about it)."""
    op = "kl_div"
    _tensor(input, op, "input")
    reduction = _reduction(op, size_average, reduce, reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size. "
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition. "
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning, stacklevel=2,
        )
    target = _target(op, input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = Tensor._make(target._data > 0, None, False)
        safe = where(positive, target, 1.0)
        t_log_t = where(positive, target * safe.log(), 0.0)
        if (target._data < 0).any():  # not a probability: NaN there, as PyTorch's xlogy gives
            t_log_t = where(Tensor._make(target._data < 0, None, False), float("nan"), t_log_t)
        loss = t_log_t - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
