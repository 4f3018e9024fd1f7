"""Gradient checks: ``gradcheck``/``gradgradcheck``, informative reports, kinks, model checks, epsilon studies.

- ``gradcheck`` / ``gradgradcheck``: PyTorch's yes-or-no checks (``tc.gradcheck``), the report plus a raise.
- ``gradcheck_report`` / ``gradgradcheck_report``: what ``tc.gradcheck`` checks, as a report
  (per input/output pair: errors, worst elements, both Jacobians, kinks, fast mode).
- ``check_model``: a model's parameter gradients for a loss on a batch, on a float64 copy.
- ``epsilon_sweep`` / ``plot_epsilon_sweep``: the V-shaped error curve of finite differences.
- ``plot_element_errors``: a heat map of where a backward is wrong.

``docs/gradcheck-experiments.md`` walks through them.
"""

from .check import gradcheck, gradgradcheck
from .experiments import EpsilonSweep, epsilon_sweep
from .model import ModelCheckReport, ParameterCheck, check_model
from .plots import plot_element_errors, plot_epsilon_sweep
from .report import (
    ElementError,
    GradcheckError,
    GradcheckReport,
    PairReport,
    gradcheck_report,
    gradgradcheck_report,
)

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "gradcheck_report",
    "gradgradcheck_report",
    "GradcheckReport",
    "PairReport",
    "ElementError",
    "check_model",
    "ModelCheckReport",
    "ParameterCheck",
    "epsilon_sweep",
    "EpsilonSweep",
    "plot_epsilon_sweep",
    "plot_element_errors",
]

from .._docs import apply as _apply_docs  # noqa: E402 - the one-line docstrings of this package's members

_apply_docs()
