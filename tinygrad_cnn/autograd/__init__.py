"""Autograd: grad modes, ``Function`` and its graph ``Node``, and the engine that walks the graph.

- ``grad_mode``: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``, ``detect_anomaly``
  (per thread);
- ``function``: ``Function``, the ``Node`` that is its ``ctx`` and ``grad_fn``, saved tensors and
  their version checks, ``next_functions``;
- ``engine``: ``backward``, ``grad`` and ``register_gradient_callback``;
- ``variable``: PyTorch's legacy ``Variable``.

``docs/engine.md`` explains the walk. This package sits above ``tensor.py`` (as ``ops/`` does): it
imports ``Tensor`` at the top of its modules, and ``tensor.py`` imports it at its end, after the class.
So ``tensor`` is imported first (``tinygrad_cnn/__init__.py`` does so on its first line); nothing is
injected into this package from outside.
"""

from .engine import _broadcastable_to, backward, grad, register_gradient_callback  # noqa: F401
from .function import AccumulateGrad, Function, Node, _HookHandle  # noqa: F401
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .variable import Variable

__all__ = [
    "Function",
    "Node",
    "AccumulateGrad",
    "Variable",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "backward",
    "grad",
    "register_gradient_callback",
]


def __getattr__(name: str) -> object:
    """``tc.autograd.gradcheck`` / ``gradgradcheck``, as ``torch.autograd``'s; imported on first use
    (the checks are built on this package)."""
    if name in ("gradcheck", "gradgradcheck"):
        from .. import checks

        return getattr(checks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
