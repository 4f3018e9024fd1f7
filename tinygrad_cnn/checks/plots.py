"""Plots for the gradient-check experiments (matplotlib, the optional ``plot`` extra)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .experiments import EpsilonSweep

__all__ = ["plot_epsilon_sweep", "plot_element_errors"]


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install 'tinygrad_cnn[plot]' (or pip install matplotlib)"
        ) from None
    return plt


def _save(fig: Any, path: str | os.PathLike | None) -> None:
    if path is None:
        return
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}.png"
    fig.savefig(tmp, dpi=120, bbox_inches="tight")
    os.replace(tmp, path)  # never a half-written image


def plot_epsilon_sweep(sweep: EpsilonSweep, path: str | os.PathLike | None = None, title: str | None = None) -> Any:
    """Log-log error against ε, one line per (dtype, method): the V where truncation meets round-off."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = {"central": "-o", "forward": "--s"}
    for (dtype, method), err in sweep.errors.items():
        ax.loglog(sweep.eps, np.maximum(err, 1e-18), styles.get(method, "-"), ms=3, label=f"{dtype}, {method}")
    ax.invert_xaxis()
    ax.set_xlabel("finite-difference step ε")
    ax.set_ylabel("max |numerical − autodiff| gradient")
    ax.set_title(title or "Finite differences: truncation error meets round-off")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    _save(fig, path)
    return fig


def plot_element_errors(
    errors: np.ndarray, path: str | os.PathLike | None = None, title: str = "per-element gradient error"
) -> Any:
    """A heat map of |analytic − numerical| per element of an input (2-D, or the last two dims summed over the rest)."""
    plt = _pyplot()
    e = np.abs(np.asarray(errors, dtype=np.float64))
    if e.ndim > 2:
        e = e.reshape(-1, *e.shape[-2:]).max(axis=0)
    elif e.ndim < 2:
        e = e.reshape(1, -1)
    fig, ax = plt.subplots(figsize=(5, 4.2))
    im = ax.imshow(e, cmap="magma")
    fig.colorbar(im, ax=ax, label="|analytic − numerical|", format="%.3g")
    ax.set_title(title)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    _save(fig, path)
    return fig
