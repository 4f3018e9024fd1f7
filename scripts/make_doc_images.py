"""Regenerate the pictures the docs show from the code and commands the docs print, so they cannot drift.

``python3 scripts/make_doc_images.py`` runs the tutorial's code blocks in a scratch folder and copies the
graph they render to ``docs/images/tutorial_graph.svg``, and draws ``seed_forward.svg`` and
``seed_backward.svg`` with the commands README.md and docs/derivation.md cite (``COMMANDS``).
``tests/test_derive_names.py`` checks that the pictures' labels are what the code draws today.
It needs Graphviz's ``dot``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: picture -> the ``tinygrad-cnn`` arguments the docs say draw it
COMMANDS: dict[str, list[str]] = {
    "seed_forward.svg": ["graph", "--model", "seed", "--show-attrs"],
    "seed_backward.svg": ["graph", "--model", "seed", "--backward"],
}
BLOCK = re.compile(r"(<!-- skip-test -->\s*)?```python\n(.*?)```", re.S)


def run_page(page: Path, folder: Path) -> dict:
    """Run a page's python blocks in order in ``folder``; return their namespace."""
    namespace: dict = {"__name__": "__docs__"}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        for skip, code in BLOCK.findall(page.read_text(encoding="utf-8")):
            if not skip:
                exec(compile(code, page.name, "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def main() -> int:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        run_page(ROOT / "docs" / "tutorial.md", Path(tmp))
        shutil.copy(Path(tmp) / "seed_graph.svg", ROOT / "docs" / "images" / "tutorial_graph.svg")
    from tinygrad_cnn.cli import main as cli

    for name, argv in COMMANDS.items():
        if cli([*argv, "-o", str(ROOT / "docs" / "images" / name)]) != 0:
            return 1
    print("wrote docs/images/tutorial_graph.svg,", ", ".join(COMMANDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
