"""MkDocs hook: LaTeX in the Markdown (``$...$`` inline, ``$$...$$`` display) becomes MathML at build time.

The built pages need no script and no network to show typeset formulas: browsers render MathML
natively (Chromium since 109, Firefox, Safari). Code blocks and code spans are left alone, so a ``$``
in code stays a ``$``. Wired in by ``mkdocs.yml`` (``hooks:``); ``tests/test_docs_maths.py`` opens the
built pages in headless Chromium and checks that the formulas are laid out and no raw TeX is left.
"""

from __future__ import annotations

import re
from typing import Any

from latex2mathml.converter import convert
from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

# a code span (left alone), display maths, or inline maths whose $ hug their content ($x$, not "$ 5 and $ 6")
_PATTERN = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|(?<![\\$\w])\$(?P<inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?!\w)",
    re.S,
)


class MathError(ValueError):
    """A formula latex2mathml cannot convert: the build stops and names the page and the formula."""


def to_mathml(tex: str, display: bool) -> str:
    """One formula as a ``<math>`` element (display="block" for ``$$...$$``)."""
    try:
        html = convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises its own exception types
        raise MathError(f"cannot typeset {tex.strip()!r}: {exc}") from exc
    # ⋆ (cross-correlation) is set small in most maths fonts and reads as a dot: enlarge it
    return html.replace("<mo>&#x022C6;</mo>", '<mo mathsize="1.3em">&#x022C6;</mo>')


class _MathPreprocessor(Preprocessor):
    """Runs after fenced code blocks are stashed, so only prose and code spans are seen here."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)

        def replace(m: re.Match[str]) -> str:
            if m.group("code") is not None:
                return m.group(0)
            if m.group("display") is not None:
                return "\n\n" + self.md.htmlStash.store(to_mathml(m.group("display"), True)) + "\n\n"
            return self.md.htmlStash.store(to_mathml(m.group("inline"), False))

        return _PATTERN.sub(replace, text).split("\n")


class MathExtension(Extension):
    """The Markdown extension; ``on_config`` below adds it to MkDocs."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.register(_MathPreprocessor(md), "latex_mathml", 22)  # after fenced_code (25)


def on_config(config: Any) -> Any:
    """MkDocs hook: add the extension to every page's Markdown."""
    config.markdown_extensions.append(MathExtension())
    return config
