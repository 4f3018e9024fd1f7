"""The derivation view: the gradient formulas autodiff built, printed in the source documents' notation.

``derivation(loss, inputs)`` runs ``grad(loss, inputs, create_graph=True)``; each gradient is then a
graph of ordinary ops, and a gradient callback (``grad_tags``) has recorded on every gradient-producing
node what it is the gradient of (``grad_of(node)``). The printer walks those real backward graphs: where it meets a node
that is the gradient of a *named* tensor it writes the symbol ``∂E/∂Z1`` and derives that one on its
own line; everything else is rendered op by op (``conv2d_weight`` → ⋆, ``conv_transpose2d`` → ∗full,
``mul`` → ⊙, ``matmul`` → ·, ``transpose`` → ᵀ, ``sigmoid`` → σ). Steps that only move or copy values
(reshape, expand, un-broadcasting sums over size-1 axes, casts) are skipped, and scalar constants fold.
An op without a renderer prints as ``opname(args)``, so a custom ``Function`` shows its own backward.

The walks are iterative (no recursion limit) and deterministic. See ``docs/derivation.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Node, grad
from ..grad_tags import grad_of
from ..tensor import Tensor
from . import notation as nt
from .notation import Expr
from .renderers import NOTES, RENDERERS, TRANSPARENT, register_renderer, render_node

__all__ = ["derivation", "Derivation", "RENDERERS", "register_renderer"]

#: longest inline sub-formula before the printer names it and derives it on a line of its own
MAX_INLINE = 72


@dataclass
class Line:
    """One derived gradient: ``lhs = rhs``, for ``target`` (a Node or a leaf Tensor)."""

    lhs: str
    rhs: str
    target: Any
    order: tuple[int, int]  # (0: a constant gradient, 1: a graph, 2: unused; then the sequence)

    def __str__(self) -> str:
        return f"{self.lhs} = {self.rhs}"


class Derivation:
    """The printed derivation; ``str()`` gives the text, ``formula(name)`` one right-hand side,
    ``gradients`` the (differentiable) gradient tensors and ``graph()`` their backward graph."""

    def __init__(self, loss_name: str, lines: list[Line], notes: list[str], gradients: dict[str, Tensor | None],
                 where: list[tuple[str, str]], inputs: dict[str, Tensor] | None = None) -> None:
        self.loss_name = loss_name
        self.inputs = inputs or {}
        self.lines = lines
        self.notes = notes
        self.gradients = gradients
        self.where = where

    def formula(self, name: str) -> str:
        """The right-hand side of ``∂L/∂name`` (subscripts such as ᵢⱼ are ignored when matching)."""
        for line in self.lines:
            bare = line.lhs.split("/∂", 1)[1]
            if bare == name or bare.rstrip("ᵢⱼₖ") == name:
                return line.rhs
        raise KeyError(f"no derivation line for {name!r}; lines: {[line.lhs for line in self.lines]}")

    def graph(self, **kwargs: Any) -> Any:
        """The backward graph of all the gradients, drawn by ``make_dot`` (gradient nodes in orange)."""
        from .dot import make_dot

        grads = [g for g in self.gradients.values() if g is not None]
        params = dict(self.inputs)
        params.update({f"∂{self.loss_name}/∂{k}": g for k, g in self.gradients.items() if g is not None})
        return make_dot(grads, params=params, loss_name=self.loss_name, **kwargs)

    def __str__(self) -> str:
        out = [str(line) for line in self.lines]
        if self.where:
            out.append("where")
            out.extend(f"  {name} = {text}" for name, text in self.where)
        if self.notes:
            out.append("")
            out.extend(self.notes)
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython
        p.text(str(self))

    def _latex_lines(self) -> list[str]:
        rows = [f"{nt.latex(line.lhs)} &= {nt.latex(line.rhs)}" for line in self.lines]
        rows += [rf"\text{{where }} {nt.latex(name)} &= {nt.latex(text)}" for name, text in self.where]
        return rows

    def _repr_latex_(self) -> str:
        """Jupyter: the formulas typeset, one aligned line per gradient."""
        # an array, not aligned: MathJax, KaTeX and latex2mathml (the docs' renderer) all set it
        return "$$\\begin{array}{rl}" + r" \\ ".join(self._latex_lines()) + r"\end{array}$$"

    def _repr_markdown_(self) -> str:
        """Jupyter: the typeset formulas, then the legend of symbols as a list."""
        legend = "".join(f"\n- {note}" for note in self.notes)
        return self._repr_latex_() + ("\n" + legend if legend else "")


# --------------------------------------------------------------------------- the walk


class _Context:
    """Names, memoised formulas and the queue of lines to print, for one derivation."""

    def __init__(self, loss_name: str, leaf_names: dict[int, str], node_names: dict[Node, str]) -> None:
        self.loss_name = loss_name
        self.leaf_names = leaf_names
        self.node_names = node_names
        self.auto_count: dict[str, int] = {}
        self.body: dict[Node, Expr] = {}
        self.pending: list[tuple[Any, Any]] = []  # (target, gradient node or constant tensor)
        self.lined: dict[int, str] = {}  # id(target) -> its ∂L/∂ symbol, once queued
        self.where: list[tuple[str, str]] = []
        self.used: list[str] = []
        self.named_leaves: list[Tensor] = []  # filled by derivation(): constants with a name, for _view_of_named

    def note(self, key: str) -> None:
        if key not in self.used:
            self.used.append(key)

    # -- names
    def name_of(self, target: Any) -> str | None:
        if isinstance(target, Node):
            return self.node_names.get(target)
        return self.leaf_names.get(id(target))

    def auto_name(self, base: str) -> str:
        n = self.auto_count.get(base, 0) + 1
        self.auto_count[base] = n
        return f"{base}{nt.subscript(n)}"

    def leaf_expr(self, t: Tensor) -> Expr:
        name = self.leaf_names.get(id(t))
        if name is not None:
            return nt.sym(name)
        data = t._data
        if not t.requires_grad and data.size and data.dtype.kind in "fiub":
            flat = data.reshape(-1)
            if np.all(flat == flat[0]):
                return nt.const(float(flat[0]))
        view = self._view_of_named(t)
        if view is not None:
            return view
        if not t.requires_grad and data.dtype.kind in "fiub" and np.all((data == 0) | (data == 1)):
            self.note("mask")
            name = self.auto_name("M")
        else:
            name = self.auto_name("x" if not t.requires_grad else "p")
        self.leaf_names[id(t)] = name
        return nt.sym(name)

    def constant_grad(self, t: Tensor) -> Expr:
        """A gradient with no graph (nothing it depends on requires grad): its value, or a name for it."""
        if self._uniform(t):
            return nt.const(float(t._data.reshape(-1)[0]))
        if id(t) in self.leaf_names:
            return nt.sym(self.leaf_names[id(t)])
        view = self._view_of_named(t)
        if view is not None:
            return view
        for named in self.named_leaves:  # e.g. ∂(Y ⊙ G)/∂Y = G: the same values as a named tensor
            if named.shape == t.shape and named._data.size > 1 and np.array_equal(named._data, t._data):
                return nt.sym(self.leaf_names[id(named)])
        self.note("const")
        self.leaf_names[id(t)] = name = self.auto_name("const")
        return nt.sym(name)

    def _view_of_named(self, t: Tensor) -> Expr | None:
        """A constant made from a named constant by a re-layout (Xᵀ, X reshaped) keeps the name.

        Ops on tensors that need no gradient record no node, so ``X.T`` inside a backward rule arrives
        as a fresh constant; it still shares X's memory, which is how it is recognised.
        """
        for named in self.named_leaves:
            if named is t or not np.may_share_memory(t._data, named._data):
                continue
            if t._data.size != named._data.size:
                continue
            if t.shape == named.shape and np.array_equal(t._data, named._data):
                return nt.sym(self.leaf_names[id(named)])
            if t.ndim >= 2 and named.ndim >= 2 and np.array_equal(t._data, np.swapaxes(named._data, -1, -2)):
                return nt.transpose(nt.sym(self.leaf_names[id(named)]))
            if np.array_equal(t._data.reshape(-1), named._data.reshape(-1)):
                return nt.sym(self.leaf_names[id(named)])
        return None

    def grad_symbol(self, target: Any, source: Any) -> Expr:
        """``∂L/∂name`` for a gradient of a named target; queue its own line."""
        key = id(target)
        if key not in self.lined:
            self.lined[key] = f"∂{self.loss_name}/∂{self.name_of(target)}"
            self.pending.append((target, source))
        return nt.sym(self.lined[key])

    def unnamed_grad(self, target: Any) -> Expr:
        """A constant gradient of an unnamed tensor: written ∂L/∂(its formula), e.g. ∂L/∂log_softmax(fc)."""
        if isinstance(target, Node):
            expr = self.body.get(target)
            if expr is None:
                expr, _ = self.formula(target)
                self.body[target] = expr
        else:
            expr = self.leaf_expr(target)
        text = nt.render(expr)
        wrapped = text if expr.kind in ("sym", "call") and expr.coef == 1.0 else f"({text})"
        return nt.sym(f"∂{self.loss_name}/∂{wrapped}")

    def owner(self, grad_of: Iterable[Any]) -> Any:
        for target in grad_of:
            if self.name_of(target) is not None:
                return target
        return None

    # -- formulas
    def value(self, x: Any) -> Expr | None:
        """The expression an input stands for in a formula (its body must already be computed)."""
        if isinstance(x, Node):
            target = self.owner(grad_of(x))
            if target is not None:
                return self.grad_symbol(target, x)
            name = self.node_names.get(x)
            if name is not None:
                return nt.sym(name)
            return self.body[x]
        if isinstance(x, Tensor):
            if grad_of(x) and not self._uniform(x):
                target = self.owner(grad_of(x))
                if target is not None:
                    return self.grad_symbol(target, x)
                return self.unnamed_grad(grad_of(x)[0])
            return self.leaf_expr(x)
        return None

    @staticmethod
    def _uniform(t: Tensor) -> bool:
        flat = t._data.reshape(-1)
        return flat.size > 0 and bool(np.all(flat == flat[0]))

    def _opaque(self, x: Any) -> bool:
        """True when the formula shows ``x`` as a symbol, so the walk need not go below it."""
        return self.owner(grad_of(x)) is not None or x in self.node_names

    def _apply(self, node: Node, root: bool) -> tuple[Expr, str]:
        return render_node(self, node, [self.value(x) for x in node.inputs], root)

    def formula(self, root: Node) -> tuple[Expr, str]:
        """The body of ``root``: iterative post-order over the sub-graph shown inline."""
        stack: list[tuple[Node, bool]] = [
            (x, False) for x in root.inputs if isinstance(x, Node) and not self._opaque(x)
        ]
        while stack:
            node, ready = stack.pop()
            if node in self.body:
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((x, False) for x in node.inputs
                             if isinstance(x, Node) and x not in self.body and not self._opaque(x))
                continue
            expr, _ = self._apply(node, root=False)
            if len(nt.render(expr)) > MAX_INLINE:
                self._promote(node, expr)
            else:
                self.body[node] = expr
        return self._apply(root, root=True)

    def _promote(self, node: Node, expr: Expr) -> None:
        """A sub-formula too long to inline gets a name: a gradient its own line, a value a 'where' entry."""
        if grad_of(node):
            target = grad_of(node)[0]
            if isinstance(target, Node):
                self.node_names[target] = self.auto_name(target.name())
            else:
                self.leaf_names[id(target)] = self.auto_name("p")
            self.body[node] = self.grad_symbol(target, node)
            return
        name = self.auto_name(node.name())
        self.node_names[node] = name
        self.where.append((name, nt.render(expr)))
        self.body[node] = nt.sym(name)


def _forward_names(nodes: list[Node], names: dict[Any, str]) -> dict[Node, str]:
    """Labels of the forward graph (module paths, ``name=``), made unique: relu₁, relu₂ for a reused module."""
    by_label: dict[str, list[Node]] = {}
    for node in nodes:
        if node.label is not None:
            by_label.setdefault(node.label, []).append(node)
    out: dict[Node, str] = {}
    for label, nodes in by_label.items():
        if label not in names:  # a Flatten module's output is its input re-laid out: no new name in formulas
            nodes = [n for n in nodes if n.name() not in TRANSPARENT]
        if not nodes:
            continue
        shown = names.get(label, label)
        if label not in names and all(part.isdigit() for part in label.split(".")):
            shown = f"out[{label}]"  # a Sequential child's output: "1" alone would read as the number one
        for i, node in enumerate(nodes):
            out[node] = shown if len(nodes) == 1 else shown + nt.subscript(i + 1)
    return out


def _data_names(nodes: list[Node], leaves: list[Tensor], named: Mapping[int, str]) -> dict[int, str]:
    """Neutral names for the unnamed data of the forward pass: ``X`` the input, ``y`` the target, ``c`` others.

    A tensor the user passed in (an input batch, a target) is a value of the problem, not a constant of
    the formula: it is never folded into a number, and never called a mask because it holds 0s and 1s.
    The leaf the first op reads is the input ``X``; the leaf read last, when that is after the last op
    that reads a parameter (by the loss), is the target ``y``; any other (a mask inside the model) is
    ``c₁``, ``c₂``. ``names=`` overrides all of them. 0-d leaves are the numbers in the code (``/ 2``)
    and fold into coefficients.
    """
    data = [t for t in leaves if id(t) not in named and not t.requires_grad and t.ndim >= 1]
    out: dict[int, str] = {}
    if not data or not nodes:
        return out
    taken = set(named.values())
    first_read: dict[int, int] = {}
    last_param = -1
    for node in nodes:  # creation order
        for x in node.inputs:
            if isinstance(x, Tensor):
                first_read.setdefault(id(x), node._seq)
                if x.requires_grad:
                    last_param = node._seq
    if id(data[0]) in {id(x) for x in nodes[0].inputs if isinstance(x, Tensor)} and "X" not in taken:
        out[id(data.pop(0))] = "X"
    last = max(data, key=lambda t: first_read[id(t)], default=None)
    if last is not None and first_read[id(last)] > last_param:  # read by the loss, after the model
        out[id(last)] = "y" if "y" not in taken else "y'"
        data = [t for t in data if t is not last]
    for i, t in enumerate(data):
        out[id(t)] = "c" + nt.subscript(i + 1)
    return out


def _data_note(names: list[str]) -> str:
    def role(n: str) -> str:
        if n == "X":
            return "the input"
        return "the target" if n.startswith("y") else "a constant"

    described = ", ".join(f"{n} {role(n)}" for n in names)
    return f"{described}: tensors of the forward pass without a name (give one with names= or .name)"


def _graph(loss: Tensor) -> tuple[list[Node], list[Tensor]]:
    """The loss's forward nodes (by creation order) and its leaf tensors (in order of first use), iteratively."""
    seen: set[Node] = set()
    stack = [loss.grad_fn] if loss.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(x for x in node.inputs if isinstance(x, Node) and x not in seen)
    nodes = sorted(seen, key=lambda n: n._seq)
    leaves: dict[int, Tensor] = {}
    for node in nodes:
        for x in node.inputs:
            if isinstance(x, Tensor) and id(x) not in leaves:
                leaves[id(x)] = x
    return nodes, list(leaves.values())


