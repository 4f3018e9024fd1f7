"""``optim``: SGD and Adam with PyTorch's update rules, step for step; ``optim.lr_scheduler.StepLR``.

Updates happen in place on ``p._data`` (the parameter's own NumPy array) with NumPy, so an optimizer
step records nothing in the graph and allocates only its state buffers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "lr_scheduler", "StepLR"]


class Optimizer:
    """Base class: holds ``param_groups`` (each a dict with its ``params`` and hyper-parameters) and ``state``."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("optimizer: params must be an iterable of Tensors (e.g. model.parameters()), got a Tensor")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        group = dict(group)
        ps = group["params"]
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        for i, p in enumerate(ps):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(f"optimizer: can't optimize a non-leaf Tensor (parameter {i}, shape {p.shape})")
        group["params"] = ps
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to None (PyTorch's default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = Tensor._make(np.zeros_like(p._data), None, False)

    def _grads(self, group: dict[str, Any]) -> Iterable[tuple[Tensor, np.ndarray, dict[str, Any]]]:
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if g.shape != p._data.shape:
                raise RuntimeError(f"optimizer: gradient of shape {g.shape} for a parameter of shape {p._data.shape}")
            yield p, g, self.state.setdefault(id(p), {})

    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters and per-parameter state, indexed by parameter position (as PyTorch)."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[k]: {n: (v.copy() if isinstance(v, np.ndarray) else v) for n, v in s.items()}
                 for k, s in self.state.items() if k in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the state has {len(groups)} parameter group(s), "
                f"the optimizer {len(self.param_groups)}"
            )
        by_index = {}
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("load_state_dict: a parameter group's size does not match the optimizer's")
            for p, i in zip(mine["params"], theirs["params"]):
                by_index[i] = p
            mine.update({k: v for k, v in theirs.items() if k != "params"})
        self.state = {}
        for i, s in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[id(p)] = {n: (np.array(v, dtype=p._data.dtype) if isinstance(v, np.ndarray) else v)
                                 for n, v in s.items()}

    def step(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's momentum: for each parameter p with gradient g,

    g ← g + λ p (weight decay); b ← μ b + (1 − τ) g (b = g at the first step);
    g ← g + μ b (Nesterov) or g ← b; p ← p − lr g.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        if lr < 0:
            raise ValueError(f"SGD: invalid learning rate {lr}")
        if momentum < 0:
            raise ValueError(f"SGD: invalid momentum {momentum}")
        if weight_decay < 0:
            raise ValueError(f"SGD: invalid weight_decay {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def step(self) -> None:
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p, g, state in self._grads(group):
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p._data
                if mu != 0:
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(g, dtype=p._data.dtype, copy=True)
                    else:
                        buf *= mu
                        buf += (1 - tau) * g
                    g = g + mu * buf if nesterov else buf
                p._data -= (lr * g).astype(p._data.dtype, copy=False)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) exactly as PyTorch: with t the step count,

    g ← g + λ p; m ← β₁ m + (1 − β₁) g; v ← β₂ v + (1 − β₂) g²;
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
        maximize: bool = False,
    ) -> None:
        if lr < 0:
            raise ValueError(f"Adam: invalid learning rate {lr}")
        if eps < 0:
            raise ValueError(f"Adam: invalid epsilon {eps}")
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"Adam: invalid betas {betas} (each must be in [0, 1))")
        if weight_decay < 0:
            raise ValueError(f"Adam: invalid weight_decay {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self) -> None:
        for group in self.param_groups:
            lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            for p, g, state in self._grads(group):
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p._data
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p._data)
                    state["exp_avg_sq"] = np.zeros_like(p._data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(p._data)
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * (g * g)
                bias1 = 1 - b1**t
                bias2_sqrt = math.sqrt(1 - b2**t)
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]
                    np.maximum(vmax, v, out=vmax)
                    denom = np.sqrt(vmax) / bias2_sqrt + eps
                else:
                    denom = np.sqrt(v) / bias2_sqrt + eps
                p._data -= ((lr / bias1) * (m / denom)).astype(p._data.dtype, copy=False)


from . import lr_scheduler  # noqa: E402 - the submodule needs Optimizer above
from .lr_scheduler import StepLR  # noqa: E402
