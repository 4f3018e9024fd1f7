"""``Adam`` and ``AdamW`` (Kingma & Ba, 2015; Loshchilov & Hutter, 2019), step for step as PyTorch."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_cpu_options, check_range
from .optimizer import Optimizer, _zero_state, lerp_

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """With t the step count and g the gradient (−g when ``maximize``):

    g ← g + λ p (or p ← (1 − lr·λ) p when ``decoupled_weight_decay``, which is AdamW);
    m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;  v̂ ← max(v̂, v) with ``amsgrad``;
    p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_range("learning rate", lr)
        check_range("epsilon value", eps)
        check_range("beta parameter at index 0", betas[0], 0.0, 1.0)
        check_range("beta parameter at index 1", betas[1], 0.0, 1.0)
        if not (betas[0] < 1 and betas[1] < 1):
            raise ValueError(f"Invalid beta parameter: betas {tuple(betas)} must each be in [0, 1)")
        check_range("weight_decay value", weight_decay)
        check_cpu_options(type(self).__name__, capturable=capturable, differentiable=differentiable, fused=fused)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad = group["weight_decay"], group["amsgrad"]
        decoupled = group.get("decoupled_weight_decay", False)
        moments = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        for p, g, state, t in self._steps(group, lambda state, p: _zero_state(state, p, *moments)):
            if wd != 0:
                if decoupled:
                    p._data *= 1 - lr * wd  # the version is bumped once, with the update below
                else:
                    g = g + wd * p._data
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(m, g, 1 - b1)
            v *= b2
            v += (1 - b2) * (g * g)
            step_size = lr / (1 - b1**t)
            bias2_sqrt = math.sqrt(1 - b2**t)
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._data
                np.maximum(vmax, v, out=vmax)
                denom = np.sqrt(vmax) / bias2_sqrt + eps
            else:
                denom = np.sqrt(v) / bias2_sqrt + eps
            self._subtract(p, step_size * (m / denom))


class AdamW(Adam):
    """Adam with decoupled weight decay: p ← (1 − lr·λ) p before the Adam step (default λ = 0.01)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
