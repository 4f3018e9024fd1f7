"""MkDocs hook: ``<!-- reference -->`` in a page becomes the generated API reference (scripts/api_reference.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent):  # api_reference.py, and the package when it is not installed
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import api_reference  # noqa: E402

MARKER = "<!-- reference -->"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Expand the marker with the reference of every public name."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, api_reference.markdown())
