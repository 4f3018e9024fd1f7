"""``nn.parallel`` as on a CPU-only PyTorch: ``DataParallel`` wraps a module and runs it unchanged (there is
no GPU to split the batch over), and ``data_parallel`` raises as PyTorch does without a GPU. Programs that
write ``import torch.nn.parallel`` or wrap their model in ``nn.DataParallel`` so run here unchanged."""

from __future__ import annotations

from typing import Any

from .module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``: on the CPU, ``forward`` calls
    ``module`` itself (``device_ids`` is ``[]``, as in PyTorch without a GPU); the wrapped module is
    ``.module``, so state_dict keys gain the ``module.`` prefix, as in PyTorch."""

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[int] = []
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module(*inputs, **kwargs)``."""
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                  module_kwargs: Any = None) -> Any:
    """PyTorch's functional ``DataParallel`` needs a GPU: without one it raises ``RuntimeError("device type
    could not be determined")``, and so does this CPU-only build."""
    raise RuntimeError("device type could not be determined")
