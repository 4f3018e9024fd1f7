"""``make_dot``: the graph that made a tensor, as a Graphviz picture (torchviz's names and look).

One box per op (named by its public op name: ``conv2d``, ``sigmoid``, ``matmul``), one per leaf
(parameter name and shape), one per output. Colours tell the kinds apart and a legend says which is
which. On a gradient graph built with ``create_graph=True`` the nodes that produce a gradient say
what they are the gradient of (``∂L/∂Z1``), so the backward pass can be read as a derivation.

The walk is iterative and ordered by creation sequence: the same graph always gives the same DOT
source, and graphs of tens of thousands of nodes draw without hitting Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import graphviz
import numpy as np

from ..autograd import Node
from ..grad_tags import grad_of
from ..tensor import Tensor

__all__ = ["make_dot", "COLORS"]

#: fill colour per node kind (shown in the legend)
COLORS: dict[str, str] = {
    "parameter": "lightblue",
    "constant": "lightgrey",
    "op": "white",
    "gradient op": "orange",
    "output": "darkolivegreen1",
}

_LEGEND_TEXT = {
    "parameter": "leaf that requires grad\n(parameter or input)",
    "constant": "constant leaf",
    "op": "operation (Function)",
    "gradient op": "op whose output is a gradient\n(create_graph=True)",
    "output": "output tensor",
}


def _shape(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def _summary(t: Tensor) -> list[str]:
    """Value (and gradient) summary lines for a tensor node."""
    data = t._data
    lines = [f"{data.dtype}"]
    if data.size == 1 and data.dtype.kind in "fiub":
        lines.append(f"value {float(data.reshape(-1)[0]):.4g}")
    elif data.size and data.dtype.kind in "fiub":
        lines.append(f"min {float(data.min()):.4g} mean {float(data.mean()):.4g} max {float(data.max()):.4g}")
    if t.grad is not None:
        lines.append(f"‖grad‖ {float(np.linalg.norm(t.grad._data)):.4g}")
    return lines


def _fmt_attr(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{_shape(value.shape)} {value.dtype}"
    if isinstance(value, tuple) and value and all(isinstance(v, (int, np.integer)) for v in value) \
            and all(v == value[0] for v in value):
        return str(value[0])  # (2, 2) -> 2, as people write stride=2
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _target_name(target: Any, leaf_names: Mapping[int, str], rank: Mapping[Node, int],
                 labels: Mapping[Node, str]) -> str:
    if isinstance(target, Node):
        if target in labels:
            return labels[target]
        if target.label:
            return target.label
        return f"{target.name()}#{rank[target]}" if target in rank else f"{target.name()}{_shape(target._out_shape)}"
    name = leaf_names.get(id(target)) or getattr(target, "name", None)
    return name or _shape(target.shape)


def make_dot(
    output: Any,
    params: Mapping[str, Tensor] | None = None,
    show_attrs: bool = False,
    show_saved: bool = False,
    show_values: bool = False,
    loss_name: str = "L",
    max_attr_chars: int = 40,
    names: Mapping[Any, str] | None = None,
) -> graphviz.Digraph:
    """Draw the graph that made ``output`` (a Tensor or a list of Tensors).

    Args:
        output: the tensor(s) whose history to draw; a gradient made with ``create_graph=True``
            draws the backward graph autodiff built.
        params: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to label leaves.
        show_attrs: add each op's attributes (stride, padding, dim, ...).
        show_saved: add the shapes and dtypes of the arrays each op saved for backward.
        show_values: add dtype and min/mean/max to leaves and outputs, and the gradient norm
            of leaves that have a ``.grad``.
        loss_name: the symbol for the differentiated quantity in gradient labels (``∂L/∂Z1``).
        max_attr_chars: attribute values longer than this are shortened.
        names: display names, as ``derivation``'s: ``{tensor: "X"}`` for any tensor, and
            ``{"0.weight": "f", "0": "Z1"}`` to rename a parameter name or a module output's label.

    Returns:
        a ``graphviz.Digraph``; ``.render("graph", format="svg")`` writes a file, and Jupyter shows it.
    """
    outputs = list(output) if isinstance(output, (list, tuple)) else [output]
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"make_dot: output {i} must be a Tensor, got {type(t).__name__}")
    leaf_names: dict[int, str] = {}
    if params is not None:
        if not isinstance(params, Mapping):
            raise TypeError(f"make_dot: params must be a dict name -> Tensor, got {type(params).__name__}")
        leaf_names = {id(t): name for name, t in params.items()}
    renames = dict(names or {})
    str_names = {k: v for k, v in renames.items() if isinstance(k, str)}
    leaf_names = {key: str_names.get(name, name) for key, name in leaf_names.items()}
    node_labels: dict[Node, str] = {}
    output_names = {id(k): v for k, v in renames.items() if isinstance(k, Tensor)}
    for key, value in renames.items():
        if isinstance(key, Tensor):
            if key.grad_fn is not None:
                node_labels[key.grad_fn] = value
            else:
                leaf_names[id(key)] = value
        elif not isinstance(key, str):
            raise TypeError(f"make_dot: names keys must be Tensors or names (str), got {type(key).__name__}")

    dot = graphviz.Digraph(
        "graph",
        node_attr={"style": "filled", "shape": "box", "align": "left", "fontsize": "10", "ranksep": "0.1",
                   "height": "0.2", "fontname": "monospace"},
        graph_attr={"size": "12,12"},
    )

    # Collect every node reachable from the outputs, without recursion.
    nodes: dict[Node, None] = {}
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node in nodes:
            continue
        nodes[node] = None
        stack.extend(x for x in node.inputs if isinstance(x, Node) and x not in nodes)
    ordered = sorted(nodes, key=lambda n: n._seq)
    for node in ordered:
        if node not in node_labels and node.label is not None and node.label in str_names:
            node_labels[node] = str_names[node.label]

    # ids by rank, not by global sequence number: two identical graphs give identical DOT source
    rank = {node: i for i, node in enumerate(ordered)}
    leaf_ids: dict[int, str] = {}

    def leaf_node(t: Tensor) -> str:
        key = id(t)
        if key in leaf_ids:
            return leaf_ids[key]
        nid = f"leaf{len(leaf_ids)}"
        leaf_ids[key] = nid
        name = leaf_names.get(key) or t.name
        if name is None and not t.requires_grad and t._data.size == 1 and t._data.dtype.kind in "fiub":
            name = f"{float(t._data.reshape(-1)[0]):.4g}"  # a scalar constant: show its value
        lines = ([name] if name else []) + [_shape(t.shape)]
        if show_values:
            lines += _summary(t)
        kind = "parameter" if t.requires_grad else "constant"
        dot.node(nid, "\n".join(lines), fillcolor=COLORS[kind])
        return nid

    for node in ordered:
        nid = f"op{rank[node]}"
        lines = [node.name()]
        label = node_labels.get(node, node.label)
        if label:
            lines[0] += f" → {label}"
        if grad_of(node):
            lines.append("= " + ", ".join(f"∂{loss_name}/∂{_target_name(t, leaf_names, rank, node_labels)}"
                                          for t in grad_of(node)))
        if show_attrs:
            for key, value in sorted(node.attrs.items()):
                text = _fmt_attr(value)
                lines.append(f"{key}: {text if len(text) <= max_attr_chars else text[:max_attr_chars] + '...'}")
        if show_saved:
            for i, arr in enumerate(node.saved_arrays):
                lines.append(f"saved[{i}]: {_shape(arr.shape)} {arr.dtype}")
        kind = "gradient op" if grad_of(node) else "op"
        dot.node(nid, "\n".join(lines), fillcolor=COLORS[kind])
        for x in node.inputs:
            if isinstance(x, Node):
                dot.edge(f"op{rank[x]}", nid)
            elif isinstance(x, Tensor):
                dot.edge(leaf_node(x), nid)

    for i, t in enumerate(outputs):
        oid = f"out{i}"
        name = output_names.get(id(t)) or leaf_names.get(id(t)) or t.name
        lines = ([name] if name else []) + [_shape(t.shape)]
        if show_values:
            lines += _summary(t)
        dot.node(oid, "\n".join(lines), fillcolor=COLORS["output"])
        if t.grad_fn is not None:
            dot.edge(f"op{rank[t.grad_fn]}", oid)
        else:
            dot.edge(leaf_node(t), oid)

    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontsize="10", style="dashed")
        previous = None
        for kind, colour in COLORS.items():
            lid = "legend_" + kind.replace(" ", "_")
            legend.node(lid, _LEGEND_TEXT[kind], fillcolor=colour)
            if previous is not None:
                legend.edge(previous, lid, style="invis")
            previous = lid
    return dot
