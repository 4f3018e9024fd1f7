"""``Variable``: PyTorch's legacy wrapper, kept so that old programs run (it returns a Tensor)."""

from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)  # every Tensor is a Variable, as in PyTorch


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: a leaf Tensor sharing ``tensor``'s storage and version.

    As ``torch.autograd.Variable`` since PyTorch 0.4: the result is a plain Tensor (detached from any
    graph, as PyTorch's), and ``isinstance(t, Variable)`` holds for every Tensor. ``volatile`` has no
    effect and warns, as in PyTorch; use ``tc.no_grad()``.
    """

    def __new__(cls, data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # type: ignore[misc]
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with tc.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        return data.detach().requires_grad_(requires_grad)
