"""Formula trees in the source documents' notation, with the algebra that keeps them readable.

A small expression type: symbols (``∂E/∂Z1``, ``A1``), constants, and operators (⊙ element-wise
product, · matrix product, ᵀ transpose, ⋆ cross-correlation, ∗full full convolution, Σ sums, σ(·)).
Building an expression folds scalar constants into one coefficient (½ · 2 = 1, so the first
document's ∂E/∂O prints as −(y' − O)), flattens chains of ⊙ and applies (AB)ᵀ = BᵀAᵀ and (Aᵀ)ᵀ = A.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["Expr", "sym", "const", "mul", "matmul", "add", "sub", "neg", "div", "transpose", "call", "infix",
           "total", "power", "subscript", "superscript", "render", "number", "latex"]

_SUB = str.maketrans("0123456789ijklmnN-", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₘₙₙ₋")
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

# precedence: higher binds tighter
_ADD, _MUL, _PREFIX, _ATOM = 1, 2, 3, 4


def subscript(text: str) -> str:
    return str(text).translate(_SUB)


def superscript(text: str) -> str:
    return str(text).translate(_SUP)


def number(value: float) -> str:
    """A coefficient as people write it: 1/2, 2, −0.3333 (fractions when they are exact)."""
    if float(value).is_integer():
        return str(int(value)).replace("-", "−")
    frac = Fraction(float(value)).limit_denominator(10_000)
    if abs(float(frac) - value) <= 1e-12 * max(1.0, abs(value)):
        return f"{frac.numerator}/{frac.denominator}".replace("-", "−")
    return f"{value:.6g}".replace("-", "−")


@dataclass(frozen=True)
class Expr:
    """One formula node. ``kind``: sym, const, mul (⊙), matmul (·), infix (any binary symbol), add, sub,
    div, T, call, sum, pow. ``coef`` is a scalar factor kept outside so constants fold."""

    kind: str
    args: tuple[Expr, ...] = ()
    text: str = ""
    coef: float = 1.0
    value: float = 0.0
    prefix: str = field(default="", compare=False)

    def scaled(self, c: float) -> Expr:
        if self.kind == "const":
            return const(self.value * c)
        return Expr(self.kind, self.args, self.text, self.coef * c, self.value, self.prefix)

    def plain(self) -> Expr:
        """This expression without its coefficient."""
        return self if self.coef == 1.0 else Expr(self.kind, self.args, self.text, 1.0, self.value, self.prefix)

    def __str__(self) -> str:
        return render(self)


def sym(text: str) -> Expr:
    return Expr("sym", text=text)


def const(value: float) -> Expr:
    return Expr("const", value=float(value))


def _is_const(e: Expr, value: float | None = None) -> bool:
    return e.kind == "const" and (value is None or e.value == value)


def mul(a: Expr, b: Expr) -> Expr:
    """a ⊙ b, folding constants into the coefficient and flattening ⊙ chains."""
    if _is_const(a):
        return b.scaled(a.value)
    if _is_const(b):
        return a.scaled(b.value)
    parts: list[Expr] = []
    for e in (a, b):
        parts.extend(e.plain().args if e.kind == "mul" else (e.plain(),))
    return Expr("mul", tuple(parts), coef=a.coef * b.coef)


def matmul(a: Expr, b: Expr) -> Expr:
    return Expr("matmul", (a.plain(), b.plain()), coef=a.coef * b.coef)


def infix(symbol: str, a: Expr, b: Expr, prefix: str = "") -> Expr:
    """A binary operator written between its operands (⋆, ∗full, ...), optionally with a prefix like Σᵢ."""
    return Expr("infix", (a.plain(), b.plain()), text=symbol, coef=a.coef * b.coef, prefix=prefix)


def add(a: Expr, b: Expr) -> Expr:
    if _is_const(a, 0.0):
        return b
    if _is_const(b, 0.0):
        return a
    if _is_const(a) and _is_const(b):
        return const(a.value + b.value)
    if a.plain() == b.plain():  # x + x = 2x (a product rule with both factors equal, as in Y ⊙ Y)
        return a.plain().scaled(a.coef + b.coef)
    return Expr("add", (a, b))


def sub(a: Expr, b: Expr) -> Expr:
    if _is_const(b, 0.0):
        return a
    if _is_const(a, 0.0):
        return neg(b)
    if _is_const(a) and _is_const(b):
        return const(a.value - b.value)
    if b.coef < 0:  # a − (−c x) = a + c x
        return add(a, b.scaled(-1.0))
    return Expr("sub", (a, b))


def neg(a: Expr) -> Expr:
    return a.scaled(-1.0)


def div(a: Expr, b: Expr) -> Expr:
    if _is_const(b) and b.value != 0:
        return a.scaled(1.0 / b.value)
    return Expr("div", (a.plain(), b), coef=a.coef)


def transpose(a: Expr) -> Expr:
    """aᵀ with (aᵀ)ᵀ = a and (x · y)ᵀ = yᵀ · xᵀ."""
    if a.kind == "const":
        return a
    if a.kind == "T":
        return a.args[0].scaled(a.coef)
    if a.kind == "matmul":
        x, y = a.args
        return matmul(transpose(y), transpose(x)).scaled(a.coef)
    return Expr("T", (a.plain(),), coef=a.coef)


_INVERSES = {("exp", "log_softmax"): "softmax", ("exp", "log"): "", ("log", "exp"): ""}


def call(name: str, *args: Expr) -> Expr:
    """f(args), with exp(log x) = x and exp(log_softmax(x)) = softmax(x)."""
    if len(args) == 1 and args[0].kind == "call" and args[0].coef == 1.0 and (name, args[0].text) in _INVERSES:
        inner = _INVERSES[(name, args[0].text)]
        return args[0].args[0] if not inner else Expr("call", args[0].args, text=inner)
    return Expr("call", tuple(args), text=name)


def total(a: Expr, label: str = "Σ") -> Expr:
    """A sum over some dimensions, written Σ x."""
    return Expr("sum", (a.plain(),), text=label, coef=a.coef)


def power(a: Expr, p: object) -> Expr:
    return Expr("pow", (a,), text=str(p))


_KIND_PREC = {
    "sym": _ATOM, "const": _ATOM, "call": _ATOM, "T": _ATOM, "pow": _ATOM, "sum": _PREFIX,
    "mul": _MUL, "matmul": _MUL, "infix": _MUL, "div": _MUL, "add": _ADD, "sub": _ADD,
}


def _prec(e: Expr) -> int:
    """How tightly ``e`` binds as printed: a coefficient or a Σ prefix changes it."""
    if e.coef != 1.0 and e.kind != "const":
        return _PREFIX if e.coef == -1.0 else _MUL
    if e.kind == "infix" and e.prefix:
        return _PREFIX
    return _KIND_PREC[e.kind]


def _wrap(e: Expr, parent_kind: str, parent_text: str, minimum: int) -> str:
    """Render a child, in parentheses unless it binds tighter (or is the same associative operator)."""
    text = render(e)
    p = _prec(e)
    same = e.coef == 1.0 and e.kind == parent_kind and e.text == parent_text and parent_kind in ("mul", "matmul")
    if p > minimum or same:
        return text
    return f"({text})"


def render(e: Expr) -> str:
    """The formula as text."""
    if e.kind == "const":
        return number(e.value)
    body = _render_plain(e)
    if e.coef == 1.0:
        return body
    inner = e.plain()
    if e.coef == -1.0:
        return "−" + (body if _prec(inner) >= _PREFIX else f"({body})")
    coef = number(e.coef)
    return f"{coef} " + (body if _prec(inner) > _MUL else f"({body})")


def _render_plain(e: Expr) -> str:
    k = e.kind
    if k == "sym":
        return e.text
    if k == "T":
        (a,) = e.args
        inner = render(a)
        return inner + "ᵀ" if _prec(a) == _ATOM and a.kind != "T" else f"({inner})ᵀ"
    if k == "pow":
        (a,) = e.args
        inner = render(a) if _prec(a) == _ATOM and a.kind != "pow" else f"({render(a)})"
        sup = superscript(e.text)
        return inner + (sup if all(c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻" for c in sup) else f"^{e.text}")
    if k == "call":
        return f"{e.text}(" + ", ".join(render(a) for a in e.args) + ")"
    if k == "sum":
        (a,) = e.args
        return f"{e.text} " + _wrap(a, k, e.text, _MUL)
    if k in ("mul", "matmul", "infix"):
        symbol = {"mul": "⊙", "matmul": "·"}.get(k, e.text)
        text = f" {symbol} ".join(_wrap(a, k, e.text, _MUL) for a in e.args)
        return f"{e.prefix} {text}" if e.prefix else text
    if k == "div":
        a, b = e.args
        return _wrap(a, k, "", _MUL - 1) + " / " + _wrap(b, k, "", _MUL)
    if k == "add":
        a, b = e.args
        return render(a) + " + " + _wrap(b, k, "", _ADD - 1 if b.coef == 1.0 else _ADD)
    if k == "sub":
        a, b = e.args
        return render(a) + " − " + _wrap(b, k, "", _ADD)
    raise ValueError(f"unknown expression kind {k!r}")


# --------------------------------------------------------------------------- LaTeX, for Jupyter

_SUB_BACK = {v: k for k, v in zip("0123456789ijklmn-", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₘₙ₋")}
_LATEX_OPS = {
    "⊙": r"\odot", "⋆": r"\star", "·": r"\cdot", "−": "-", "Σ": r"\sum", "σ": r"\sigma", "ᵀ": r"^{\top}",
    "∗full": r"\ast_{\mathrm{full}}", "²": "^{2}", "³": "^{3}", "½": r"\tfrac{1}{2}",
}
_TOKEN = re.compile(
    r"∂(?P<num>[^/\s]+)/∂(?P<den>\([^()]*(?:\([^()]*\))*[^()]*\)|[^\s(),·⊙⋆ᵀ]+(?:\([^()]*\))?)"  # ∂L/∂name
    r"|(?P<word>[A-Za-z0-9_][A-Za-z0-9_.\[\]']*)(?P<sub>[₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₘₙ₋]*)"
    r"|(?P<op>∗full|[⊙⋆·−Σσᵀ²³½])"
    r"|(?P<other>.)",
    re.S,
)


def _latex_word(word: str, sub: str) -> str:
    """An identifier: X, y', Z1 → Z_{1}, out[4] or conv1.weight upright, with subscripts ᵢⱼ → _{ij}."""
    subs = "".join(_SUB_BACK.get(c, c) for c in sub)
    m = re.fullmatch(r"([A-Za-z])('*)(\d*)", word)
    if re.fullmatch(r"[0-9.]+", word):
        body = word
    elif m:
        letter, primes, digits = m.groups()
        body = letter + primes
        subs = digits + subs
    else:
        body = r"\mathrm{" + word.replace("_", r"\_").replace("[", "{[}").replace("]", "{]}") + "}"
    return body + (f"_{{{subs}}}" if subs else "")


