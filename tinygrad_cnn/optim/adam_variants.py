"""``Adamax``, ``NAdam`` and ``RAdam``: the Adam variants PyTorch ships, step for step as PyTorch's."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_cpu_options, check_range
from .optimizer import Optimizer, _state_tensor, _step_tensor, _zero_state, lerp_

__all__ = ["Adamax", "NAdam", "RAdam"]


def _check_adam_like(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    check_range("learning rate", lr)
    check_range("epsilon value", eps)
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} (expected 0 <= beta < 1)")
    check_range("weight_decay value", weight_decay)


def _start_nadam(state: dict[str, Any], p: Any) -> None:
    """NAdam's first state, in PyTorch's key order: step, mu_product, then the moments."""
    state["step"] = _step_tensor()
    state["mu_product"] = _state_tensor(np.array(1.0, dtype=np.float32))
    state["exp_avg"] = _state_tensor(np.zeros_like(p._data))
    state["exp_avg_sq"] = _state_tensor(np.zeros_like(p._data))


class Adamax(Optimizer):
    """Adam with the infinity norm (Kingma & Ba, 2015, §7.1):
    m ← β₁ m + (1 − β₁) g;  u ← max(β₂ u, |g| + ε);  p ← p − lr / (1 − β₁ᵗ) · m / u."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_adam_like(lr, betas, eps, weight_decay)
        check_cpu_options("Adamax", differentiable=differentiable, capturable=capturable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        for p, g, state, t in self._steps(group, lambda state, p: _zero_state(state, p, "exp_avg", "exp_inf")):
            if wd != 0:
                g = g + wd * p._data
            m, u = state["exp_avg"]._data, state["exp_inf"]._data
            lerp_(m, g, 1 - b1)
            u *= b2
            np.maximum(u, np.abs(g) + eps, out=u)
            self._subtract(p, lr / (1 - b1**t) * (m / u))


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016) and PyTorch's momentum schedule
    μ_t = β₁ (1 − ½ · 0.96^(t·ψ)), ψ = ``momentum_decay``; the running product of the μ is kept in float32
    as PyTorch keeps it."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_like(lr, betas, eps, weight_decay)
        check_range("momentum_decay value", momentum_decay)
        check_cpu_options("NAdam", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        psi = group["momentum_decay"]
        for p, g, state, t in self._steps(group, _start_nadam):
            bias2 = 1 - b2**t
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p._data *= 1 - lr * wd
                else:
                    g = g + wd * p._data
            mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            state["mu_product"]._data *= mu
            mu_product = float(state["mu_product"]._data)
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(m, g, 1 - b1)
            v *= b2
            v += (1 - b2) * (g * g)
            denom = np.sqrt(v / bias2) + eps
            p._data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
            self._subtract(p, (lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom))


class RAdam(Optimizer):
    """Adam with the variance of its adaptive step rectified (Liu et al., 2020): while the approximated
    SMA length ρ_t ≤ 5 the step is plain momentum, p ← p − lr · m̂; after, the Adam step times r_t."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_like(lr, betas, eps, weight_decay)
        check_cpu_options("RAdam", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        for p, g, state, t in self._steps(group, lambda state, p: _zero_state(state, p, "exp_avg", "exp_avg_sq")):
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    p._data *= 1 - lr * wd
                else:
                    g = g + wd * p._data
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(m, g, 1 - b1)
            v *= b2
            v += (1 - b2) * (g * g)
            bias1, bias2 = 1 - b1**t, 1 - b2**t
            m_hat = m / bias1
            rho_inf = 2 / (1 - b2) - 1
            rho_t = rho_inf - 2 * t * (b2**t) / bias2
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                adaptive = bias2**0.5 / (np.sqrt(v) + eps)
                self._subtract(p, m_hat * lr * adaptive * rect)
            else:
                self._subtract(p, m_hat * lr)
