"""Views: tensors that share their base's storage, as PyTorch's ``x[0]``, ``x.view(...)``, ``x.t()``.

A view remembers its root base (``_base``, never itself a view) and the chain of view ops that leads
from the base to it (``_view_steps``: ``(Function, args)`` pairs). It shares the base's version
counter, so an in-place change through either is seen by autograd's checks on both. When an in-place
op is recorded on a view or its base, the base takes a new ``grad_fn`` and every live view of it is
re-derived from that ``grad_fn`` by replaying its steps (PyTorch's "rebase"), so no view keeps a
stale graph.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..autograd import enable_grad, is_grad_enabled, no_grad

#: a base's list of weak references to its views is swept of dead ones when it grows past this
_SWEEP_AT = 32


def mark_view(out: Any, src: Any, step: tuple[Any, ...]) -> Any:
    """Make ``out`` (the result of view op ``step`` on ``src``) a view of ``src``'s root base.

    A result that NumPy had to copy (a reshape of a non-contiguous array) is not a view.
    """
    if not np.may_share_memory(out._data, src._data):
        return out
    base = src._base
    if base is None:
        base, steps = src, (step,)
    else:
        steps = src._view_steps + (step,)
    out._base = base
    out._view_steps = steps
    out._vc = base._version_counter
    if is_grad_enabled():
        views = base._views
        if views.__class__ is not list:
            views = base._views = []
        views.append(weakref.ref(out))
        if len(views) >= _SWEEP_AT and len(views) % _SWEEP_AT == 0:
            views[:] = [r for r in views if r() is not None]
    elif base._requires_grad:
        out._view_no_grad = True
    return out


def apply_steps(t: Any, steps: tuple[Any, ...]) -> Any:
    """Replay a view chain on ``t`` (recorded when grad mode is on, so it is differentiable)."""
    for fn, args in steps:
        t = fn.apply(t, *args)
    return t


def steps_mask(shape: tuple[int, ...], steps: tuple[Any, ...]) -> np.ndarray:
    """A boolean array of ``shape``: True on the elements the view chain selects."""
    from ..tensor import Tensor

    mask = np.zeros(shape, dtype=bool)
    with no_grad():
        view = apply_steps(Tensor._make(mask, None, False), steps)
    view._data[...] = True
    return mask


def regenerate(view: Any) -> None:
    """Give ``view`` the graph of its base's current ``grad_fn`` followed by its view chain."""
    base = view._base
    with enable_grad():
        out = apply_steps(base, view._view_steps)
    view.grad_fn = out.grad_fn
    view._requires_grad = out._requires_grad


def refresh_views(base: Any, skip: Any = None) -> None:
    """Re-derive every live view of ``base`` (created in grad mode) after ``base`` took a new ``grad_fn``."""
    views = base._views
    if views.__class__ is not list:
        return
    alive = []
    for ref in views:
        v = ref()
        if v is None:
            continue
        alive.append(ref)
        if v is not skip:
            regenerate(v)
    views[:] = alive



def reshape_to(a: Any, shape: tuple[int, ...]) -> Any:
    """For the library's own backward rules: ``a`` itself when it already has ``shape`` (no graph node),
    else ``a.reshape(shape)``. (A user's no-op reshape is a new tensor, as PyTorch's.)"""
    return a if a._data.shape == shape else a.reshape(shape)


def expand_to(a: Any, shape: tuple[int, ...]) -> Any:
    """``a`` itself when it already has ``shape``, else ``a.expand(shape)`` (for backward rules)."""
    return a if a._data.shape == shape else a.expand(shape)
