"""Every public name has an entry in the generated API reference and a docstring.

The public names are those in the ``__all__`` of ``tinygrad_cnn`` and of every public module reached
from it (walked, so names added later are covered without editing this test), and the public
methods and properties of the public classes.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

import tinygrad_cnn as tc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import api_reference as ref  # noqa: E402

sys.path.pop(0)


def test_the_walk_reaches_the_public_modules() -> None:
    modules = ref.public_modules()
    for name in ("tinygrad_cnn", "tinygrad_cnn.nn", "tinygrad_cnn.functional", "tinygrad_cnn.optim",
                 "tinygrad_cnn.data", "tinygrad_cnn.viz", "tinygrad_cnn.checks", "tinygrad_cnn.autograd"):
        assert name in modules
    entries = list(ref.public_entries())
    assert len(entries) > 100
    assert {"view", "reshape", "argmax", "flatten"} <= {m for m, _ in ref.public_members(tc.Tensor)}


def test_every_name_in_an_all_exists() -> None:
    missing = [e.qualname for e in ref.public_entries() if e.obj is None and not hasattr(sys.modules[e.module], e.name)]
    assert not missing, f"listed in __all__ but not defined: {missing}"


def test_every_public_name_has_a_docstring() -> None:
    undocumented = [e.qualname for e in ref.public_entries() if not ref.doc_of(e.name, e.obj).strip()]
    assert not undocumented, (
        f"{len(undocumented)} public names without a docstring (give each at least one line, "
        f"or a '#:' comment above a constant): {undocumented}"
    )


def test_every_public_method_and_property_has_a_docstring() -> None:
    undocumented = []
    seen: set[int] = set()
    for entry in ref.public_entries():
        cls = entry.obj
        if not (inspect.isclass(cls) and ref._is_ours(cls)) or id(cls) in seen:
            continue
        seen.add(id(cls))
        for name, _ in ref.public_members(cls):
            if not ref.member_doc(cls, name).strip():
                undocumented.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert not undocumented, f"{len(undocumented)} public members without a docstring: {undocumented}"


def test_every_public_name_has_an_entry_in_the_reference() -> None:
    page = ref.markdown()
    for entry in ref.public_entries():
        assert f"### {entry.name} {{#{ref._anchor(entry.qualname)}}}" in page, entry.qualname
    assert "| `view(*shape)` |" in page and "| `argmax(dim=None, keepdim=False)` |" in page
    assert "\n### relu {#tinygrad_cnn-functional-relu}\n" in page


def test_the_reference_converts_docstrings() -> None:
    md = ref.doc_markdown("Sum ``x``.\n\nArgs:\n    x: a tensor of\n        shape (N,).\n    dim (int): the dim.\n\n"
                          "Costs $5.")
    assert md.splitlines()[0] == "Sum `x`."
    assert "- `x`: a tensor of shape (N,)." in md and "- `dim` (int): the dim." in md
    assert "&#36;5" in md


def test_a_new_undocumented_name_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    def shiny(x):  # no docstring
        return x

    monkeypatch.setattr(tc.functional, "shiny", shiny, raising=False)
    monkeypatch.setattr(tc.functional, "__all__", [*tc.functional.__all__, "shiny"])
    assert "tinygrad_cnn.functional.shiny" in [e.qualname for e in ref.public_entries()
                                                if not ref.doc_of(e.name, e.obj)]
    assert "### shiny {#tinygrad_cnn-functional-shiny}" in ref.markdown()


def test_the_built_site_has_the_reference(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("latex2mathml")
    import os
    import subprocess

    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    html = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="tinygrad_cnn-Tensor"' in html and 'id="tinygrad_cnn-nn-Conv2d"' in html
    assert "<!-- reference -->" not in html
