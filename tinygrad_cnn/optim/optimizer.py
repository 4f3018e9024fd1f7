"""``Optimizer``: the base class every optimizer shares, with PyTorch's ``param_groups``, ``state``,
``zero_grad``, ``step(closure)``, ``add_param_group`` and ``state_dict`` structure.

Each optimizer's ``step`` changes ``p._data`` in place and then calls ``p._bump_version()``, so a graph
that saved a parameter before the step refuses to backpropagate after it, as in PyTorch. Per-parameter
state holds Tensors (``state[p]["exp_avg"]``) and a float32 scalar ``"step"``, as PyTorch stores them.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..autograd.engine import zero_grads
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter with no default (PyTorch's ``optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _state_tensor(array: np.ndarray) -> Tensor:
    """Wrap an optimizer buffer as a Tensor that no graph records."""
    return Tensor._make(array, None, False)


def _step_tensor(value: float = 0.0) -> Tensor:
    """PyTorch keeps step counts as float32 scalar tensors."""
    return _state_tensor(np.array(value, dtype=np.float32))


def _zero_state(state: dict[str, Any], p: Tensor, *buffers: str) -> None:
    """Start a parameter's state as PyTorch does: ``step`` 0 first, then each named buffer as zeros like ``p``
    (the insertion order is the state dict's key order)."""
    state["step"] = _step_tensor()
    for name in buffers:
        state[name] = _state_tensor(np.zeros_like(p._data))


class Optimizer:
    """Base class: holds ``param_groups`` (each a dict with its ``params`` and hyper-parameters) and
    ``state`` (a ``defaultdict(dict)`` keyed by the parameter)."""

    _state_shaped_like_params = True  # per-element buffers (exp_avg, ...) that load_state_dict checks

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts "
                "(e.g. model.parameters()), but got a Tensor"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (the rest come from ``defaults``).

        Raises ``ValueError`` if a parameter is already in another group: it would be updated twice.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # model.named_parameters() gives (name, p)
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i}, shape {p.shape})")
        group = dict(param_group)
        group["params"] = params
        if names:
            group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                "an error", UserWarning, stacklevel=3,
            )
        for g in self.param_groups:
            if ("param_names" in group) != ("param_names" in g):
                raise ValueError(
                    "all optimizer param groups should be with/without names. cannot add param group "
                    f"{'with' if 'param_names' in group else 'without'} names to the optimizer"
                )
        present = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in present for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to None (PyTorch's default), or to zeros in place (cut from any graph)."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray]]:
        """(parameter, its gradient's array in the parameter's dtype) for each parameter of ``group`` that has
        a gradient."""
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if g.shape != p._data.shape:
                raise RuntimeError(
                    f"{type(self).__name__}: gradient of shape {g.shape} for a parameter of shape {p._data.shape}"
                )
            yield p, g.astype(p._data.dtype, copy=False)

    def _steps(self, group: dict[str, Any], start: Callable[[dict[str, Any], Tensor], None],
               ) -> Iterator[tuple[Tensor, np.ndarray, dict[str, Any], float]]:
        """One more step for each parameter of ``group`` with a gradient: (p, g, its state, the step count t).

        ``g`` is negated under ``maximize``; an empty state is first filled by ``start(state, p)``, which
        puts ``step`` first (``_zero_state``), as PyTorch's key order has it.
        """
        maximize = group.get("maximize", False)
        for p, g in self._params_with_grad(group):
            state = self.state[p]
            if maximize:
                g = -g
            if not state:
                start(state, p)
            state["step"]._data += 1
            yield p, g, state, float(state["step"]._data)

    @staticmethod
    def _subtract(p: Tensor, update: np.ndarray) -> None:
        """p ← p − update in the parameter's own array, and record the in-place change."""
        p._data -= update
        p._bump_version()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter with a gradient; re-evaluates the model first through
        ``closure`` (with grad enabled) if given, and returns the closure's loss."""
        self._opt_called = True  # lets a scheduler warn when it is stepped before the optimizer
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``, parameters numbered
        in group order, as PyTorch's. The state's Tensors are the optimizer's own (not copies), as PyTorch's."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load hyper-parameters and state saved by ``state_dict()`` (copied, cast to each parameter's
        dtype; step counts kept as saved), so training resumes exactly where it stopped."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict: expected a dict with keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups ({len(saved_groups)}) "
                f"than the optimizer ({len(self.param_groups)})"
            )
        for mine, theirs in zip(self.param_groups, saved_groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                    f"group ({len(theirs['params'])} vs {len(mine['params'])} parameters)"
                )
        by_index = {int(i): p for mine, theirs in zip(self.param_groups, saved_groups)
                    for p, i in zip(mine["params"], theirs["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, saved in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                state[key] = saved
                continue
            if self._state_shaped_like_params:
                state[p] = {name: _cast(p, name, value) for name, value in saved.items()}
            else:
                state[p] = {name: _copy_plain(value) for name, value in saved.items()}
        for mine, theirs in zip(self.param_groups, saved_groups):
            params, names = mine["params"], mine.get("param_names")
            mine.clear()
            mine.update({k: v for k, v in theirs.items() if k != "params"})
            mine["params"] = params
            if names is not None and "param_names" not in mine:
                mine["param_names"] = names
        self.state = state

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


_SCALAR_STATE = ("step", "mu_product")  # per-parameter counters, not per-element buffers


def _cast(p: Tensor, name: str, value: Any) -> Any:
    """A copy of one saved state entry: buffers as Tensors of the parameter's shape and dtype; the scalar
    counters (``step``, NAdam's ``mu_product``) keep their float32, so a resumed run continues bit for bit
    (PyTorch casts ``mu_product`` to the parameter's dtype on load, which perturbs NAdam after a resume)."""
    if value is None:
        return value
    if isinstance(value, (int, float)):  # a step count saved as a number (older PyTorch checkpoints)
        return _step_tensor(float(value)) if name in _SCALAR_STATE else value
    if hasattr(value, "detach") and hasattr(value, "cpu") and not isinstance(value, Tensor):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    if name in _SCALAR_STATE:
        return _state_tensor(np.array(arr, dtype=np.float32 if arr.dtype.kind != "f" else arr.dtype, copy=True))
    if arr.shape != p._data.shape:
        raise ValueError(
            f"load_state_dict: state '{name}' has shape {arr.shape} for a parameter of shape {p._data.shape}"
        )
    if arr.dtype.kind == "f" and p._data.dtype.kind == "f":
        arr = arr.astype(p._data.dtype)
    return _state_tensor(np.array(arr, copy=True))


def _copy_plain(value: Any) -> Any:
    """A deep copy of NumPy-held state (arrays, scalars, lists of them), Tensors turned into arrays."""
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_plain(v) for v in value)
    if hasattr(value, "detach") and hasattr(value, "cpu") and not isinstance(value, Tensor):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        return value.copy() if value.ndim else value[()]
    return value


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start += weight · (end − start)`` in place, computed as PyTorch's ``lerp_`` computes it."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)
