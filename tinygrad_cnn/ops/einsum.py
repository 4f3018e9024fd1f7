"""``einsum`` from differentiable pieces: repeated letters in one term become ``diagonal``s, every
operand is permuted and reshaped onto one shared letter order, multiplied with broadcasting, and the
letters missing from the output are summed. So it has gradients of every order, at the cost of the
full broadcast product in memory (fine for the small contractions CNN code writes)."""

from __future__ import annotations

from collections.abc import Sequence

from ..tensor import Tensor
from .index import diagonal


def _expand_ellipsis(
    terms: list[str], rhs: str | None, ops: Sequence[Tensor], equation: str
) -> tuple[list[str], str | None, str]:
    """Replace ``...`` by fresh letters, right-aligned across operands as broadcasting is."""
    fresh = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation]
    counts = []
    for term, op in zip(terms, ops):
        if "..." in term:
            counts.append(op.ndim - (len(term) - 3))
            if counts[-1] < 0:
                raise ValueError(f"einsum: term '{term}' has more letters than operand dimensions {op.shape}")
        else:
            counts.append(0)
    width = max(counts, default=0)
    letters = "".join(fresh[:width])
    out_terms = [t.replace("...", letters[width - k:]) if "..." in t else t for t, k in zip(terms, counts)]
    if rhs is not None:
        rhs = rhs.replace("...", letters)
    return out_terms, rhs, letters


def einsum(equation: str, ops: Sequence[Tensor]) -> Tensor:
    """Evaluate ``equation`` (``"ij,jk->ik"``, ``"bij,bjk->bik"``, ``"ii->i"``, ``"...ij->...ji"``) on ``ops``."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs_given = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ops):
        raise ValueError(f"einsum: the equation names {len(terms)} operands but {len(ops)} were given")
    terms, rhs, ell = _expand_ellipsis(terms, rhs_given if arrow else None, ops, eq)
    if rhs is None:  # implicit output: the broadcast letters, then the letters seen once, sorted
        letters = "".join(terms)
        rhs = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    ops = list(ops)
    for k, (term, op) in enumerate(zip(terms, ops)):
        if len(term) != op.ndim:
            raise ValueError(f"einsum: term '{term}' does not fit an operand of shape {op.shape}")
        while len(set(term)) != len(term):  # a repeated letter: take that diagonal (moved to the end)
            c = next(ch for ch in term if term.count(ch) > 1)
            p = term.index(c)
            q = term.index(c, p + 1)
            if op.shape[p] != op.shape[q]:
                raise ValueError(
                    f"einsum: letter '{c}' repeated in '{term}' over sizes {op.shape[p]} and {op.shape[q]}"
                )
            op = diagonal(op, 0, p, q)
            term = term[:p] + term[p + 1:q] + term[q + 1:] + c
        terms[k], ops[k] = term, op
    sizes: dict[str, int] = {}
    for term, op in zip(terms, ops):
        for c, n in zip(term, op.shape):
            m = sizes.get(c)
            if m is None or m == 1:
                sizes[c] = n
            elif n not in (1, m):
                raise ValueError(f"einsum: dimension '{c}' has sizes {m} and {n}")
    missing = [c for c in rhs if c not in sizes]
    if missing or len(set(rhs)) != len(rhs):
        raise ValueError(f"einsum: output '{rhs_given}' names letters that are missing from the inputs or repeated")
    order = list(rhs) + sorted(c for c in sizes if c not in rhs)
    product = None
    for term, op in zip(terms, ops):
        perm = sorted(range(len(term)), key=lambda i: order.index(term[i]))
        x = op.permute(*perm) if perm != list(range(len(term))) else op
        shape = [op.shape[term.index(c)] if c in term else 1 for c in order]
        x = x.reshape(tuple(shape))
        product = x if product is None else product * x
    summed = tuple(range(len(rhs), len(order)))
    out = product.sum(summed) if summed else product
    target = tuple(sizes[c] for c in rhs)
    return out if out.shape == target else out.expand(target)
