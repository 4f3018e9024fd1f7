"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``, ``ParameterDict``.

They register what they hold under PyTorch's names (``"0"``, ``"1"``, ... or the dict keys), so
``parameters()``, ``state_dict()`` (``"layers.0.weight"``), ``train()``/``eval()`` and ``to()`` reach
inside them exactly as in PyTorch.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from .module import Module, Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(idx: Any, n: int, container: str) -> int:
    """A valid non-negative position for ``idx`` in a container of ``n`` items (IndexError otherwise)."""
    try:
        i = operator.index(idx)
    except TypeError:
        raise TypeError(f"{container} indices must be integers or slices, not {type(idx).__name__}") from None
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of range for {container} of length {n}")
    return i % n


class _Renumbered(Module):
    """What Sequential and ModuleList share: modules registered under "0", "1", ... in order."""

    def _renumber(self, modules: Iterable[Module]) -> None:
        modules = list(modules)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return self._from_items(list(self._modules.items())[idx])
        return list(self._modules.values())[_index(idx, len(self), type(self).__name__)]

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index(idx, len(self), type(self).__name__)
        self.add_module(list(self._modules)[i], module)

    def __delitem__(self, idx: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[_index(idx, len(modules), type(self).__name__)]
        self._renumber(modules)

    def append(self, module: Module) -> Any:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        """Append each module of ``modules``; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, _Renumbered):
            raise TypeError(f"{type(self).__name__}.extend should be called with an iterable, but got a Module")
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (as ``list.insert``)."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, key: int | slice = -1) -> Module:
        """Remove and return the module at ``key`` (the last by default)."""
        v = self[key]
        del self[key]
        return v

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, type(self)):
            raise TypeError(f"add operator supports only objects of {type(self).__name__} class, "
                            f"but {type(other).__name__} is given")
        return self._from_items([(str(i), m) for i, m in enumerate(list(self) + list(other))])

    def __iadd__(self, other: Iterable[Module]) -> Any:
        return self.extend(other)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def _from_items(self, items: list[tuple[str, Module]]) -> Any:
        raise NotImplementedError


class Sequential(_Renumbered):
    """Modules called in order; built from modules (named "0", "1", ...) or an ``OrderedDict`` of names."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                if not isinstance(module, Module):
                    raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, not a Module")
                self.add_module(str(i), module)

    def _from_items(self, items: list[tuple[str, Module]]) -> Sequential:
        return type(self)(OrderedDict(items))

    def forward(self, input: Any) -> Any:  # noqa: A002
        """Call each module on the previous one's output."""
        out = input
        for module in self._modules.values():
            out = module(out)
        return out


class ModuleList(_Renumbered):
    """A list of modules, registered so their parameters belong to the parent (no ``forward``)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _from_items(self, items: list[tuple[str, Module]]) -> ModuleList:
        return type(self)([m for _, m in items])

    def __repr__(self) -> str:
        """As PyTorch's: runs of identical modules print once, as ``(0-2): 3 x Linear(...)``."""
        lines: list[str] = []
        reprs = [repr(m) for m in self]
        i = 0
        while i < len(reprs):
            j = i
            while j + 1 < len(reprs) and reprs[j + 1] == reprs[i]:
                j += 1
            body = reprs[i].replace("\n", "\n  ")
            lines.append(f"({i}): {body}" if i == j else f"({i}-{j}): {j - i + 1} x {body}")
            i = j + 1
        if not lines:
            return type(self).__name__ + "()"
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules, registered under their keys (no ``forward``)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """(key, module) pairs, in insertion order."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or an iterable of (key, module) pairs."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleDict):
            raise TypeError("ModuleDict.update should be called with an iterable of key/value pairs, but got a Module")
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for j, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"ModuleDict update sequence element #{j} should be a (key, module) pair, "
                                 f"got {pair!r}")
            self[pair[0]] = pair[1]


def _as_parameter(value: Any) -> Any:
    """Tensors that are not yet Parameters become Parameters, as PyTorch's parameter containers do."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value, requires_grad=value.requires_grad or value.dtype.kind == "f")
    return value


def _parameter_line(key: Any, p: Any) -> str:
    if isinstance(p, Tensor):
        size = "x".join(str(s) for s in p.shape)
        kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
        return f"  ({key}): {kind} containing: [{p.dtype} of size {size}]"
    return f"  ({key}): Object of type: {type(p).__name__}"


class ParameterList(Module):
    """A list of parameters registered under "0", "1", ...; plain Tensors become Parameters."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(_index(idx, self._size, "ParameterList")))

    def __setitem__(self, idx: int, param: Any) -> None:
        setattr(self, str(_index(idx, self._size, "ParameterList")), _as_parameter(param))

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self._size))

    def __iadd__(self, parameters: Iterable[Any]) -> ParameterList:
        return self.extend(parameters)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a Tensor becomes a Parameter); returns self."""
        self._size += 1
        setattr(self, str(self._size - 1), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values``; returns self."""
        if isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}")
        for v in list(values):
            self.append(v)
        return self

    def extra_repr(self) -> str:
        """One line per entry with its kind, dtype and size, as PyTorch's."""
        return "\n".join(_parameter_line(i, p) for i, p in enumerate(self))

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


class ParameterDict(Module):
    """An ordered dict of parameters registered under their keys; plain Tensors become Parameters."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return self._parameters[key] if key in self._parameters else self.__dict__[key]

    def __setitem__(self, key: str, value: Any) -> None:
        value = _as_parameter(value)
        if isinstance(value, Parameter):
            self.register_parameter(key, value)  # PyTorch's name checks: no dots, no clash with a method
        else:
            if not isinstance(key, str):
                raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
            self._parameters.pop(key, None)
            object.__setattr__(self, key, value)
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return list(self._keys)

    def items(self) -> Iterable[tuple[str, Any]]:
        """(key, parameter) pairs, in insertion order."""
        return [(k, self[k]) for k in self._keys]

    def values(self) -> Iterable[Any]:
        """The parameters, in insertion order."""
        return [self[k] for k in self._keys]

    def pop(self, key: str) -> Any:
        """Remove the parameter under ``key`` and return it."""
        v = self[key]
        del self[key]
        return v

    def clear(self) -> None:
        """Remove every parameter."""
        for k in list(self._keys):
            del self[k]

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace parameters from a mapping or an iterable of (key, value) pairs."""
        pairs = parameters.items() if isinstance(parameters, (Mapping, ParameterDict)) else parameters
        for j, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"ParameterDict update sequence element #{j} should be a (key, value) pair, "
                                 f"got {pair!r}")
            self[pair[0]] = pair[1]

    def extra_repr(self) -> str:
        """One line per entry with its kind, dtype and size, as PyTorch's."""
        return "\n".join(_parameter_line(k, p) for k, p in self.items())
