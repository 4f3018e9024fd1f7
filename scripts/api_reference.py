"""The API reference, generated from the code: every name in the ``__all__`` of the public modules.

``public_entries()`` walks ``tinygrad_cnn.__all__`` and the ``__all__`` of every public module reached
from it (``nn``, ``functional``, ``optim``, ``autograd``, ``data``, ``viz``, ``checks``, ...), so names
other modules add later appear without editing anything here. Classes list their own public methods
and properties. The MkDocs hook (``scripts/mkdocs_maths.py``) puts ``markdown()`` where ``docs/api.md``
says ``<!-- reference -->``; ``tests/test_reference.py`` fails for a public name without an entry or
without a docstring.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = "tinygrad_cnn"
#: public modules documented even when no ``__all__`` lists them as attributes
ROOTS = (
    "tinygrad_cnn", "tinygrad_cnn.tensor", "tinygrad_cnn.autograd", "tinygrad_cnn.functional", "tinygrad_cnn.nn",
    "tinygrad_cnn.nn.init", "tinygrad_cnn.optim", "tinygrad_cnn.optim.lr_scheduler", "tinygrad_cnn.data",
    "tinygrad_cnn.viz", "tinygrad_cnn.checks", "tinygrad_cnn.serialization",
)


@dataclass(frozen=True)
class Entry:
    """One public name: where it is listed, its name and the object."""

    module: str
    name: str
    obj: Any

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"


def _is_ours(obj: Any) -> bool:
    return (getattr(obj, "__module__", None) or getattr(obj, "__name__", "")).startswith(PACKAGE)


def public_modules() -> list[str]:
    """The roots, and every module of the package that an ``__all__`` lists, in walk order."""
    order: list[str] = []
    queue = list(ROOTS)
    while queue:
        name = queue.pop(0)
        if name in order:
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        order.append(name)
        for attr in getattr(module, "__all__", ()):
            value = getattr(module, attr, None)
            if isinstance(value, types.ModuleType) and value.__name__.startswith(PACKAGE):
                queue.append(value.__name__)
    return order


def public_entries() -> Iterator[Entry]:
    """Every ``(module, name)`` of every public module's ``__all__`` (missing attributes included, as None)."""
    for name in public_modules():
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            yield Entry(name, attr, getattr(module, attr, None))


def public_members(cls: type) -> list[tuple[str, Any]]:
    """A class's own public methods and properties (inherited ones are documented with their class)."""
    out = []
    for name, raw in vars(cls).items():
        if name.startswith("_"):
            continue
        target = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
        if isinstance(target, property) or inspect.isfunction(target) or inspect.ismethoddescriptor(target):
            out.append((name, raw))
    return out


@cache
def _comment_docs() -> dict[str, str]:
    """``#: text`` comments right above ``NAME = ...`` in the package's sources: docs of constants."""
    docs: dict[str, str] = {}
    root = Path(importlib.import_module(PACKAGE).__file__).parent
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines[1:], 1):
            m = re.match(r"([A-Za-z_]\w*)\s*(:[^=]*)?=", line)
            if not m:
                continue
            j, comment = i - 1, []
            while j >= 0 and lines[j].lstrip().startswith("#:"):
                comment.insert(0, lines[j].lstrip()[2:].strip())
                j -= 1
            if comment:
                docs.setdefault(m.group(1), " ".join(comment))
    return docs


def doc_of(entry_name: str, obj: Any) -> str:
    """The docstring a reader gets for ``obj`` ('' when there is none)."""
    if obj is None:
        return ""
    raw = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    if isinstance(raw, (type, types.ModuleType, property)) or callable(raw):
        if isinstance(raw, type):
            return inspect.cleandoc(raw.__dict__.get("__doc__") or "")
        return inspect.getdoc(raw) or ""
    if _is_ours(type(raw)):  # an instance of one of the package's classes (a dtype object, ...)
        return inspect.getdoc(type(raw)) or ""
    return _comment_docs().get(entry_name, "")


def member_doc(cls: type, name: str) -> str:
    """A member's docstring, inherited from a base class's member of the same name if it has none."""
    for klass in cls.__mro__:
        raw = vars(klass).get(name)
        if raw is None:
            continue
        doc = doc_of(name, raw)
        if doc:
            return doc
    return ""


# --------------------------------------------------------------------------- Markdown


def _annotation(ann: Any) -> str:
    return ann if isinstance(ann, str) else inspect.formatannotation(ann)


