"""The autograd engine: grad mode, ``Function``/``ctx`` nodes and the iterative backward pass.

A graph node *is* the ``ctx`` a ``Function`` saw in its forward: it keeps the Function class,
the inputs (a producing node for an intermediate tensor, the tensor itself for a leaf or a
constant), what ``save_for_backward`` saved, and the op's attributes (stride, padding, ...).
``docs/engine.md`` explains the walk; the short version:

1. collect the nodes reachable from the roots without recursion and count, for each node,
   how many consumers will send it a gradient;
2. run the nodes newest-first (by creation sequence) as soon as every consumer has sent its
   contribution, so each node's ``backward`` runs exactly once on the summed gradient;
3. backward rules are written with Tensor ops, so under ``create_graph=True`` the gradients
   are graphs themselves (double backward, Hessian-vector products, the derivation view).
"""

from __future__ import annotations

import gc
import heapq
import itertools
import os
import threading
import traceback
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Function",
    "Node",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "backward",
    "grad",
]

# --------------------------------------------------------------------------- grad mode


class _GradMode(threading.local):
    """Per-thread switches, as in PyTorch: a ``no_grad`` in one thread leaves others alone."""

    def __init__(self) -> None:
        self.enabled = True
        self.anomaly = False


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return _mode.enabled


class _GradModeGuard:
    """A context manager that is also a decorator, like ``torch.no_grad``."""

    _value: bool

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # bare ``@no_grad`` without parentheses, as PyTorch allows

    def __init__(self, orig_func: Callable | None = None) -> None:
        pass

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        _mode.enabled = self._value

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev

    def __call__(self, func: Callable) -> Callable:
        import functools

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """Do not record the graph inside this block (or decorated function)."""

    _value = False


class enable_grad(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """Record the graph inside this block, even within ``no_grad``."""

    _value = True


class set_grad_enabled(_GradModeGuard):  # noqa: N801 - PyTorch's name
    """Switch recording on or off: ``with set_grad_enabled(False): ...``."""

    def __new__(cls, mode: bool) -> Any:
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        self._value = bool(mode)
        self._prev = _mode.enabled
        _mode.enabled = self._value  # PyTorch also applies it when used as a plain call

    def __enter__(self) -> None:
        pass  # already applied in __init__; __exit__ restores the previous mode

    def __call__(self, func: Callable) -> Callable:
        import functools

        value = self._value
        _mode.enabled = self._prev

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(value):
                return func(*args, **kwargs)

        return wrapper


def is_anomaly_enabled() -> bool:
    return _mode.anomaly


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Make a NaN or infinity produced by any op, forward or backward, raise at once.

    The error names the op and shows where the offending forward call was made.
    ``check_nan=False`` turns the check off while keeping the creation traces.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _mode.anomaly
        _mode.anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        _mode.anomaly = self._prev

    def __call__(self, func: Callable) -> Callable:
        import functools

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper


#: the Tensor class; tensor.py sets it once the class exists (the two modules need each other)
_Tensor: Any = None

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _where(node: Node) -> str:
    """The user's line that called the op, for anomaly messages."""
    if not node._stack:
        return ""
    frames = [f for f in node._stack if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    frame = (frames or node._stack)[-1]
    return f" (created at {frame.filename}:{frame.lineno}, in {frame.name}: {frame.line})"


def _check_finite(array: np.ndarray, what: str, node: Node) -> None:
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        bad = "nan" if np.isnan(array).any() else "inf"
        raise RuntimeError(f"detect_anomaly: op '{node.name()}' returned {bad} values in its {what}{_where(node)}")


# --------------------------------------------------------------------------- graph nodes

_sequence = itertools.count()


class _SavedOutput:
    """Marks a saved tensor that is the node's own output (saved without a reference cycle)."""

    __slots__ = ("_data", "requires_grad")

    def __init__(self, data: np.ndarray, requires_grad: bool) -> None:
        self._data = data
        self.requires_grad = requires_grad


class Node:
    """A recorded op: the ``ctx`` of its Function's forward, and the ``grad_fn`` of its output.

    Public attributes set by the op (``ctx.stride = 2``) are the op's attributes; the viewers
    show them. Everything the engine needs lives in underscore attributes.
    """

    # Rarely-set fields default at class level: an op's node is created on every call (hot path).
    _released = False
    _retained: weakref.ref | None = None
    _stack: list[traceback.FrameSummary] | None = None
    _label: str | None = None  # a name the user (or a Module) gave the output
    _hooks: list[Callable] | tuple = ()  # becomes a list on the first register_hook
    _grad_of: list[Any] | tuple = ()  # set by the engine on gradient graphs: ∂L/∂(these)
    _inputs: tuple[Any, ...] = ()

    def __init__(self, fn: type[Function]) -> None:
        self._fn = fn
        self._saved: list[Any] | None = []
        self._seq = next(_sequence)
        self.needs_input_grad: tuple[bool, ...] = ()

    # -- what users write in forward/backward
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or arrays) for backward; freed after backward unless retain_graph."""
        self._saved = list(tensors)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        Tensor = _Tensor

        if self._saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (op '{self.name()}'): its saved "
                "tensors were freed after the first backward. Pass retain_graph=True to the first "
                "backward() or grad() call if you need to backward through the graph again."
            )
        out = []
        for item in self._saved:
            if isinstance(item, _SavedOutput):
                t = Tensor._make(item._data, self if item.requires_grad else None, item.requires_grad)
                out.append(t)
            elif isinstance(item, np.ndarray):
                out.append(Tensor._make(item, None, False))
            else:
                out.append(item)
        return tuple(out)

    def mark_non_differentiable(self, *tensors: Any) -> None:  # accepted for PyTorch parity
        pass

    # -- introspection, for the viewers
    def name(self) -> str:
        """The op's public name (``conv2d``, ``sigmoid``, or a custom Function's class name)."""
        return self._fn.op_name()

    @property
    def fn(self) -> type[Function]:
        return self._fn

    @property
    def inputs(self) -> tuple[Any, ...]:
        """One entry per forward argument: a Node (intermediate), a Tensor (leaf/constant) or a plain value."""
        return self._inputs

    @property
    def next_functions(self) -> tuple[Any, ...]:
        """PyTorch-style: the producing nodes of tensor inputs (None for leaves and constants)."""
        return tuple((x, 0) if isinstance(x, Node) else (None, 0) for x in self._inputs)

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

    @property
    def grad_of(self) -> list[Any]:
        """On a gradient graph: the nodes/tensors whose gradient this node's output is."""
        return self._grad_of

    def register_hook(self, fn: Callable) -> _HookHandle:
        if not isinstance(self._hooks, list):
            self._hooks = []
        self._hooks.append(fn)
        return _HookHandle(self._hooks, fn)

    def release(self) -> None:
        self._saved = None
        self._released = True

    def __repr__(self) -> str:
        return f"<{self.name()} node #{self._seq}>"


