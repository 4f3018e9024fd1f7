"""make_dot: the DOT source names ops and parameters, shows shapes and a legend, is deterministic and scales."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn
from tinygrad_cnn.viz import make_dot
from tinygrad_cnn.viz.dot import COLORS


def small_cnn():
    tc.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.Sigmoid(), nn.Flatten(), nn.Linear(2 * 3 * 3, 1))
    x = tc.randn(1, 1, 6, 6)
    x.name = "X"
    loss = model(x).sum()
    return model, x, loss


def labels(dot) -> list[str]:
    """Every node label in the DOT source (quoted or bare)."""
    return [q or b for q, b in re.findall(r'label=(?:"((?:[^"\\]|\\.)*)"|([^\s\]]+))', dot.source)]


def test_ops_named_by_op_and_leaves_by_parameter_name_and_shape():
    model, x, loss = small_cnn()
    dot = make_dot(loss, params=dict(model.named_parameters()))
    src = dot.source
    text = labels(dot)
    firsts = [t.split("\n")[0] for t in text]
    for op in ("conv2d → 0", "sigmoid → 1", "flatten → 2", "matmul", "transpose", "add → 3", "sum"):
        assert op in firsts, op
    assert "0.weight\n(2, 1, 3, 3)" in text
    assert "3.weight\n(1, 18)" in text
    assert "X\n(1, 1, 6, 6)" in text
    # one edge per tensor input: conv2d has X, weight and bias
    conv_id = re.search(r'(op\d+) \[label="?conv2d', src).group(1)
    assert len(re.findall(rf"-> {conv_id}\b", src)) == 3


def test_colours_and_legend():
    model, x, loss = small_cnn()
    src = make_dot(loss, params=dict(model.named_parameters())).source
    assert "subgraph cluster_legend" in src
    for kind, colour in COLORS.items():
        assert colour in src, kind
    assert f'fillcolor={COLORS["parameter"]}' in src and f'fillcolor={COLORS["constant"]}' in src


def test_attrs_saved_and_values():
    model, x, loss = small_cnn()
    src = make_dot(loss, params=dict(model.named_parameters()), show_attrs=True).source
    assert "stride: 2" in src and "padding: 1" in src and "dilation: 1" in src
    assert "stride" not in make_dot(loss).source
    src = make_dot(loss, show_saved=True).source
    assert re.search(r"saved\[0\]: \(1, 1, 6, 6\) float32", src)
    loss.backward(retain_graph=True)
    w = model[0].weight
    src = make_dot(loss, params=dict(model.named_parameters()), show_values=True).source
    lo, mean, hi = float(w.data.min()), float(w.data.mean()), float(w.data.max())
    assert f"min {lo:.4g} mean {mean:.4g} max {hi:.4g}" in src
    assert f"‖grad‖ {float(np.linalg.norm(w.grad.data)):.4g}" in src
    assert f"value {float(loss.item()):.4g}" in src


def test_deterministic_and_list_of_outputs():
    _, _, loss1 = small_cnn()
    _, _, loss2 = small_cnn()
    assert make_dot(loss1).source == make_dot(loss2).source  # ids by rank, not global counters
    a = tc.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = a.sigmoid()
    src = make_dot([b, c], params={"a": a}).source
    assert "out0" in src and "out1" in src
    assert src.count("a\n(2)") == 1  # the shared leaf is drawn once


def test_ten_thousand_nodes_draw_without_recursion():
    x = tc.tensor([0.5], requires_grad=True)
    h = x
    for _ in range(10_000):
        h = h * 1.0001
    dot = make_dot(h)
    src = dot.source
    assert [t.split("\n")[0] for t in labels(dot)].count("mul") == 10_000
    assert src.count("->") >= 10_000 + 10_000  # each mul: its input node and its constant factor


def test_backward_graph_names_gradients():
    rng = np.random.default_rng(0)
    X = tc.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    K = tc.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    Y = F.conv2d(X, K, stride=2)
    Y.name = "Y"
    L = (Y * Y).sum()
    gX, gK = tc.grad(L, [X, K], create_graph=True)
    src = make_dot([gX, gK], params={"X": X, "K": K}).source
    assert "conv2d_weight" in src and "conv_transpose2d" in src
    assert "∂L/∂Y" in src and "∂L/∂K" in src and "∂L/∂X" in src
    assert f'fillcolor={COLORS["gradient op"]}' in src


def test_bad_arguments():
    with pytest.raises(TypeError, match="must be a Tensor"):
        make_dot(np.zeros(3))
    t = tc.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="params must be a dict"):
        make_dot(t * 2, params=[t])


def test_leaf_output_draws_alone():
    t = tc.tensor([1.0, 2.0], requires_grad=True)
    src = make_dot(t, params={"t": t}).source
    assert "t\n(2)" in labels(make_dot(t, params={"t": t})) and "-> out0" in src


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_renders_svg(tmp_path):
    model, x, loss = small_cnn()
    dot = make_dot(loss, params=dict(model.named_parameters()), show_attrs=True)
    out = dot.render(tmp_path / "graph", format="svg", cleanup=True)
    svg = open(out, encoding="utf-8").read()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "conv2d" in svg and "0.weight" in svg
