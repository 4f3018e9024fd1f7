"""The derivation view names things as a reader does: user data is X and y (never a mask, never its
values), ``names=`` gives the documents' letters, and Jupyter gets typeset formulas."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn import nn
from tinygrad_cnn.viz.notation import latex

ROOT = Path(__file__).resolve().parent.parent


def _seed_model() -> nn.Sequential:
    tc.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 5), nn.Sigmoid(), nn.Flatten(), nn.Linear(3 * 24 * 24, 1), nn.Sigmoid())


def test_readme_example_names_the_target_y_not_a_mask() -> None:
    model = _seed_model()
    x, y = tc.randn(8, 1, 28, 28), tc.rand(8, 1).round()  # a 0/1 target, as in the README
    text = str(tc.viz.derivation(F.mse_loss(model(x), y), dict(model.named_parameters())))
    assert text.splitlines()[0] == "∂L/∂out[4] = 1/4 (out[4] − y)"
    assert "∂L/∂0.weight = X ⋆ ∂L/∂out[0]" in text
    assert "M₁" not in text and "mask" not in text
    assert "X the input, y the target" in text


def test_random_target_is_y_too() -> None:
    model = _seed_model()
    loss = F.mse_loss(model(tc.randn(2, 1, 28, 28)), tc.rand(2, 1))
    first = str(tc.viz.derivation(loss, dict(model.named_parameters()), notes=False)).splitlines()[0]
    assert first == "∂L/∂out[4] = out[4] − y"  # mean over 2 elements: 2/N = 1


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_a_uniform_label_is_not_folded_into_the_formula(label: float) -> None:
    model = _seed_model()
    xb, yb = tc.randn(1, 1, 28, 28), tc.tensor([[label]])
    E = ((yb - model(xb)) ** 2 / 2).sum()
    first = str(tc.viz.derivation(E, dict(model.named_parameters()))).splitlines()[0]
    assert first == "∂L/∂out[4] = −(y − out[4])"


def test_names_gives_the_first_documents_letters() -> None:
    model = _seed_model()
    xb, yb = tc.randn(1, 1, 28, 28), tc.tensor([[1.0]])
    E = ((yb - model(xb)) ** 2 / 2).sum()
    names = {xb: "X", yb: "y'", E: "E", "0.weight": "f", "0.bias": "B", "3.weight": "W", "3.bias": "b",
             "0": "Z1", "1": "A1", "3": "Z2", "4": "O"}
    lines = str(tc.viz.derivation(E, dict(model.named_parameters()), names=names, notes=False)).splitlines()
    assert lines == [
        "∂E/∂O = −(y' − O)",
        "∂E/∂Z2 = ∂E/∂O ⊙ O ⊙ (1 − O)",
        "∂E/∂b = ∂E/∂Z2",
        "∂E/∂W = ∂E/∂Z2ᵀ · A1",
        "∂E/∂A1 = ∂E/∂Z2 · W",
        "∂E/∂Z1 = ∂E/∂A1 ⊙ A1 ⊙ (1 − A1)",
        "∂E/∂f = X ⋆ ∂E/∂Z1",
        "∂E/∂Bᵢ = Σ ∂E/∂Z1ᵢ",
    ]
    source = tc.viz.make_dot(E, params=dict(model.named_parameters()), names=names).source
    for label in ("conv2d → Z1", "sigmoid → A1", "add → Z2", "sigmoid → O", "sum → E", '"f\n', '"W\n', "y'"):
        assert label in source, label
    assert "0.weight" not in source and "→ 0" not in source


def test_make_dot_names_rejects_bad_keys() -> None:
    x = tc.randn(2, requires_grad=True)
    with pytest.raises(TypeError, match="names keys"):
        tc.viz.make_dot(x.sum(), names={3: "x"})


def test_jupyter_reprs() -> None:
    X = tc.tensor(np.ones((1, 1, 4, 4)))
    K = tc.tensor(np.ones((2, 1, 3, 3)), requires_grad=True)
    Y = F.conv2d(X, K)
    Y.name = "Y"
    d = tc.viz.derivation((Y * Y).sum(), {"K": K})
    md, tex = d._repr_markdown_(), d._repr_latex_()
    assert tex.startswith("$$\\begin{array}{rl}") and tex.endswith("\\end{array}$$")
    assert r"\frac{\partial L}{\partial K} &= X \star \frac{\partial L}{\partial Y}" in tex
    assert md.startswith(tex) and "- ⋆ cross-correlation (valid)" in md
    latex2mathml = pytest.importorskip("latex2mathml.converter")
    mathml = latex2mathml.convert(tex.strip("$"))
    assert "<mfrac>" in mathml and mathml.count("<mtr>") == 2 and "<mi>&</mi>" not in mathml
    dot = tc.viz.make_dot((Y * Y).sum())
    assert callable(getattr(dot, "_repr_mimebundle_", None))  # graphviz.Digraph displays itself


def test_latex_of_the_notation() -> None:
    expected = r"\frac{\partial E}{\partial W} = \left(\frac{\partial E}{\partial Z_{2}}\right) ^{\top} \cdot A_{1}"
    assert latex("∂E/∂W = ∂E/∂Z2ᵀ · A1") == expected
    assert latex("∂L/∂Xⱼ = Σᵢ Gᵢ ∗full Kᵢⱼ").endswith(r"\ast_{\mathrm{full}} K_{ij}")
    assert r"\mathrm{log\_softmax}(\mathrm{fc})" in latex("∂L/∂log_softmax(fc)")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_tutorial_picture_is_what_its_code_draws(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_doc_images import COMMANDS, run_page
    finally:
        sys.path.pop(0)
    ns = run_page(ROOT / "docs" / "tutorial.md", tmp_path)
    drawn = set(re.findall(r"<text[^>]*>([^<]*)</text>", (tmp_path / "seed_graph.svg").read_text()))
    shown = set(re.findall(r"<text[^>]*>([^<]*)</text>", (ROOT / "docs/images/tutorial_graph.svg").read_text()))
    assert {html.unescape(t) for t in drawn} == {html.unescape(t) for t in shown}
    assert {"conv2d → Z1", "X", "f", "W", "b", "sigmoid → O", "E"} <= {html.unescape(t) for t in shown}
    from tinygrad_cnn.cli import main

    for name, argv in COMMANDS.items():  # the README's and derivation page's pictures, drawn by the CLI today
        assert main([*argv, "-o", str(tmp_path / name)]) == 0
        drawn = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", (tmp_path / name).read_text())}
        shown = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>",
                                                     (ROOT / "docs/images" / name).read_text())}
        assert drawn == shown, f"docs/images/{name} is stale: python3 scripts/make_doc_images.py"
    printed = str(ns["d"]).split("\n\n")[0]
    page = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    assert "```text\n" + printed + "\n" in page


def test_a_constant_inside_the_model_is_neither_the_target_nor_a_mask() -> None:
    w = tc.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    x = tc.tensor([[1.0, 2.0, 3.0]])
    keep = tc.tensor([[1.0, 0.0, 1.0]])  # a 0/1 constant in the middle (a hand-made dropout)
    target = tc.tensor([[1.0]])
    h = (x * w) * keep
    h.name = "h"
    loss = F.mse_loss(h.sum(1, keepdim=True), target)
    text = str(tc.viz.derivation(loss, {"w": w}))
    lines = text.splitlines()
    assert lines[:2] == ["∂L/∂h = 2 (Σ h − y)", "∂L/∂w = ∂L/∂h ⊙ c₁ ⊙ X"], text
    assert "M₁" not in text and "mask" not in text
    assert "X the input, c₁ a constant, y the target" in text
