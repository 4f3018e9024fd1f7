"""Hyper-parameter checks shared by the optimizers, with PyTorch's messages."""

from __future__ import annotations

from typing import Any


def check_range(name: str, value: Any, low: float = 0.0, high: float | None = None) -> None:
    """Raise PyTorch's ``ValueError("Invalid <name>: <value>")`` unless low <= value (<= high)."""
    if not (low <= value and (high is None or value <= high)):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"Invalid {name}: {value} (expected {bound})")


def check_cpu_options(op: str, **options: Any) -> None:
    """``fused``/``capturable``/``differentiable`` select GPU or graph-building paths PyTorch offers and this
    CPU framework does not: accept their off values, refuse the rest clearly."""
    for name, value in options.items():
        if value:
            raise ValueError(f"{op}: {name}={value!r} is not supported (the NumPy update is the only implementation)")
