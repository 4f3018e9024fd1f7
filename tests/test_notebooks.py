"""The notebooks in examples/ run from top to bottom, display rich output, and are pages of the docs.

They run without Jupyter: ``scripts/notebooks.py`` executes the code cells in order in one namespace
and displays each cell's last value through the same ``_repr_*_`` methods Jupyter calls.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import notebooks  # noqa: E402

sys.path.pop(0)


def test_there_are_notebooks() -> None:
    assert {p.stem for p in notebooks.NOTEBOOKS} >= {"tour", "conv_gradients", "gradcheck_experiments"}


@pytest.mark.parametrize("path", notebooks.NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    cells = notebooks.run(path, tmp_path)
    code = [c for c in cells if c.kind == "code"]
    assert code and any(c.stdout or c.display for c in code)


@pytest.mark.parametrize("path", notebooks.NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "clear the outputs before committing"


def test_the_tour_displays_the_graph_and_the_typeset_derivation(tmp_path: Path) -> None:
    cells = notebooks.run(ROOT / "examples" / "tour.ipynb", tmp_path)
    shown = "\n".join(item for c in cells for item in c.display)
    assert "$$\\begin{array}{rl}\\frac{\\partial E}{\\partial O} &= - (y' - O)" in shown
    assert ("<svg" in shown) if shutil.which("dot") else ("conv2d → Z1" in shown)
    printed = "".join(c.stdout for c in cells)
    assert "∂E/∂f = X ⋆ ∂E/∂Z1" in printed and "model gradient check: PASSED" in printed


def test_a_failing_cell_names_the_notebook_and_the_cell(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["x = 1"], "metadata": {}, "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": ["1 / 0"], "metadata": {}, "outputs": [], "execution_count": None},
    ]}))
    with pytest.raises(RuntimeError, match=r"bad.ipynb: cell 1 failed: ZeroDivisionError"):
        notebooks.run(bad, tmp_path)


def test_every_notebook_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for path in notebooks.NOTEBOOKS:
        assert f"notebooks/{path.stem}.md" in nav, f"{path.name} is not in mkdocs.yml's nav"
