"""How a float tensor prints, as PyTorch's ``tensor([5.5000, 3.0000])``: all integral values as ``1.``, else
four decimals, or ``1.2345e+03`` notation when the nonzero magnitudes span more than 1000× or leave
[1e-4, 1e8]; every number padded to the widest; as many numbers on a line as fit in 80 columns; beyond 1000
elements only the first and last three of each dimension, with the format chosen from those shown."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

PRECISION, LINEWIDTH, THRESHOLD, EDGEITEMS = 4, 80, 1000, 3


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows: the first and last ``EDGEITEMS`` of every long dimension."""
    for axis, n in enumerate(arr.shape):
        if n > 2 * EDGEITEMS:
            idx = np.r_[0:EDGEITEMS, n - EDGEITEMS:n]
            arr = np.take(arr, idx, axis=axis)
    return arr


def float_formatter(arr: np.ndarray) -> tuple[Callable[[float], str], int]:
    """The number format for the float array ``arr`` (PyTorch's rules) and the width every number gets."""
    flat = arr.reshape(-1)
    vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
    int_mode, sci_mode, width = True, False, 1
    if vals.size:
        mags = np.abs(vals)
        lo, hi = float(mags.min()), float(mags.max())
        int_mode = bool(np.all(vals == np.ceil(vals)))
        sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if sci_mode:
            width = max(len(f"{v:.{PRECISION}e}") for v in vals)
        elif int_mode:
            width = max(len(f"{v:.0f}") + 1 for v in vals)
        else:
            width = max(len(f"{v:.{PRECISION}f}") for v in vals)

    def fmt(value: float) -> str:
        v = float(value)
        if sci_mode:
            s = f"{v:.{PRECISION}e}"
        elif int_mode:
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = f"{v:.{PRECISION}f}"
        return s.rjust(width)

    return fmt, width


def _layout(arr: np.ndarray, indent: int, fmt: Callable[[float], str], width: int, summarize: bool) -> str:
    if arr.ndim == 0:
        return fmt(arr.item())
    n = arr.shape[0]
    cut = summarize and n > 2 * EDGEITEMS
    if arr.ndim == 1:
        items = ([fmt(v) for v in arr[:EDGEITEMS]] + [" ..."] + [fmt(v) for v in arr[-EDGEITEMS:]]) if cut \
            else [fmt(v) for v in arr]
        per_line = max(1, (LINEWIDTH - indent) // (width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n)) if cut else list(range(n))
    parts = ["..." if i is None else _layout(arr[i], indent + 1, fmt, width, summarize) for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def float_body(arr: np.ndarray, indent: int = len("tensor(")) -> str:
    """The numbers of the float array ``arr`` laid out as PyTorch prints them after ``tensor(``."""
    summarize = arr.size > THRESHOLD
    fmt, width = float_formatter(_summarized(arr) if summarize else arr)
    return _layout(arr, indent, fmt, width, summarize)