def latex(text: str) -> str:
    """A formula printed in the documents' notation (``∂E/∂Z1 = ∂E/∂A1 ⊙ A1 ⊙ (1 − A1)``) as LaTeX,
    so Jupyter can typeset it: ∂L/∂x becomes a fraction, ⊙ ``\\odot``, ⋆ ``\\star``, ∗full
    ``\\ast_{full}``, ᵀ ``^\\top``, subscripts ``_{ij}``; multi-letter names are set upright."""
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.group("num") is not None:
            den = m.group("den")
            den_tex = latex(den[1:-1]) if den.startswith("(") else latex(den)
            den_tex = f"({den_tex})" if den.startswith("(") else den_tex
            out.append(rf"\frac{{\partial {latex(m.group('num'))}}}{{\partial {den_tex}}}")
        elif m.group("word") is not None:
            out.append(_latex_word(m.group("word"), m.group("sub")))
        elif m.group("op") is not None:
            if m.group("op") == "ᵀ" and out and out[-1].startswith(r"\frac"):
                out[-1] = rf"\left({out[-1]}\right)"  # (∂L/∂Z)ᵀ, not a superscript on the denominator
            out.append(" " + _LATEX_OPS[m.group("op")] + " ")
        else:
            ch = m.group("other")
            if ch in "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₘₙ₋":
                out.append(f"_{{{_SUB_BACK[ch]}}}")
            else:
                out.append({"{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&"}.get(ch, ch))
    return re.sub(" {2,}", " ", "".join(out)).strip()
