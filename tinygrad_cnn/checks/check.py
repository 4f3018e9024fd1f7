"""``gradcheck`` and ``gradgradcheck`` with PyTorch's signatures: the report of ``report.py``, plus a raise.

One comparison and one message serve both: ``gradcheck`` builds the ``gradcheck_report`` and fails
where it finds an out-of-tolerance entry, kinks included (PyTorch's gradcheck does not know about
kinks either; the report lists them apart).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .report import GradcheckError, GradcheckReport, gradcheck_report, gradgradcheck_report

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def _verdict(report: GradcheckReport, raise_exception: bool) -> bool:
    message = report.describe_failure(strict=True)
    if message is None:
        return True
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
) -> bool:
    """Compare backward's Jacobian with central differences for every input that requires grad.

    Float inputs are checked in float64 (copies), whatever their dtype. On a mismatch, raise a
    ``GradcheckError`` naming the input, the output, the worst element and both values (or
    return False when ``raise_exception=False``). ``fast_mode`` (PyTorch's) compares one random
    projection vᵀJu per (input, output) pair first, and full Jacobians only where it disagrees.
    """
    report = gradcheck_report(
        func, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode, top_k=1, _caller="gradcheck"
    )
    return _verdict(report, raise_exception)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) ↦ vᵀ ∂func/∂inputs built with create_graph.

    ``grad_outputs`` (the v) defaults to fixed random tensors; they are differentiated too, and a
    message names them as ``grad_outputs[k]``.
    """
    report = gradgradcheck_report(
        func, inputs, grad_outputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode, top_k=1,
        _caller="gradgradcheck",
    )
    return _verdict(report, raise_exception)
