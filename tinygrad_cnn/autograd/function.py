"""``Function`` and its ``ctx``, the graph ``Node``: what an op records, saves and checks.

A graph node *is* the ``ctx`` a ``Function`` saw in its forward: it keeps the Function class, the
inputs (a producing node for an intermediate tensor, the tensor itself for a leaf or a constant),
what ``save_for_backward`` saved with the version of each saved tensor, and the op's attributes
(stride, padding, ...). ``saved_tensors`` refuses to hand back a tensor changed in place since it
was saved (PyTorch's version check).
"""

from __future__ import annotations

import itertools
import os
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, VersionCounter
from .grad_mode import _mode

__all__ = ["Function", "Node", "AccumulateGrad"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: PyTorch's legacy type names, used in the version-check message as PyTorch writes it
_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
    "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
}


def _where(node: Node) -> str:
    """The user's line that called the op (recorded under ``detect_anomaly``), for error messages."""
    if not node._stack:
        return ""
    frames = [f for f in node._stack if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    frame = (frames or node._stack)[-1]
    return f" (created at {frame.filename}:{frame.lineno}, in {frame.name}: {frame.line})"


def _check_finite(array: np.ndarray, what: str, node: Node) -> None:
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        bad = "nan" if np.isnan(array).any() else "inf"
        raise RuntimeError(f"detect_anomaly: op '{node.name()}' returned {bad} values in its {what}{_where(node)}")


_sequence = itertools.count()


class _SavedOutput:
    """A saved tensor that is the node's own output: its array and version counter, without a cycle."""

    __slots__ = ("_data", "counter", "version")

    def __init__(self, data: np.ndarray, counter: VersionCounter) -> None:
        self._data = data
        self.counter = counter
        self.version = counter.value


class Node:
    """A recorded op: the ``ctx`` of its Function's forward, and the ``grad_fn`` of its output.

    Public attributes set by the op (``ctx.stride = 2``) are the op's attributes; the viewers
    show them. Everything the engine needs lives in underscore attributes.
    """

    # Rarely-set fields default at class level: an op's node is created on every call (hot path).
    _released = False
    _recorded = False  # set by Function.apply before forward when the node will join the graph
    _retained: weakref.ref | None = None
    _stack: list[traceback.FrameSummary] | None = None
    _label: str | None = None  # a name the user (or a Module) gave the output
    _hooks: list[Callable] | tuple = ()  # the output tensor's hooks (Tensor.register_hook); a list once set
    _prehooks: list[Callable] | tuple = ()  # PyTorch's Node.register_prehook
    _posthooks: list[Callable] | tuple = ()  # PyTorch's Node.register_hook
    _inputs: tuple[Any, ...] = ()
    _versions: list[int | None] | tuple = ()
    _non_differentiable: tuple = ()

    def __init__(self, fn: type[Function]) -> None:
        self._fn = fn
        self._saved: list[Any] | None = []
        self._seq = next(_sequence)
        self.needs_input_grad: tuple[bool, ...] = ()

    # -- what users write in forward/backward
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or arrays) for backward, noting each tensor's version; freed after backward."""
        self._saved = list(tensors)
        if not self._recorded:  # a node no graph will keep (no input requires grad, or no_grad)
            return
        versions = []
        for t in tensors:  # on every op's path: read the counter directly, not through ``_version``
            if isinstance(t, Tensor):
                vc = t._vc
                versions.append(0 if vc is None else vc.value)
            else:
                versions.append(None)
        self._versions = versions

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What forward saved, as Tensors; raises if one was changed in place since (PyTorch's check)."""
        if self._saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (op '{self.name()}'): its saved "
                "tensors were freed after the first backward. Pass retain_graph=True to the first "
                "backward() or grad() call if you need to backward through the graph again."
            )
        out = []
        for i, item in enumerate(self._saved):
            if isinstance(item, Tensor):
                vc = item._vc
                if vc is not None and self._versions and vc.value != self._versions[i]:
                    raise self._modified(item.shape, item.dtype, item.grad_fn, vc.value, self._versions[i])
            elif isinstance(item, _SavedOutput):
                if item.counter.value != item.version:
                    raise self._modified(item._data.shape, item._data.dtype, self, item.counter.value, item.version)
                t = Tensor._make(item._data, self, True)
                t._vc = item.counter
                item = t
            elif isinstance(item, np.ndarray):
                item = Tensor._make(item, None, False)
            out.append(item)
        return tuple(out)

    def _modified(self, shape: tuple[int, ...], dtype: np.dtype, producer: Node | None, now: int,
                  expected: int | None) -> RuntimeError:
        """PyTorch's error for a saved tensor changed in place; ours also names the op that saved it."""
        kind = _TYPE_NAMES.get(str(dtype), f"{dtype} tensor")
        which = f", which is output 0 of {producer.name()}," if producer is not None else ""
        return RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[tinygrad_cnn.{kind} [{', '.join(str(n) for n in shape)}]]{which} is at version {now}; "
            f"expected version {expected} instead. Hint: op '{self.name()}' saved it for its backward "
            f"pass{_where(self)}; change a clone() instead, or run the op after the change "
            "(tc.autograd.detect_anomaly() records where each op was called)."
        )

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Declare forward's output non-differentiable (an index, a mask): it will not require grad."""
        self._non_differentiable = tensors

    # -- introspection, for the viewers
    def name(self) -> str:
        """The op's public name (``conv2d``, ``sigmoid``, or a custom Function's class name)."""
        return self._fn.op_name()

    @property
    def fn(self) -> type[Function]:
        """The Function class this node ran."""
        return self._fn

    @property
    def inputs(self) -> tuple[Any, ...]:
        """One entry per forward argument: a Node (intermediate), a Tensor (leaf/constant) or a plain value."""
        return self._inputs

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """PyTorch's edges, one ``(node, 0)`` per tensor argument: the producing node of an intermediate,
        an ``AccumulateGrad`` for a leaf that requires grad, ``None`` for a constant."""
        edges: list[tuple[Any, int]] = []
        for x in self._inputs:
            if isinstance(x, Node):
                edges.append((x, 0))
            elif isinstance(x, Tensor):
                edges.append((AccumulateGrad.of(x) if x._requires_grad else None, 0))
        return tuple(edges)

    @property
    def attrs(self) -> dict[str, Any]:
        """The op's own attributes (``stride``, ``padding``, ...), as set on ``ctx`` in forward."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "needs_input_grad"}

    @property
    def saved_arrays(self) -> list[np.ndarray]:
        """The arrays kept for backward (empty once freed); for ``show_saved`` in the graph view."""
        if not self._saved:
            return []
        out = []
        for item in self._saved:
            data = getattr(item, "_data", item)
            if isinstance(data, np.ndarray):
                out.append(data)
        return out

    @property
    def label(self) -> str | None:
        """The name given to this node's output tensor, if any."""
        return self._label

    def _register_tensor_hook(self, fn: Callable) -> _HookHandle:
        """``Tensor.register_hook`` of this node's output: ``fn(grad)``, a returned tensor replaces it."""
        if not isinstance(self._hooks, list):
            self._hooks = []
        self._hooks.append(fn)
        return _HookHandle(self._hooks, fn)

    def register_prehook(self, fn: Callable) -> _HookHandle:
        """PyTorch's: ``fn(grad_outputs)`` before this node's backward; a returned tuple replaces them."""
        if not isinstance(self._prehooks, list):
            self._prehooks = []
        self._prehooks.append(fn)
        return _HookHandle(self._prehooks, fn)

    def register_hook(self, fn: Callable) -> _HookHandle:
        """PyTorch's: ``fn(grad_inputs, grad_outputs)`` after this node's backward, ``grad_inputs`` one per
        tensor argument (``next_functions``' order, None where there is none); a returned tuple replaces them."""
        if not isinstance(self._posthooks, list):
            self._posthooks = []
        self._posthooks.append(fn)
        return _HookHandle(self._posthooks, fn)

    def release(self) -> None:
        """Drop the saved tensors (after a backward without retain_graph)."""
        self._saved = None
        self._released = True

    def __repr__(self) -> str:
        return f"<{self.name()} node #{self._seq}>"