def _signature(name: str, obj: Any, annotations: bool = True) -> str | None:
    """``name(a: int, b=2) -> T`` as written in the source (annotations unquoted), without ``self``."""
    raw = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    if isinstance(raw, property):
        return None
    try:
        sig = inspect.signature(raw)
    except (TypeError, ValueError):
        return None
    params, star_done = [], False
    for i, p in enumerate(sig.parameters.values()):
        if i == 0 and p.name in ("self", "cls") and not isinstance(raw, type):
            continue
        if p.kind is p.KEYWORD_ONLY and not star_done:
            params.append("*")
        star_done = star_done or p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY)
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if annotations and p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += (" = " if annotations and p.annotation is not p.empty else "=") + repr(p.default)
        params.append(text)
    ret = ""
    if annotations and sig.return_annotation is not sig.empty and not isinstance(raw, type):
        ret = f" -> {_annotation(sig.return_annotation)}"
    return f"{name}({', '.join(params)}){ret}"


_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Yields|Raises|Example|Examples|Note|Notes|Attributes):\s*$")


def doc_markdown(doc: str) -> str:
    """A Google-style docstring as Markdown: ``code`` spans, and Args/Returns sections as lists."""
    text = re.sub(r"``([^`]+)``", r"`\1`", doc)
    text = re.sub(r":(?:class|func|meth|attr|mod):`~?([^`]+)`", r"`\1`", text)
    # a $ in prose is a dollar, not maths: keep the site's LaTeX hook away from it
    text = "".join(part if part.startswith("`") else part.replace("$", "&#36;")
                   for part in re.split(r"(`[^`]*`)", text))
    out: list[str] = []
    in_section = False
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            out += ["", f"**{m.group(1)}**", ""]
            in_section = True
            continue
        if in_section and line.startswith("    "):
            body = line[4:]
            if body.startswith(" ") and out and out[-1].startswith("- "):
                out[-1] += " " + body.strip()  # a continuation line
            else:
                item = re.match(r"(\*{0,2}\w+)( \([^)]*\))?:\s*(.*)", body)
                out.append(f"- `{item.group(1)}`{item.group(2) or ''}: {item.group(3)}" if item else f"- {body}")
            continue
        if in_section and line.strip() == "":
            in_section = False
        out.append(line)
    return "\n".join(out).strip()


def _kind(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if isinstance(obj, type):
        return "class"
    if callable(obj):
        return "function"
    return "constant"


def _anchor(qualname: str) -> str:
    return qualname.replace(".", "-")


def _module_anchor(module: str) -> str:
    return "module-" + module.replace(".", "-")


def markdown() -> str:
    """The whole reference as Markdown: one section per public module, one entry per name in ``__all__``."""
    parts: list[str] = []
    first_home: dict[int, str] = {}
    for module in public_modules():
        mod = importlib.import_module(module)
        names = list(getattr(mod, "__all__", ()))
        if not names:
            continue
        summary = (inspect.getdoc(mod) or "").split("\n\n")[0]
        parts += [f"## `{module}` {{#{_module_anchor(module)}}}", "", doc_markdown(summary), ""]
        for name in names:
            obj = getattr(mod, name, None)
            qual = f"{module}.{name}"
            parts += [f"### {name} {{#{_anchor(qual)}}}", ""]
            home = first_home.get(id(obj)) if not isinstance(obj, (str, int, float, bool)) else None
            if home is not None:
                parts += [f"*{_kind(obj)}*, the same object as [`{home}`](#{_anchor(home)}).", ""]
                continue
            if obj is not None and not isinstance(obj, (str, int, float, bool)):
                first_home[id(obj)] = qual
            if isinstance(obj, types.ModuleType):
                has_section = obj.__name__ in public_modules() and getattr(obj, "__all__", None)
                parts += [f"*module* [`{obj.__name__}`](#{_module_anchor(obj.__name__)})" if has_section
                          else f"*module* `{obj.__name__}`", ""]
                parts += [doc_markdown((inspect.getdoc(obj) or "").split("\n\n")[0]), ""]
                continue
            sig = _signature(name, obj) if callable(obj) else None
            if sig:
                parts += ["```python", sig, "```", ""]
            elif _kind(obj) == "constant":
                parts += [f"*constant* `{name}` = `{_short(obj)}`", ""]
            parts += [doc_markdown(doc_of(name, obj)), ""]
            if isinstance(obj, type) and _is_ours(obj):
                members = public_members(obj)
                if members:
                    parts += ["| member | |", "|---|---|"]
                    for mname, raw in members:
                        label = _signature(mname, raw, annotations=False) or mname
                        first = doc_markdown(member_doc(obj, mname).split("\n\n")[0]).replace("\n", " ")
                        parts.append(f"| `{label.replace('|', '&#124;')}` | {first.replace('|', '&#124;')} |")
                    parts.append("")
    return "\n".join(parts)


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."
