"""MkDocs hook: each notebook in ``examples/`` becomes a page ``notebooks/<name>.md``, run at build time."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File

_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent):  # notebooks.py, and the package when it is not installed
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import notebooks  # noqa: E402


def on_files(files: Any, config: Any) -> Any:
    """Add one generated page per notebook (the nav lists them under notebooks/)."""
    for path in notebooks.NOTEBOOKS:
        with tempfile.TemporaryDirectory() as tmp:  # what a notebook writes stays out of the site
            content = notebooks.to_markdown(path, Path(tmp))
        files.append(File.generated(config, f"notebooks/{path.stem}.md", content=content))
    return files
