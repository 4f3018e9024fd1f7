"""``RMSprop``, ``Adagrad`` and ``Adadelta``: per-element step sizes from running squared gradients,
step for step as PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checks import check_cpu_options, check_range
from .optimizer import Optimizer, _state_tensor, _step_tensor, _zero_state, lerp_

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


class RMSprop(Optimizer):
    """v ← α v + (1 − α) g²; with ``centered`` also ḡ ← α ḡ + (1 − α) g and v̄ = v − ḡ², else v̄ = v;
    with momentum b ← μ b + g / (√v̄ + ε), p ← p − lr · b; without, p ← p − lr · g / (√v̄ + ε)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_range("learning rate", lr)
        check_range("epsilon value", eps)
        check_range("momentum value", momentum)
        check_range("weight_decay value", weight_decay)
        check_range("alpha value", alpha)
        check_cpu_options("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
        mu, centered = group["momentum"], group["centered"]
        buffers = ("square_avg",) + (("momentum_buffer",) if mu > 0 else ()) + (("grad_avg",) if centered else ())
        for p, g, state, _ in self._steps(group, lambda state, p: _zero_state(state, p, *buffers)):
            if wd != 0:
                g = g + wd * p._data
            v = state["square_avg"]._data
            v *= alpha
            v += (1 - alpha) * (g * g)
            if centered:
                gbar = state["grad_avg"]._data
                lerp_(gbar, g, 1 - alpha)
                avg = np.sqrt(v - gbar * gbar)
            else:
                avg = np.sqrt(v)
            avg += eps
            if mu > 0:
                buf = state["momentum_buffer"]._data
                buf *= mu
                buf += g / avg
                self._subtract(p, lr * buf)
            else:
                self._subtract(p, lr * (g / avg))


class Adagrad(Optimizer):
    """With t the step count: s ← s + g²; p ← p − lr / (1 + (t − 1)·lr_decay) · g / (√s + ε)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_range("learning rate", lr)
        check_range("lr_decay value", lr_decay)
        check_range("weight_decay value", weight_decay)
        check_range("initial_accumulator_value value", initial_accumulator_value)
        check_range("epsilon value", eps)
        check_cpu_options("Adagrad", differentiable=differentiable, fused=fused)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """As ``Optimizer.add_param_group``; the group's accumulators are created at once and start at
        ``initial_accumulator_value`` (PyTorch creates Adagrad's state eagerly)."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(p, group["initial_accumulator_value"])

    def _init_state(self, p: Any, initial: float) -> None:
        state = self.state[p]
        if not state:
            state["step"] = _step_tensor()
            state["sum"] = _state_tensor(np.full_like(p._data, initial))

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps, wd = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        initial = group["initial_accumulator_value"]
        for p, g, state, t in self._steps(group, lambda state, p: self._init_state(p, initial)):
            if wd != 0:
                g = g + wd * p._data
            clr = lr / (1 + (t - 1) * lr_decay)
            s = state["sum"]._data
            s += g * g
            self._subtract(p, clr * (g / (np.sqrt(s) + eps)))


class Adadelta(Optimizer):
    """v ← ρ v + (1 − ρ) g²; Δ = √(u + ε) / √(v + ε) · g; u ← ρ u + (1 − ρ) Δ²; p ← p − lr · Δ."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_range("learning rate", lr)
        check_range("rho value", rho, 0.0, 1.0)
        check_range("epsilon value", eps)
        check_range("weight_decay value", weight_decay)
        check_cpu_options("Adadelta", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        for p, g, state, _ in self._steps(group, lambda state, p: _zero_state(state, p, "square_avg", "acc_delta")):
            if wd != 0:
                g = g + wd * p._data
            v, u = state["square_avg"]._data, state["acc_delta"]._data
            v *= rho
            v += (1 - rho) * (g * g)
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u *= rho
            u += (1 - rho) * (delta * delta)
            self._subtract(p, lr * delta)