def derivation(
    loss: Tensor,
    inputs: Tensor | Iterable[Tensor] | Mapping[str, Tensor] | None = None,
    names: Mapping[Any, str] | None = None,
    loss_name: str | None = None,
    notes: bool = True,
) -> Derivation:
    """Derive ``∂loss/∂input`` for each input by autodiff and print how: one line per named tensor.

    Args:
        loss: a scalar tensor whose graph is still alive (not yet freed by a backward).
        inputs: the tensors to differentiate against: a tensor, a list, or ``{name: tensor}``
            (e.g. ``dict(model.named_parameters())``); default: every leaf that requires grad.
        names: display names, as the documents write them: ``{tensor: "X"}`` for any tensor (the
            loss included), ``{"0": "Z1"}`` to rename a module-path label, ``{"0.weight": "f"}`` a
            parameter name. Unnamed data of the forward pass prints as ``X`` (the input) and ``y``
            (the target), never as its values.
        loss_name: the symbol for the loss (default ``loss.name`` or ``L``).
        notes: append a legend of the symbols used.

    Returns:
        a :class:`Derivation`; ``print()`` it.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"derivation: loss must be a Tensor, got {type(loss).__name__}")
    if loss._data.size != 1:
        raise ValueError(f"derivation: loss must be a scalar (one element), got shape {loss.shape}")
    if loss.grad_fn is None:
        raise ValueError("derivation: loss has no graph (no input requires grad, or it was computed under no_grad)")
    names = dict(names or {})
    str_names = {k: v for k, v in names.items() if isinstance(k, str)}

    forward_nodes, leaves = _graph(loss)
    if inputs is None:
        targets = [(None, t) for t in leaves if t.requires_grad]
    elif isinstance(inputs, Tensor):
        targets = [(None, inputs)]
    elif isinstance(inputs, Mapping):
        targets = list(inputs.items())
    else:
        targets = [(None, t) for t in inputs]
    for name, t in targets:
        if not isinstance(t, Tensor):
            raise TypeError(f"derivation: inputs must be Tensors, got {type(t).__name__} for {name or 'an input'}")

    leaf_names: dict[int, str] = {}
    extra_node_names: dict[Node, str] = {}
    for key, value in names.items():
        if isinstance(key, Tensor):
            if key.grad_fn is not None:
                extra_node_names[key.grad_fn] = value
            else:
                leaf_names[id(key)] = value
    auto = 0
    for name, t in targets:
        if id(t) in leaf_names:
            continue
        shown = str_names.get(name, name) if name is not None else None
        shown = shown or t._name or (t.grad_fn.label if t.grad_fn is not None else None)
        if shown is None:
            auto += 1
            shown = f"p{nt.subscript(auto)}"
        if t.grad_fn is not None:
            extra_node_names[t.grad_fn] = shown
        else:
            leaf_names[id(t)] = shown

    node_names = _forward_names(forward_nodes, str_names)
    node_names.update(extra_node_names)
    # leaves the user named with .name (the data X, the target y') keep their names in formulas
    for t in leaves:
        if id(t) not in leaf_names and t._name:
            leaf_names[id(t)] = t._name
    data_names = _data_names(forward_nodes, leaves, leaf_names)
    leaf_names.update(data_names)
    given = next((v for k, v in names.items() if k is loss), None)  # names={loss: "E"}
    shown_loss = loss_name or given or loss.name or "L"

    tensors = [t for _, t in targets]
    grads = grad(loss, tensors, create_graph=True, retain_graph=True, allow_unused=True)

    ctx = _Context(shown_loss, leaf_names, node_names)
    ctx.named_leaves = [t for t in leaves if id(t) in leaf_names]
    gradients: dict[str, Tensor | None] = {}
    unused: list[str] = []
    for t, g in zip(tensors, grads):
        target = t.grad_fn if t.grad_fn is not None else t
        gradients[ctx.name_of(target)] = g
        if g is None:
            unused.append(str(ctx.name_of(target)))
            continue
        key = id(target)
        if key not in ctx.lined:
            ctx.lined[key] = f"∂{shown_loss}/∂{ctx.name_of(target)}"
            ctx.pending.append((target, g.grad_fn if g.grad_fn is not None else g))

    lines: list[Line] = []
    done: set[int] = set()
    while ctx.pending:
        target, source = ctx.pending.pop(0)
        if id(target) in done:
            continue
        done.add(id(target))
        lhs = ctx.lined[id(target)]
        index = ""
        if isinstance(source, Tensor):  # a gradient computed from constants only: just a value
            # before the graph lines, nearest the loss first (target creation order, reversed)
            expr, order = ctx.constant_grad(source), (0, -target._seq if isinstance(target, Node) else 1)
        else:
            owner = ctx.owner(grad_of(source))
            if owner is not None and owner is not target:
                expr, order = ctx.grad_symbol(owner, source), (1, source._seq)
            else:
                expr, index = ctx.formula(source)
                order = (1, source._seq)
        lines.append(Line(lhs + nt.subscript(index), nt.render(expr), target, order))
    lines.sort(key=lambda line: line.order)
    lines.extend(Line(f"∂{shown_loss}/∂{u}", "0", None, (2, 0)) for u in unused)
    legend = [text for key, text in NOTES.items() if key in ctx.used] if notes else []
    if notes and data_names:
        legend.append(_data_note(sorted(set(data_names.values()))))
    inputs_by_name = {ctx.name_of(t.grad_fn if t.grad_fn is not None else t): t for t in tensors}
    return Derivation(shown_loss, lines, legend, gradients, ctx.where, inputs_by_name)