class AccumulateGrad:
    """The edge to a leaf in ``next_functions`` (PyTorch's): ``.variable`` is the leaf tensor.

    One per leaf while it is referenced, so two ops' edges to the same leaf compare ``is``-equal.
    """

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @staticmethod
    def of(leaf: Tensor) -> AccumulateGrad:
        """The leaf's AccumulateGrad node (cached weakly on the leaf, as PyTorch does)."""
        ref = leaf.__dict__.get("_grad_accumulator")
        node = ref() if ref is not None else None
        if node is None:
            node = AccumulateGrad(leaf)
            leaf.__dict__["_grad_accumulator"] = weakref.ref(node)
        return node

    def name(self) -> str:
        """``AccumulateGrad``."""
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad of a leaf of shape {self.variable.shape}>"


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook; ``with`` removes it at the end."""

    def __init__(self, hooks: list, fn: Callable) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)

    def __enter__(self) -> _HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Function:
    """A differentiable op, as ``torch.autograd.Function``.

    ``forward(ctx, *args)`` receives Tensors (what it computes is not recorded) and returns
    a Tensor or a NumPy array; ``backward(ctx, grad_output)`` receives and returns Tensors,
    one gradient per forward argument (None where there is none). Backward rules written
    with Tensor ops are differentiable again.
    """

    #: the op's public name in graphs and derivations; defaults to the class name
    name: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Choose, once per class, how ``apply`` calls forward: with ``ctx``, or (PyTorch 2's style, when
        the class defines ``setup_context``) without it and then ``setup_context(ctx, inputs, output)``."""
        super().__init_subclass__(**kwargs)
        if cls.setup_context is Function.setup_context:
            cls._forward = staticmethod(cls.forward)
        else:
            forward, setup_context = cls.forward, cls.setup_context

            def forward_then_setup(ctx: Node, *args: Any, **kwargs: Any) -> Any:
                out = forward(*args, **kwargs)
                setup_context(ctx, args, out)
                return out

            cls._forward = staticmethod(forward_then_setup)

    @classmethod
    def op_name(cls) -> str:
        """The op's public name: ``name`` if set, else the class name."""
        return cls.name or cls.__name__

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        """Compute the output from the inputs (not recorded); save what backward needs on ``ctx``."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        """One gradient per forward argument, written with Tensor ops (None where there is none)."""
        raise NotImplementedError

    @staticmethod
    def setup_context(ctx: Node, inputs: tuple[Any, ...], output: Any) -> None:
        """PyTorch 2's other style: define this, and ``forward(*args)`` without ``ctx``; it saves what
        backward needs from the inputs and the output."""
        raise NotImplementedError

    _forward = forward  # what apply calls; each subclass sets its own (``__init_subclass__``)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` (unrecorded) and, if any input requires grad, link the output to a new node.

        This is on every op's path, forward and backward, so it avoids every avoidable call.
        """
        mode = _mode
        enabled = mode.enabled
        needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        requires_grad = enabled and True in needs
        ctx = Node(cls)
        ctx.needs_input_grad = needs
        if requires_grad:
            ctx._recorded = True
        if mode.anomaly:
            ctx._stack = traceback.extract_stack()[:-1]
        mode.enabled = False
        try:
            out = cls._forward(ctx, *args, **kwargs)
        finally:
            mode.enabled = enabled
        if isinstance(out, Tensor):
            data = out._data
        elif isinstance(out, np.ndarray):
            data = out
        elif isinstance(out, np.generic):
            data = np.asarray(out)
        else:
            raise TypeError(
                f"{cls.op_name()}.forward must return a Tensor or a NumPy array, got {type(out).__name__}"
            )
        if mode.anomaly:
            _check_finite(data, "forward output", ctx)
        if not requires_grad:
            return Tensor._make(data, None, False)
        if ctx._non_differentiable and any(t is out or t is data for t in ctx._non_differentiable):
            return Tensor._make(data, None, False)  # an index or a mask: no gradient flows through it
        if data.dtype.kind not in "fc":
            raise RuntimeError(
                f"{cls.op_name()}: an op whose inputs require grad returned a {data.dtype} result; "
                "only floating-point outputs can carry gradients"
            )
        ctx._inputs = tuple([(a.grad_fn or a) if isinstance(a, Tensor) else a for a in args])
        ctx._out_shape, ctx._out_dtype = data.shape, data.dtype
        result = Tensor._make(data, ctx, True)
        saved = ctx._saved
        if saved:
            # The output saved for backward is kept as its array and version counter (no cycle
            # node <-> output); the output tensor shares that counter, so changing it is caught.
            for i, item in enumerate(saved):
                if item is out or item is data:
                    if result._vc is None:
                        result._vc = out._version_counter if isinstance(out, Tensor) else VersionCounter()
                    saved[i] = _SavedOutput(data, result._vc)
        return result
