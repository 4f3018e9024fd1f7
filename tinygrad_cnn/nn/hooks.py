"""Forward hooks on modules, as PyTorch's ``register_forward_pre_hook`` / ``register_forward_hook``:
read or replace a layer's input or output without editing the model (feature extraction, Grad-CAM)."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle", "call_with_hooks"]

_ids = itertools.count()


class RemovableHandle:
    """What registering a hook returns: ``handle.remove()`` unregisters it (also as a context manager)."""

    def __init__(self, registry: OrderedDict[int, Any]) -> None:
        self._registry = registry
        self.id = next(_ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def add_hook(registry: OrderedDict[int, Any], hook: Callable, with_kwargs: bool, prepend: bool) -> RemovableHandle:
    """Store ``hook`` in ``registry`` (first if ``prepend``) and return its handle."""
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(registry)
    registry[handle.id] = (hook, with_kwargs)
    if prepend:
        registry.move_to_end(handle.id, last=False)
    return handle


def call_with_hooks(module: Any, pre: OrderedDict[int, Any], post: OrderedDict[int, Any],
                    args: tuple, kwargs: dict[str, Any]) -> Any:
    """Run the pre-hooks (each may replace the positional inputs, or with kwargs both), ``forward``, then
    the forward hooks (each may replace the output)."""
    for hook, with_kwargs in list(pre.values()):
        if with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        "forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                        f"but got {result!r}"
                    )
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    out = module.forward(*args, **kwargs)
    for hook, with_kwargs in list(post.values()):
        result = hook(module, args, kwargs, out) if with_kwargs else hook(module, args, out)
        if result is not None:
            out = result
    return out
