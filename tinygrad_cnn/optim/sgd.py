"""``SGD``: stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_cpu_options, check_range
from .optimizer import Optimizer, _state_tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """For each parameter p with gradient g (−g when ``maximize``), as ``torch.optim.SGD``:

    g ← g + λ p;  b ← g at the first step, then b ← μ b + (1 − τ) g;
    g ← g + μ b (Nesterov) or g ← b;  p ← p − lr · g.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_range("learning rate", lr)
        check_range("momentum value", momentum)
        check_range("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_cpu_options("SGD", differentiable=differentiable, fused=fused)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        for p, g in self._params_with_grad(group):
            if maximize:
                g = -g
            if wd != 0:
                g = g + wd * p._data
            if mu != 0:
                state = self.state[p]  # only momentum needs state (PyTorch's SGD keeps none without it)
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = _state_tensor(np.array(g, copy=True))
                else:
                    buf._data *= mu
                    buf._data += (1 - tau) * g
                g = g + mu * buf._data if nesterov else buf._data
            self._subtract(p, lr * g)
