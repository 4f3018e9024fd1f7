"""The backward pass: one walk over the graph, newest node first, each node's backward run once.

1. ``_consumers`` counts, without recursion, how many edges point at each reachable node;
2. ``_walk`` runs a node as soon as every consumer has sent its contribution (a heap ordered by
   creation, newest first), so each ``backward`` runs exactly once on the summed gradient, and sums
   what reaches the leaves;
3. at each gradient the engine does the same three things, node or leaf: run the tensor's hooks
   (``_run_hooks``), tell the registered gradient callbacks (``register_gradient_callback``), then
   keep it: into ``.grad`` by ``_accumulate_grad`` (leaves, ``retain_grad``), or returned by ``grad()``.

Backward rules are Tensor code, so with ``create_graph=True`` every gradient is a graph again
(double backward, Hessian-vector products, the derivation view). ``docs/engine.md`` tells the story.
"""

from __future__ import annotations

import gc
import heapq
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import Node, _check_finite, _HookHandle
from .grad_mode import _mode, set_grad_enabled

__all__ = ["backward", "grad", "register_gradient_callback"]

#: functions ``fn(target, grad)`` told of each gradient a ``create_graph=True`` pass computes
_gradient_callbacks: list[Callable[[Any, Tensor], None]] = []


def register_gradient_callback(fn: Callable[[Any, Tensor], None]) -> _HookHandle:
    """Call ``fn(target, grad)`` for each gradient computed with ``create_graph=True``.

    ``target`` is the Node whose output the gradient belongs to, or the leaf Tensor; ``grad`` is
    the gradient after the tensor's hooks. Viewers use this to learn which gradient graph is the
    gradient of what (``tinygrad_cnn.viz``). Returns a handle: ``handle.remove()``, or
    ``with register_gradient_callback(fn): ...`` to keep it for one block.
    """
    _gradient_callbacks.append(fn)
    return _HookHandle(_gradient_callbacks, fn)


# --------------------------------------------------------------------------- one gradient


def _replacement(hook: Callable, new: Any, g: Tensor) -> Tensor:
    """A hook's returned gradient, checked as PyTorch checks it: a Tensor of ``g``'s shape and dtype."""
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(new, Tensor):
        raise TypeError(f"hook '{name}' returned {type(new).__name__}; expected a Tensor or None")
    if new.shape != g.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value (was {list(g.shape)}, got {list(new.shape)})")
    if new.dtype != g.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {g.dtype} got {new.dtype})")
    return new


def _run_hooks(hooks: Iterable[Callable], g: Tensor) -> Tensor:
    """Apply a tensor's hooks in order; a hook's return value (same shape and dtype) replaces ``g``."""
    for hook in hooks:
        new = hook(g)
        if new is not None:
            g = _replacement(hook, new, g)
    return g


def _run_node_prehooks(node: Node, g: Tensor) -> Tensor:
    """PyTorch's node pre-hooks: ``fn((grad_output,))``; a returned tuple replaces the gradient."""
    for hook in node._prehooks:
        new = hook((g,))
        if new is not None and new[0] is not None:
            g = _replacement(hook, new[0], g)
    return g


def _run_node_posthooks(node: Node, in_grads: list[Tensor | None], g: Tensor) -> list[Tensor | None]:
    """PyTorch's node hooks: ``fn(grad_inputs, (grad_output,))``, one grad_input per tensor argument;
    a returned tuple replaces the gradients that exist (an input that needs none keeps None)."""
    slots = [i for i, x in enumerate(node._inputs) if isinstance(x, (Node, Tensor))]
    for hook in node._posthooks:
        new = hook(tuple(in_grads[i] for i in slots), (g,))
        if new is None:
            continue
        if len(new) != len(slots):
            name = getattr(hook, "__name__", repr(hook))
            raise RuntimeError(f"hook '{name}' returned {len(new)} gradients, expected {len(slots)}")
        for i, value in zip(slots, new):
            old = in_grads[i]
            if old is not None:
                in_grads[i] = None if value is None else _replacement(hook, value, old)
    return in_grads


