"""``Module`` and ``Parameter``: PyTorch's containers for layers and their weights.

Sub-modules and parameters register themselves when assigned as attributes, so ``state_dict()``
produces PyTorch's keys (``"0.weight"``, ``"conv1.bias"``) and weights move between the frameworks unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..autograd.engine import zero_grads
from ..device import device as _device
from ..device import not_available, parse_to
from ..tensor import Tensor, _to_array
from .hooks import RemovableHandle, add_hook, call_with_hooks

__all__ = ["Module", "Parameter"]


class Parameter(Tensor):
    """A leaf Tensor that a ``Module`` registers as one of its weights (``requires_grad=True``)."""

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        if isinstance(data, Tensor):  # shares its array and keeps its dtype (an integer one cannot require grad)
            self._init_leaf(data._data, requires_grad)
        else:  # PyTorch wants a Tensor; an array or list is taken as ``_to_array`` says
            self._init_leaf(_to_array(data, None), requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model: override ``forward`` and assign sub-modules / parameters."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_path", None)
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(
                f"cannot assign {type(value).__name__} '{name}' before Module.__init__() call "
                "(call super().__init__() first in your module's __init__)"
            )
        if isinstance(value, Parameter):
            modules.pop(name, None)
            self.__dict__.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            self.__dict__.pop(name, None)
            modules[name] = value
            value._set_path(name if self._path is None else f"{self._path}.{name}")
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter '{name}' (nn.Parameter or None expected)"
                )
            params[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as child module '{name}' (Module or None expected)"
                )
            modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        else:
            object.__delattr__(self, name)

    def _set_path(self, path: str) -> None:
        """Record this module's attribute path (``"features.0"``): it names its output tensors."""
        object.__setattr__(self, "_path", path)
        for name, child in self._modules.items():
            if child is not None:
                child._set_path(f"{path}.{name}")

    def _check_new_name(self, kind: str, name: Any, registry: dict[str, Any]) -> None:
        """PyTorch's rules for a name to register: a non-empty string without dots, not another attribute."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None) under ``name``, as assigning ``self.<name> = param`` does."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created explicitly."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is not a parameter (BatchNorm's ``running_mean``): saved in ``state_dict``
        (unless ``persistent=False``), moved by ``to()``, never returned by ``parameters()``."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string, got {type(name).__name__}")
        if "." in name:
            raise KeyError("buffer name can't contain \".\"")
        if name == "":
            raise KeyError("buffer name can't be empty string \"\"")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as a child under ``name``, as ``self.<name> = module`` does."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        self._modules[name] = module
        if module is not None:
            module._set_path(name if self._path is None else f"{self._path}.{name}")

    register_module = add_module

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation: subclasses override it; call the module (``m(x)``), not ``forward``, to run it."""
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        pre, post = self.__dict__.get("_forward_pre_hooks"), self.__dict__.get("_forward_hooks")
        if pre or post:
            out = call_with_hooks(self, pre or OrderedDict(), post or OrderedDict(), args, kwargs)
        else:
            out = self.forward(*args, **kwargs)
        path = self._path
        if path is not None and isinstance(out, Tensor):
            node = out.grad_fn
            if node is not None and node._label is None:
                node._label = path
        return out

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each forward; a non-None result replaces the inputs.
        Returns a handle whose ``remove()`` unregisters it."""
        if "_forward_pre_hooks" not in self.__dict__:
            object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        return add_hook(self._forward_pre_hooks, hook, with_kwargs, prepend)

    def register_forward_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each forward; a non-None result replaces the output.
        Returns a handle whose ``remove()`` unregisters it."""
        if "_forward_hooks" not in self.__dict__:
            object.__setattr__(self, "_forward_hooks", OrderedDict())
        return add_hook(self._forward_hooks, hook, with_kwargs, prepend)

    # ------------------------------------------------------------------ traversal
    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs with dotted PyTorch names; a shared parameter is listed once
        (under its first name) unless ``remove_duplicate=False``."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, t in getattr(module, registry).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once (what an optimizer needs), in registration order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) pairs with dotted PyTorch names."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer once, in registration order."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct sub-module."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Every module in the tree, depth first, self first; a module reachable by two paths is listed
        once unless ``remove_duplicate=False`` (iterative: deep models are fine)."""
        memo = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if module in memo:
                continue
            if remove_duplicate:
                memo.add(module)
            yield name, module
            kids = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        """Every module in the tree, self first, each once."""
        for _, m in self.named_modules():
            yield m

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode here and, through each child's own ``train``, below (as PyTorch)."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {type(mode).__name__}")
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``): dropout off, batch norm on running statistics; returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient recording on or off for every parameter (freezing layers); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (PyTorch ≥ 2's default), or zero it in place, cut from any graph."""
        zero_grads(self.parameters(), set_to_none)

    # ------------------------------------------------------------------ lookup by dotted name
    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` (``"features.0"``; ``""`` is self)."""
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def _owner_of(self, target: str) -> tuple[Module, str]:
        """The submodule that holds the attribute at dotted path ``target``, and the attribute's name."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        return mod, name

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (``"features.0.weight"``)."""
        mod, name = self._owner_of(target)
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target`` (``"bn.running_mean"``)."""
        mod, name = self._owner_of(target)
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(mod, name)

    # ------------------------------------------------------------------ state
    def state_dict(
        self, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by PyTorch's keys; the values share storage with the module
        (detached, unless ``keep_vars``), as PyTorch's: copy them to keep a snapshot."""
        out = OrderedDict() if destination is None else destination
        for key, t in self._state_items():
            out[prefix + key] = t if keep_vars else t.detach()
        return out

    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        """Every (dotted name, parameter or persistent buffer) slot, shared modules under each of their names."""
        stack: list[tuple[str, Module]] = [("", self)]
        while stack:
            prefix, module = stack.pop()
            for name, p in module._parameters.items():
                if p is not None:
                    yield (f"{prefix}.{name}" if prefix else name), p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers_set:
                    yield (f"{prefix}.{name}" if prefix else name), b
            kids = [(f"{prefix}.{k}" if prefix else k, m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(kids))

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy arrays into the parameters, cast to each one's dtype.

        With ``strict=True`` any missing, unexpected or mis-shaped key raises a ``RuntimeError`` naming
        them all, and nothing is changed. Returns ``(missing_keys, unexpected_keys)`` as PyTorch's named tuple does.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a mapping of name -> array, got {type(state_dict).__name__}")
        own: dict[str, Tensor] = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        arrays: dict[str, np.ndarray] = {}
        for key, p in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = value._data if isinstance(value, Tensor) else value
            if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
                value = value.detach().cpu().numpy()
            try:
                arr = np.asarray(value)
            except (TypeError, ValueError):
                errors.append(f"{key}: could not read a numeric array from {type(value).__name__}")
                continue
            if arr.dtype.kind not in "biuf":
                errors.append(f"{key}: expected a numeric array, got dtype {arr.dtype}")
            elif arr.shape != p._data.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {arr.shape} from checkpoint, "
                    f"the shape in current model is {p._data.shape}"
                )
            else:
                arrays[key] = arr
        if strict:
            head = []
            if missing:
                head.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                head.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
            errors = head + errors
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors)
            )
        with no_grad():
            for key, arr in arrays.items():
                p = own[key]
                p._data[...] = arr.astype(p._data.dtype, copy=False)
                p._bump_version()
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ dtype
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``to(device)``, ``to(dtype)``, ``to(tensor)`` and ``to(device=, dtype=)``: convert
        every floating-point parameter (and its gradient) and buffer to the dtype, in place; returns self.
        The device must be the CPU (others raise, as a CPU-only PyTorch)."""
        _dev, d, _copy = parse_to("Module.to", args, kwargs)
        if d is None:
            return self
        if d.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={d}")
        for p in self.parameters():
            if p._data.dtype != d:
                p._data = p._data.astype(d)
                if p.grad is not None:
                    p.grad = Tensor._make(p.grad._data.astype(d), None, False)
        for b in self.buffers():
            if b._data.dtype.kind == "f" and b._data.dtype != d:
                b._data = b._data.astype(d)
        return self

    def float(self) -> Module:
        """Convert floating-point parameters and buffers to float32; returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Convert floating-point parameters and buffers to float64; returns self."""
        return self.to(np.float64)

    def cpu(self) -> Module:
        """The module itself: everything is already on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raise: this is a CPU-only framework (PyTorch's "not compiled with CUDA" error)."""
        raise not_available(_device("cuda"))

    def apply(self, fn: Any) -> Module:
        """Call ``fn(module)`` on every sub-module, then on self (as PyTorch)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The module's own settings for its ``repr`` (``in_features=2, ...``); override in layers."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))


class _IncompatibleKeys(tuple):
    """``(missing_keys, unexpected_keys)`` with names, as PyTorch's return value."""

    def __new__(cls, missing: list[str], unexpected: list[str]) -> _IncompatibleKeys:
        return super().__new__(cls, (missing, unexpected))

    @property
    def missing_keys(self) -> list[str]:
        return self[0]

    @property
    def unexpected_keys(self) -> list[str]:
        return self[1]

    def __repr__(self) -> str:
        if not self[0] and not self[1]:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self[0]}, unexpected_keys={self[1]})"