class _HookHandle:
    def __init__(self, hooks: list, fn: Callable) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


# --------------------------------------------------------------------------- Function


class Function:
    """A differentiable op, as ``torch.autograd.Function``.

    ``forward(ctx, *args)`` receives Tensors (what it computes is not recorded) and returns
    a Tensor or a NumPy array; ``backward(ctx, grad_output)`` receives and returns Tensors,
    one gradient per forward argument (None where there is none). Backward rules written
    with Tensor ops are differentiable again.
    """

    #: the op's public name in graphs and derivations; defaults to the class name
    name: str | None = None

    @classmethod
    def op_name(cls) -> str:
        return cls.name or cls.__name__

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` (unrecorded) and, if any input requires grad, link the output to a new node.

        This is on every op's path, forward and backward, so it avoids every avoidable call.
        """
        tensor_cls = _Tensor
        mode = _mode
        enabled = mode.enabled
        needs = tuple([isinstance(a, tensor_cls) and a._requires_grad for a in args])
        requires_grad = enabled and True in needs
        ctx = Node(cls)
        ctx.needs_input_grad = needs
        if mode.anomaly:
            ctx._stack = traceback.extract_stack()[:-1]
        mode.enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            mode.enabled = enabled
        if isinstance(out, tensor_cls):
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
            return tensor_cls._make(data, None, False)
        if data.dtype.kind not in "fc":
            raise RuntimeError(
                f"{cls.op_name()}: an op whose inputs require grad returned a {data.dtype} result; "
                "only floating-point outputs can carry gradients"
            )
        ctx._inputs = tuple([(a.grad_fn or a) if isinstance(a, tensor_cls) else a for a in args])
        # A saved tensor that is the output itself is stored as data only: no cycle node <-> output.
        saved = ctx._saved
        if saved:
            for i, item in enumerate(saved):
                if item is out or item is data:
                    saved[i] = _SavedOutput(data, True)
        ctx._out_shape, ctx._out_dtype = data.shape, data.dtype
        return tensor_cls._make(data, ctx, True)


# --------------------------------------------------------------------------- the backward pass


def _collect(roots: Iterable[Node]) -> dict[Node, int]:
    """All nodes reachable from the roots, with the number of edges pointing at each."""
    consumers: dict[Node, int] = {}
    stack = []
    for r in roots:
        if r not in consumers:
            consumers[r] = 0
            stack.append(r)
    while stack:
        node = stack.pop()
        for child in node._inputs:
            if isinstance(child, Node):
                if child in consumers:
                    consumers[child] += 1
                else:
                    consumers[child] = 1
                    stack.append(child)
    return consumers


def _accumulate(total: Any, g: Any) -> Any:
    return g if total is None else total + g


def _fit_grad(g: Any, shape: tuple[int, ...], dtype: np.dtype, fn_name: str, index: int) -> Any:
    """Check a returned gradient against its input: shape (summing broadcast dims) and dtype."""
    if not isinstance(g, _Tensor):
        g = _Tensor._make(np.asarray(g, dtype=dtype), None, False)
    if g._data.shape != shape:
        if _broadcastable_to(shape, g._data.shape):
            g = g.sum_to_size(shape)
        else:
            raise RuntimeError(
                f"{fn_name}.backward returned a gradient of shape {g.shape} for input {index}, "
                f"which has shape {shape}"
            )
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g


def _broadcastable_to(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    if len(small) > len(big):
        return False
    for s, b in zip(reversed(small), reversed(big)):
        if s != b and s != 1:
            return False
    return True


def _run_backward(
    roots: Sequence[Any],
    grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Any] | None = None,
) -> list[Any] | None:
    """The engine. ``roots`` are Tensors; ``capture`` (for ``grad()``) lists tensors whose
    gradients are returned instead of accumulated into ``.grad``."""
    leaf_grads: dict[int, Any] = {}
    leaf_tensors: dict[int, Any] = {}
    node_grads: dict[Node, Any] = {}
    root_nodes = []
    for t, g in zip(roots, grads):
        if t.grad_fn is None:  # a leaf as its own root
            if t.requires_grad:
                leaf_tensors[id(t)] = t
                leaf_grads[id(t)] = _accumulate(leaf_grads.get(id(t)), g)
            continue
        node_grads[t.grad_fn] = _accumulate(node_grads.get(t.grad_fn), g)
        root_nodes.append(t.grad_fn)

    # The walk allocates many short-lived objects and creates no reference cycles: pausing the
    # cyclic collector for its duration saves its repeated scans of the (large) live graph.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _walk(root_nodes, node_grads, leaf_grads, leaf_tensors, retain_graph, create_graph, capture)
    finally:
        if gc_was_enabled:
            gc.enable()


def _walk(
    root_nodes: list[Node],
    node_grads: dict[Node, Any],
    leaf_grads: dict[int, Any],
    leaf_tensors: dict[int, Any],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Any] | None,
) -> list[Any] | None:
    """Run every reachable node's backward once, newest first, once all its consumers are done."""
    Tensor = _Tensor
    capture_nodes: dict[Node, list[int]] = {}
    if capture is not None:
        for i, t in enumerate(capture):
            if t.grad_fn is not None:
                capture_nodes.setdefault(t.grad_fn, []).append(i)
    captured: list[Any] = [None] * len(capture or [])

    consumers = _collect(root_nodes)
    ready = [(-n._seq, n) for n in set(root_nodes) if consumers[n] == 0]
    heapq.heapify(ready)
    with set_grad_enabled(create_graph):
        while ready:
            _, node = heapq.heappop(ready)
            g = node_grads.pop(node, None)
            if g is not None:
                for hook in node._hooks:
                    new = hook(g)
                    if new is not None:
                        g = new
                if create_graph:
                    _tag(g, node)
                if node._retained is not None:
                    owner = node._retained()
                    if owner is not None:
                        kept = g if create_graph else g.detach()
                        owner.grad = kept if owner.grad is None else owner.grad + kept
                for i in capture_nodes.get(node, ()):
                    captured[i] = g
                in_grads = _call_backward(node, g)
                if not retain_graph:
                    node.release()
            else:
                in_grads = [None] * len(node._inputs)
            for child, cg in zip(node._inputs, in_grads):
                if isinstance(child, Node):
                    if cg is not None:
                        node_grads[child] = _accumulate(node_grads.get(child), cg)
                    consumers[child] -= 1
                    if consumers[child] == 0:
                        heapq.heappush(ready, (-child._seq, child))
                elif cg is not None and isinstance(child, Tensor) and child.requires_grad:
                    leaf_tensors[id(child)] = child
                    leaf_grads[id(child)] = _accumulate(leaf_grads.get(id(child)), cg)

        if capture is not None:
            for i, t in enumerate(capture):
                if t.grad_fn is None:
                    g = leaf_grads.get(id(t))
                    if g is not None:
                        for hook in t._hooks:  # as PyTorch: a tensor's hooks see the gradient grad() returns
                            new = hook(g)
                            if new is not None:
                                g = new
                        if create_graph:
                            _tag(g, t)
                    captured[i] = g
            return captured

        for key, g in leaf_grads.items():
            leaf = leaf_tensors[key]
            for hook in leaf._hooks:
                new = hook(g)
                if new is not None:
                    g = new
            if create_graph:
                _tag(g, leaf)
                leaf.grad = g if leaf.grad is None else leaf.grad + g
            elif leaf.grad is None:
                # A copy: the incoming array may be shared (a pass-through add, the user's seed).
                leaf.grad = Tensor._make(np.array(g._data, copy=True), None, False)
            elif leaf.grad.grad_fn is not None or leaf.grad.shape != g.shape:
                # a differentiable .grad from an earlier create_graph pass: keep its graph intact
                leaf.grad = leaf.grad.detach() + g.detach()
            else:
                leaf.grad._data[...] += g._data  # accumulate in place, as PyTorch
    return None


def _tag(g: Any, target: Any) -> None:
    """Record, on the node that produced gradient ``g``, what ``g`` is the gradient of."""
    if g.grad_fn is not None:
        g.grad_fn._grad_of = [*g.grad_fn._grad_of, target]
    g._grad_of = [*g._grad_of, target]


def _call_backward(node: Node, g: Any) -> list[Any]:
    fn = node._fn
    if _mode.anomaly:  # check this node's gradients below, naming it, not the ops its backward uses
        _mode.anomaly = False
        try:
            result = fn.backward(node, g)
        finally:
            _mode.anomaly = True
    else:
        result = fn.backward(node, g)
    if not isinstance(result, tuple):
        result = (result,) if not isinstance(result, list) else tuple(result)
    inputs = node._inputs
    if len(result) != len(inputs):
        raise RuntimeError(
            f"{fn.op_name()}.backward returned {len(result)} gradient(s), but forward received "
            f"{len(inputs)} input(s): return one gradient per input (None where there is none)"
        )
    needs = node.needs_input_grad
    out: list[Any] = []
    for i, cg in enumerate(result):
        if cg is None or not needs[i]:
            out.append(None)
            continue
        child = inputs[i]
        if isinstance(child, Node):
            shape, dtype = child._out_shape, child._out_dtype
        else:
            shape, dtype = child._data.shape, child._data.dtype
        if not isinstance(cg, _Tensor) or cg._data.shape != shape or cg._data.dtype != dtype:
            cg = _fit_grad(cg, shape, dtype, fn.op_name(), i)
        if _mode.anomaly:
            _check_finite(cg._data, f"gradient for input {i}", node)
        out.append(cg)
    return out


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _seed_grads(outputs: list[Any], grad_outputs: list[Any], caller: str) -> list[Any]:
    from .tensor import Tensor

    seeds = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"{caller}: grad can be implicitly created only for scalar outputs, but output {i} "
                    f"has shape {out.shape}; pass gradient= (a tensor of shape {out.shape})"
                )
            g = Tensor._make(np.ones(out.shape, dtype=out.dtype), None, False)
        else:
            g = g if isinstance(g, Tensor) else Tensor(np.asarray(g), dtype=out.dtype)
            if g.shape != out.shape:
                raise RuntimeError(
                    f"{caller}: gradient has shape {g.shape}, but the output it belongs to has shape {out.shape}"
                )
            if g.dtype != out.dtype:
                g = g.to(out.dtype)
        seeds.append(g)
    return seeds


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves that made them."""
    outputs = _as_list(tensors)
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"backward: output {i} (shape {out.shape}) does not require grad and has no grad_fn; "
                "make at least one input a tensor with requires_grad=True, outside no_grad()"
            )
    seeds = _seed_grads(outputs, _as_list(grad_tensors), "backward")
    if retain_graph is None:
        retain_graph = create_graph
    _run_backward(outputs, seeds, retain_graph, create_graph)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is left alone)."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for i, out in enumerate(outs):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {out.shape}) does not require grad")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    seeds = _seed_grads(outs, _as_list(grad_outputs), "grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = _run_backward(outs, seeds, retain_graph, create_graph, capture=ins)
    assert result is not None
    final = []
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
        elif not create_graph:
            g = g.detach()
        final.append(g)
    return tuple(final)