def _accumulate_grad(t: Tensor, g: Tensor, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad``, PyTorch's rule: the first gradient is a copy (``g`` may be shared:
    a pass-through add, the caller's seed), later ones are added in place, or out of place, keeping
    both graphs, when ``create_graph``."""
    if t.grad is None:
        t.grad = g.clone() if create_graph else Tensor._make(np.array(g._data, copy=True), None, False)
    elif create_graph:
        t.grad = t.grad + g
    else:
        if t.grad._data.shape != g._data.shape:
            raise RuntimeError(f"backward: .grad has shape {t.grad.shape}, but the new gradient has shape {g.shape}")
        t.grad._data += g._data
        t.grad._bump_version()


def zero_grads(params: Iterable[Tensor], set_to_none: bool) -> None:
    """``zero_grad`` of a Module or an Optimizer (PyTorch's rule for both): drop each ``.grad``, or zero it in
    place, detached from any graph it was built in."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad._data[...] = 0
            p.grad._bump_version()


def _sum(total: Tensor | None, g: Tensor) -> Tensor:
    return g if total is None else total + g


# --------------------------------------------------------------------------- the walk


def _consumers(roots: Iterable[Node]) -> dict[Node, int]:
    """All nodes reachable from the roots, with the number of edges pointing at each."""
    count: dict[Node, int] = {}
    stack = []
    for r in roots:
        if r not in count:
            count[r] = 0
            stack.append(r)
    while stack:
        node = stack.pop()
        for child in node._inputs:
            if isinstance(child, Node):
                if child in count:
                    count[child] += 1
                else:
                    count[child] = 1
                    stack.append(child)
    return count


def _walk(
    roots: Sequence[Tensor], seeds: Sequence[Tensor], retain_graph: bool, create_graph: bool,
    inputs: Sequence[Tensor] | None,
) -> list[Tensor | None] | None:
    """Run every reachable node's backward once, newest first; then finish the leaves.

    Without ``inputs`` (``backward()``) leaf gradients go into ``.grad``; with them (``grad()``)
    the gradients of those tensors are returned and no ``.grad`` changes.
    """
    node_grads: dict[Node, Tensor] = {}
    leaves: dict[int, tuple[Tensor, Tensor]] = {}  # id -> (leaf, summed gradient), in order of arrival

    for t, g in zip(roots, seeds):
        if t.grad_fn is None:
            if t._requires_grad:
                seen = leaves.get(id(t))
                leaves[id(t)] = (t, g if seen is None else seen[1] + g)
        else:
            node_grads[t.grad_fn] = _sum(node_grads.get(t.grad_fn), g)

    wanted: dict[Node, list[int]] = {}  # grad(): the non-leaf inputs, by their node
    captured: list[Tensor | None] = [None] * len(inputs or ())
    for i, t in enumerate(inputs or ()):
        if t.grad_fn is not None:
            wanted.setdefault(t.grad_fn, []).append(i)

    callbacks = _gradient_callbacks if create_graph else ()
    count = _consumers(node_grads)
    ready = [(-n._seq, n) for n in node_grads if count[n] == 0]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)[1]
        g = node_grads.pop(node, None)
        if g is None:  # nothing flowed here (an input without grad): just release the consumers below
            in_grads: list[Tensor | None] = [None] * len(node._inputs)
        else:  # the steps below are guarded so that a plain backward pays only for what it uses
            if node._hooks:
                g = _run_hooks(node._hooks, g)
            for fn in callbacks:
                fn(node, g)
            if node._retained is not None and (owner := node._retained()) is not None:
                _accumulate_grad(owner, g if create_graph else g.detach(), create_graph)
            if wanted and node in wanted:
                for i in wanted[node]:
                    captured[i] = g
            if node._prehooks:
                g = _run_node_prehooks(node, g)
            in_grads = _call_backward(node, g)
            if node._posthooks:
                in_grads = _run_node_posthooks(node, in_grads, g)
            if not retain_graph:
                node.release()
        for child, cg in zip(node._inputs, in_grads):
            if isinstance(child, Node):
                if cg is not None:
                    node_grads[child] = _sum(node_grads.get(child), cg)
                count[child] -= 1
                if count[child] == 0:
                    heapq.heappush(ready, (-child._seq, child))
            elif cg is not None:  # only a leaf requiring grad gets one: needs_input_grad filtered the rest
                seen = leaves.get(id(child))
                leaves[id(child)] = (child, cg if seen is None else seen[1] + cg)

    if inputs is not None:
        for i, t in enumerate(inputs):
            if t.grad_fn is None and id(t) in leaves:
                captured[i] = _finish_leaf(t, leaves[id(t)][1], callbacks)
        return captured
    for t, g in leaves.values():
        _accumulate_grad(t, _finish_leaf(t, g, callbacks), create_graph)
    return None


def _finish_leaf(t: Tensor, g: Tensor, callbacks: Iterable[Callable]) -> Tensor:
    """A leaf's summed gradient after its hooks; the callbacks are told of it."""
    if t._hooks:
        g = _run_hooks(t._hooks, g)
    for fn in callbacks:
        fn(t, g)
    return g


def _call_backward(node: Node, g: Tensor) -> list[Tensor | None]:
    """Run one node's backward and check what it returns: one gradient per input, each fitted to its input."""
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
    out: list[Tensor | None] = []
    for i, cg in enumerate(result):
        if cg is None or not needs[i]:
            out.append(None)
            continue
        child = inputs[i]
        if isinstance(child, Node):
            shape, dtype = child._out_shape, child._out_dtype
        else:
            shape, dtype = child._data.shape, child._data.dtype
        if not isinstance(cg, Tensor) or cg._data.shape != shape or cg._data.dtype != dtype:
            cg = _fit_grad(cg, shape, dtype, fn.op_name(), i)
        if _mode.anomaly:
            _check_finite(cg._data, f"gradient for input {i}", node)
        out.append(cg)
    return out


def _fit_grad(g: Any, shape: tuple[int, ...], dtype: np.dtype, fn_name: str, index: int) -> Tensor:
    """Check a returned gradient against its input: shape (summing broadcast dims) and dtype."""
    if not isinstance(g, Tensor):
        g = Tensor._make(np.asarray(g, dtype=dtype), None, False)
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
    """True when ``small`` broadcasts to ``big`` (so a gradient of shape ``big`` sums down to ``small``)."""
    if len(small) > len(big):
        return False
    return all(s == b or s == 1 for s, b in zip(reversed(small), reversed(big)))


def _run(roots: Sequence[Tensor], seeds: Sequence[Tensor], retain_graph: bool, create_graph: bool,
         inputs: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    # The walk allocates many short-lived objects and creates no reference cycles: pausing the
    # cyclic collector for its duration saves its repeated scans of the (large) live graph.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with set_grad_enabled(create_graph):
            return _walk(roots, seeds, retain_graph, create_graph, inputs)
    finally:
        if gc_was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- the public calls


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _seed_grads(outputs: list[Tensor], grad_outputs: list[Any], caller: str) -> list[Tensor]:
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
            g = g if isinstance(g, Tensor) else Tensor._make(np.asarray(g, dtype=out.dtype), None, False)
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
    grad_variables: Any = None,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves that made them.

    As ``torch.autograd.backward``; ``grad_variables`` is the old name of ``grad_tensors``, and
    ``inputs`` limits the accumulation to those tensors (leaves or not).
    """
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("backward: pass grad_tensors or grad_variables (its old name), not both")
        grad_tensors = grad_variables
    outputs = _check_outputs(_as_list(tensors), "backward",
                             "; make at least one input a tensor with requires_grad=True, outside no_grad()")
    seeds = _seed_grads(outputs, _as_list(grad_tensors), "backward")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        _run(outputs, seeds, retain_graph, create_graph)
        return
    targets = _check_inputs(_as_list(inputs), "backward")
    if not targets:
        raise RuntimeError("backward: inputs= was given but is empty")
    for t, g in zip(targets, _run(outputs, seeds, retain_graph, create_graph, targets) or ()):
        if g is not None:
            _accumulate_grad(t, g if create_graph else g.detach(), create_graph)


def _check_outputs(outputs: list[Any], caller: str, hint: str = "") -> list[Tensor]:
    """The outputs to differentiate: Tensors that require grad, or the error that names the first one that isn't."""
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{caller}: expected Tensors, got {type(out).__name__} for output {i}")
        if not out.requires_grad:
            raise RuntimeError(
                f"{caller}: element {i} of tensors does not require grad and does not have a grad_fn "
                f"(shape {out.shape}){hint}"
            )
    return outputs


def _check_inputs(inputs: list[Any], caller: str) -> list[Tensor]:
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{caller}: inputs must be Tensors, got {type(t).__name__} for input {i}")
        if not t.requires_grad:
            raise RuntimeError(
                f"{caller}: One of the differentiated Tensors does not require grad: input {i} (shape {t.shape})"
            )
    return inputs


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is left alone).

    As ``torch.autograd.grad``: ``only_inputs`` is accepted and ignored (PyTorch warns when it is
    False); ``materialize_grads=True`` gives zeros instead of None for unused inputs;
    ``is_grads_batched=True`` is not supported (it raises).
    """
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
            "gradient for other parts of the graph, please use tc.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if is_grads_batched:
        raise NotImplementedError(
            "grad: is_grads_batched=True is not supported; call grad once per row of grad_outputs "
            "(with retain_graph=True)"
        )
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outs = _as_list(outputs)
    ins = _check_inputs(_as_list(inputs), "grad")
    _check_outputs(outs, "grad")
    seeds = _seed_grads(outs, _as_list(grad_outputs), "grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = _run(outs, seeds, retain_graph, create_graph, ins)
    assert result is not None
    final: list[Tensor | None] = []
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: The differentiated Tensor at index {i} (shape {t.shape}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = Tensor._make(np.zeros(t.shape, dtype=t.dtype), None, False)
        elif not create_graph:
            g = g.detach()
        final.append(g)
    return tuple(final)
