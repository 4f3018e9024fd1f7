"""docs/pytorch-compat.md is generated from the package: regenerating it must give the file as committed,
and every PyTorch name the page lists as missing must really be missing."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("make_pytorch_compat", ROOT / "scripts" / "make_pytorch_compat.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_is_up_to_date():
    gen = _generator()
    assert gen.PAGE.read_text(encoding="utf-8") == gen.render(), (
        "docs/pytorch-compat.md is out of date: run python3 scripts/make_pytorch_compat.py"
    )


def test_listed_names_resolve_as_the_page_says():
    gen = _generator()
    page = gen.PAGE.read_text(encoding="utf-8")
    missing = page.split("## Common PyTorch names that are not here")[1]
    for name in gen.INSTEAD:
        listed = f"| `{name}` |" in missing
        assert listed == (gen.resolve(name) is None), name
    assert gen.resolve("torch.nn.Conv2d") is not None and gen.resolve("torch.Tensor.view_as") is not None
    assert gen.resolve("torch.no_such_thing") is None
    for name in ("x.view_as", "x.to", "`linspace`", "`DataLoader`", "`random_split`", "transforms.Normalize"):
        assert name in page


def test_no_file_links_outside_the_repository():
    """The pages stand alone: every relative link resolves inside the repository, and no absolute path
    of this machine appears (the team's notes beside the checkout are not shipped)."""
    link = re.compile(r"\]\(([^)#\s]+)")
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "/work/" not in text, path
        for target in link.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (path.parent / target).resolve().is_relative_to(ROOT.resolve()), (path, target)
