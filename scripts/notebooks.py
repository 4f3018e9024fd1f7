"""Run the notebooks in ``examples/`` without Jupyter, and turn them into Markdown pages for the docs.

A notebook is JSON: its code cells run in order in one namespace, as a kernel would run them, and
the value of a cell's last expression is "displayed" through the same rich-display methods Jupyter
calls (``_repr_markdown_``, ``_repr_latex_``, ``_repr_mimebundle_``/``_repr_svg_``, ``repr``).
``tests/test_notebooks.py`` executes every notebook this way; ``scripts/mkdocs_notebooks.py`` puts the
pages, with their outputs, into the built site.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


@dataclass
class Cell:
    """One cell and what running it gave: printed text and the displayed value (as Markdown)."""

    kind: str
    source: str
    stdout: str = ""
    display: list[str] = field(default_factory=list)


def cells(path: Path) -> list[Cell]:
    """The cells of a notebook file (nbformat 4)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    if nb.get("nbformat") != 4:
        raise ValueError(f"{path}: expected an nbformat 4 notebook, got {nb.get('nbformat')}")
    return [Cell(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def rich(value: Any) -> str:
    """A displayed value as Markdown, through the methods Jupyter would call."""
    if hasattr(value, "_repr_markdown_"):
        return value._repr_markdown_()
    if hasattr(value, "_repr_mimebundle_") or hasattr(value, "_repr_svg_"):
        if hasattr(value, "pipe") and shutil.which("dot"):  # a graphviz graph: the SVG, inline
            svg = value.pipe(format="svg", encoding="utf-8")
            return '<div class="notebook-svg">' + svg[svg.index("<svg"):] + "</div>"
        if hasattr(value, "source"):
            return "```text\n" + value.source + "```"
    if hasattr(value, "_repr_latex_"):
        return value._repr_latex_()
    return "```text\n" + repr(value) + "\n```"


def run(path: Path, folder: Path | None = None) -> list[Cell]:
    """Execute the notebook's code cells in order (in ``folder`` when given); each cell with its outputs.

    An exception stops the run and says which cell failed.
    """
    result = cells(path)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    shown: list[str] = []
    namespace["display"] = lambda *values: shown.extend(rich(v) for v in values)  # as IPython's display()
    cwd = os.getcwd()
    if folder is not None:
        os.chdir(folder)
    try:
        for i, cell in enumerate(result):
            if cell.kind != "code":
                continue
            tree = ast.parse(cell.source, filename=f"{path.name}[cell {i}]")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            out = io.StringIO()
            shown.clear()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(tree, f"{path.name}[cell {i}]", "exec"), namespace)
                    if last is not None:
                        value = eval(compile(ast.Expression(last.value), f"{path.name}[cell {i}]", "eval"), namespace)
                        if value is not None:
                            shown.append(rich(value))
            except Exception as exc:
                raise RuntimeError(f"{path.name}: cell {i} failed: {exc!r}\n{cell.source}") from exc
            cell.stdout, cell.display = out.getvalue(), list(shown)
    finally:
        os.chdir(cwd)
    return result


def to_markdown(path: Path, folder: Path | None = None) -> str:
    """The notebook as a Markdown page: text cells as they are, code in blocks, then its outputs."""
    parts = [f"*This page is the notebook `examples/{path.name}`, run when the site was built.*", ""]
    for cell in run(path, folder):
        if cell.kind == "markdown":
            parts += [cell.source, ""]
        elif cell.kind == "code":
            parts += ["```python", cell.source.rstrip(), "```", ""]
            if cell.stdout:
                parts += ["```text", cell.stdout.rstrip(), "```", ""]
            for item in cell.display:
                parts += [item, ""]
    return "\n".join(parts)
