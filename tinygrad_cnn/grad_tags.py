"""What each gradient is the gradient of, learned from the engine through a gradient callback.

Under ``create_graph=True`` the engine tells its registered callbacks of every gradient it computes
(``tc.autograd.register_gradient_callback``). The callback here notes, on the gradient tensor and on
the node that produced it, the target (a forward Node or a leaf Tensor) whose gradient it is; the
derivation view and ``make_dot`` read it back with ``grad_of``. The package registers it when it is
imported (it is a few lines, unlike the viewers it serves), so a gradient graph built before the viewers
are first used is labelled too.
"""

from __future__ import annotations

from typing import Any

from .autograd import register_gradient_callback
from .tensor import Tensor

__all__ = ["grad_of"]


def grad_of(x: Any) -> list[Any]:
    """The targets whose gradient ``x`` (a gradient Tensor, or the Node that produced one) is."""
    return x.__dict__.get("_grad_of", [])


def _tag(x: Any, target: Any) -> None:
    tags = x.__dict__.setdefault("_grad_of", [])
    if not any(t is target for t in tags):
        tags.append(target)


def _record(target: Any, g: Tensor) -> None:
    if g.grad_fn is not None:
        _tag(g.grad_fn, target)
    _tag(g, target)


_callback = register_gradient_callback(_record)
