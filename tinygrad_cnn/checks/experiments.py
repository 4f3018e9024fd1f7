"""The epsilon study: how the error of a finite difference depends on its step.

A forward difference (f(x + ε) − f(x))/ε has truncation error ≈ ε·|f''|/2; a central difference
(f(x + ε) − f(x − ε))/2ε has ≈ ε²·|f'''|/6. Both also suffer round-off ≈ u·|f|/ε, with u the unit
round-off of the dtype (about 6e-8 in float32, 1e-16 in float64). The total error therefore falls
as ε shrinks, bottoms out, and rises again: the classic V on a log-log plot, with its floor near
ε ≈ √u (forward) or ∛u (central).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import grad as autograd_grad
from ..tensor import Tensor, tensor

__all__ = ["EpsilonSweep", "epsilon_sweep", "default_sweep_function"]

METHODS = ("central", "forward")


def default_sweep_function(x: Tensor) -> Tensor:
    """A smooth scalar function with non-zero higher derivatives: Σ σ(x)·tanh(x) + x³/3."""
    return (x.sigmoid() * x.tanh() + x**3 / 3.0).sum()


@dataclass
class EpsilonSweep:
    """Max absolute error of the numerical gradient against autodiff's, per (dtype, method), per ε."""

    eps: np.ndarray
    errors: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def best(self, dtype: str, method: str) -> tuple[float, float]:
        """(ε, error) at the bottom of the V."""
        err = self.errors[(dtype, method)]
        k = int(np.nanargmin(err))
        return float(self.eps[k]), float(err[k])

    def table(self) -> str:
        keys = list(self.errors)
        head = "eps      " + "".join(f"{d + ' ' + m:>18}" for d, m in keys)
        rows = [head]
        for k, e in enumerate(self.eps):
            rows.append(f"{e:<9.0e}" + "".join(f"{self.errors[key][k]:>18.3e}" for key in keys))
        return "\n".join(rows)

    def __str__(self) -> str:
        best = ", ".join(f"{d} {m}: ε={self.best(d, m)[0]:.0e} ({self.best(d, m)[1]:.1e})" for d, m in self.errors)
        return self.table() + "\nbest: " + best


def epsilon_sweep(
    func: Callable[[Tensor], Tensor] | None = None,
    x: Any = None,
    eps: Sequence[float] | None = None,
    dtypes: Sequence[Any] = (np.float32, np.float64),
    methods: Sequence[str] = METHODS,
) -> EpsilonSweep:
    """Sweep the finite-difference step for a scalar ``func`` at ``x``.

    The reference is autodiff's gradient in float64; each numerical gradient is computed entirely in
    the given dtype (inputs, perturbation and function), as a user checking a float32 model would.
    Defaults: a smooth function of 5 points in [−1, 1], ε from 1e-1 to 1e-12.
    """
    func = func or default_sweep_function
    x0 = np.linspace(-1.0, 1.0, 5) if x is None else np.asarray(x, dtype=np.float64)
    steps = np.logspace(-1, -12, 23) if eps is None else np.asarray(eps, dtype=np.float64)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"epsilon_sweep: method must be one of {METHODS}, got {m!r}")
    xt = tensor(x0, requires_grad=True)
    (reference,) = autograd_grad(func(xt), [xt])
    ref = reference._data.reshape(-1)
    sweep = EpsilonSweep(eps=steps)
    for dtype in dtypes:
        d = np.dtype(dtype)

        def f(values: np.ndarray, d: np.dtype = d) -> float:
            return float(func(Tensor._make(values.astype(d, copy=False), None, False))._data)

        base = f(x0.astype(d))
        for method in methods:
            errs = np.empty(len(steps))
            for k, e in enumerate(steps):
                num = np.empty(x0.size)
                for j in range(x0.size):
                    plus = x0.astype(d).reshape(-1).copy()
                    plus[j] += d.type(e)
                    if method == "central":
                        minus = x0.astype(d).reshape(-1).copy()
                        minus[j] -= d.type(e)
                        num[j] = (f(plus.reshape(x0.shape)) - f(minus.reshape(x0.shape))) / (2 * e)
                    else:
                        num[j] = (f(plus.reshape(x0.shape)) - base) / e
                errs[k] = np.max(np.abs(num - ref))
            sweep.errors[(d.name, method)] = errs
    return sweep
