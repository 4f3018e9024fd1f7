"""Gradient-check reports: where a backward is wrong, by how much, and which entries sit on a kink.

``gradcheck_report(func, inputs)`` answers what ``tc.gradcheck`` answers (the same central
differences in float64, the same tolerance ``|a − n| ≤ atol + rtol·|n|``) but returns a report
instead of a bool: per (input, output) pair the max absolute and relative errors, the worst
elements with both values, and both Jacobians.

Kinks. f(x ± ε) also give one-sided differences. Where an entry fails but the forward and
backward differences disagree by more than the tolerance and the analytic value lies between
them (relu at 0, ties in max pooling, abs at 0), the stencil straddles a non-differentiable
point: the entry is listed as a kink, not counted as a failure. Each entry is judged alone, so a
kink never hides a wrong value elsewhere, nor a wrong value at the kink outside the one-sided
range.

Fast mode (as PyTorch's ``fast_mode``): per pair, compare one random projection vᵀJu, analytic
(one backward pass) against numerical (one directional difference), and compute the full
Jacobian only for pairs whose projection disagrees, to explain the failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import grad as autograd_grad
from ..tensor import Tensor
from .jacobians import (
    _as_tuple,
    _differentiable,
    _outputs,
    analytical_jacobian,
    finite_differences,
    promote_inputs,
    second_order_problem,
)

__all__ = [
    "GradcheckError",
    "ElementError",
    "PairReport",
    "GradcheckReport",
    "gradcheck_report",
    "gradgradcheck_report",
]


class GradcheckError(RuntimeError):
    """A Jacobian mismatch (PyTorch raises ``GradcheckError``, a ``RuntimeError``, too)."""


def _fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


@dataclass
class ElementError:
    """One Jacobian entry d(output[output_element]) / d(input[input_element])."""

    output_element: tuple[int, ...]
    input_element: tuple[int, ...]
    analytical: float
    numerical: float  # the central difference
    forward: float  # (f(x + ε) − f(x)) / ε
    backward: float  # (f(x) − f(x − ε)) / ε
    failed: bool
    kink: bool

    @property
    def abs_error(self) -> float:
        return abs(self.analytical - self.numerical)

    def describe(self) -> str:
        where = f"d output{_fmt_index(self.output_element)} / d input{_fmt_index(self.input_element)}"
        if self.kink:
            return (
                f"{where}: one-sided derivatives {self.backward:.6g} (left) and {self.forward:.6g} (right), "
                f"analytical {self.analytical:.6g} lies between them (central difference {self.numerical:.6g})"
            )
        flag = "  <-- out of tolerance" if self.failed else ""
        return (
            f"{where}: analytical {self.analytical:.10g}, numerical {self.numerical:.10g} "
            f"(abs error {self.abs_error:.3g}){flag}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_element": list(self.output_element),
            "input_element": list(self.input_element),
            "analytical": self.analytical,
            "numerical": self.numerical,
            "forward": self.forward,
            "backward": self.backward,
            "abs_error": self.abs_error,
            "failed": self.failed,
            "kink": self.kink,
        }


@dataclass
class PairReport:
    """The check of one (input, output) pair of Jacobian blocks.

    ``analytical`` and ``numerical`` are (output size, input size) matrices, None when fast mode
    passed on a projection (``GradcheckReport.jacobians`` computes them on demand). The max errors
    run over the differentiable entries; kinks are counted apart.
    """

    input_index: int
    output_index: int
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    passed: bool
    max_abs_error: float
    max_rel_error: float
    n_failed: int = 0
    n_kinks: int = 0
    worst: list[ElementError] = field(default_factory=list)
    kinks: list[ElementError] = field(default_factory=list)
    analytical: np.ndarray | None = None
    numerical: np.ndarray | None = None
    projection: tuple[float, float] | None = None  # fast mode: (analytic vᵀJu, numerical vᵀJu)

    def element_errors(self) -> np.ndarray:
        """Per input element, the largest |analytical − numerical| over the output: shape ``input_shape``.

        Kinks count as zero, so a heat map of this shows where the backward is wrong.
        """
        if self.analytical is None or self.numerical is None:
            raise ValueError("this pair passed in fast mode: get its Jacobians with GradcheckReport.jacobians()")
        err = np.abs(self.analytical - self.numerical)
        for e in self.kinks_all:
            err[self._flat(e)] = 0.0
        if err.shape[0] == 0:
            return np.zeros(self.input_shape)
        return err.max(axis=0).reshape(self.input_shape)

    # every kink entry (``kinks`` keeps only the first few for display)
    kinks_all: list[ElementError] = field(default_factory=list, repr=False)

    def _flat(self, e: ElementError) -> tuple[int, int]:
        k = int(np.ravel_multi_index(e.output_element, self.output_shape)) if self.output_shape else 0
        j = int(np.ravel_multi_index(e.input_element, self.input_shape)) if self.input_shape else 0
        return k, j

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input_index,
            "output": self.output_index,
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "passed": self.passed,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "n_failed": self.n_failed,
            "n_kinks": self.n_kinks,
            "worst": [e.to_dict() for e in self.worst],
            "kinks": [e.to_dict() for e in self.kinks],
            "projection": list(self.projection) if self.projection is not None else None,
        }


@dataclass
class GradcheckReport:
    """The result of ``gradcheck_report``: truthy when every pair passed. ``str()`` reads as a table."""

    pairs: list[PairReport]
    order: int
    eps: float
    atol: float
    rtol: float
    fast_mode: bool
    notes: list[str] = field(default_factory=list)
    input_labels: list[str] = field(default_factory=list)
    _func: Callable | None = field(default=None, repr=False)
    _inputs: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.pairs)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def max_abs_error(self) -> float:
        return max((p.max_abs_error for p in self.pairs), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((p.max_rel_error for p in self.pairs), default=0.0)

    @property
    def n_kinks(self) -> int:
        return sum(p.n_kinks for p in self.pairs)

    @property
    def failures(self) -> list[PairReport]:
        return [p for p in self.pairs if not p.passed]

    def pair(self, input_index: int = 0, output_index: int = 0) -> PairReport:
        for p in self.pairs:
            if p.input_index == input_index and p.output_index == output_index:
                return p
        raise KeyError(f"no pair (input {input_index}, output {output_index}) in this report")

    def jacobians(self, input_index: int = 0, output_index: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(analytical, numerical) Jacobians of one pair, each (output size, input size)."""
        p = self.pair(input_index, output_index)
        if p.analytical is None or p.numerical is None:
            assert self._func is not None
            p.numerical = finite_differences(self._func, self._inputs, self.eps, [input_index])[0][0][output_index]
            p.analytical = analytical_jacobian(self._func, self._inputs, [input_index], [output_index])[0][
                output_index
            ]
        return p.analytical, p.numerical

    def describe_failure(self, strict: bool = False) -> str | None:
        """The worst failing entry, named by input, output and element, with both values; None if none.

        ``strict`` (``tc.gradcheck``'s rule, as PyTorch's) also fails on kinks: there the message adds
        the one-sided differences, which show the stencil straddles a non-differentiable point.
        """
        worst: tuple[float, PairReport, ElementError] | None = None
        for p in self.pairs:
            candidates = [e for e in p.worst if e.failed] + (p.kinks_all if strict else [])
            for e in candidates:
                excess = e.abs_error - (self.atol + self.rtol * abs(e.numerical))
                excess = excess if np.isfinite(excess) else np.inf
                if worst is None or excess > worst[0]:
                    worst = (excess, p, e)
        if worst is None:
            return None
        _, p, e = worst
        order = "second-order " if self.order == 2 else ""
        label = self.input_labels[p.input_index] if p.input_index < len(self.input_labels) else str(p.input_index)
        named = f" ({label})" if label != str(p.input_index) else ""
        message = (
            f"{order}Jacobian mismatch for output {p.output_index} with respect to input {p.input_index}{named}: "
            f"worst element d(output{list(e.output_element)})/d(input{list(e.input_element)}): "
            f"analytical {e.analytical:.10g}, numerical {e.numerical:.10g} (difference {e.abs_error:.3g})"
        )
        if e.kink:
            message += (
                f"; the one-sided differences disagree there (forward {e.forward:.6g}, backward {e.backward:.6g}): "
                "the stencil straddles a point where func is not differentiable "
                "(tc.gradcheck_report reports such kinks apart)"
            )
        return message

    def raise_if_failed(self) -> None:
        """Raise ``GradcheckError`` with gradcheck's message if any pair failed."""
        message = self.describe_failure()
        if message is not None:
            raise GradcheckError(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "passed": self.passed,
            "eps": self.eps,
            "atol": self.atol,
            "rtol": self.rtol,
            "fast_mode": self.fast_mode,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "n_kinks": self.n_kinks,
            "notes": list(self.notes),
            "pairs": [p.to_dict() for p in self.pairs],
        }

    def __str__(self) -> str:
        kind = "first order" if self.order == 1 else "second order"
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"gradcheck report ({kind}): {verdict}  (eps {self.eps:g}, atol {self.atol:g}, rtol {self.rtol:g}"
            f"{', fast mode' if self.fast_mode else ''})"
        ]
        lines += [f"note: {n}" for n in self.notes]
        header = (
            f"{'input':<14} {'output':>6}  {'shapes':<26} {'max abs err':>11} {'max rel err':>11} {'kinks':>5}  verdict"
        )
        lines += [header, "-" * len(header)]
        for p in self.pairs:
            label = self.input_labels[p.input_index] if p.input_index < len(self.input_labels) else str(p.input_index)
            shapes = f"{p.input_shape} -> {p.output_shape}"
            verdict = "ok" if p.passed else f"FAIL ({p.n_failed} entries)"
            lines.append(
                f"{label:<14} {p.output_index:>6}  {shapes:<26} {p.max_abs_error:>11.3g} {p.max_rel_error:>11.3g} "
                f"{p.n_kinks:>5}  {verdict}"
            )
        for p in self.pairs:
            if p.projection is not None and not p.passed:
                lines.append(
                    f"fast mode, input {p.input_index}, output {p.output_index}: "
                    f"vᵀJu analytical {p.projection[0]:.10g}, numerical {p.projection[1]:.10g}; "
                    "full Jacobian recomputed to explain:"
                )
            shown = [e for e in p.worst if e.failed] if not p.passed else p.worst[:1]
            if shown:
                title = "worst elements" if not p.passed else "worst element"
                lines.append(f"{title} (input {p.input_index}, output {p.output_index}):")
                lines += [f"  {e.describe()}" for e in shown]
            if p.kinks:
                more = f" (first {len(p.kinks)} shown)" if p.n_kinks > len(p.kinks) else ""
                lines.append(
                    f"non-differentiable points (input {p.input_index}, output {p.output_index}): "
                    f"{p.n_kinks} entries{more}, not counted as failures:"
                )
                lines += [f"  {e.describe()}" for e in p.kinks]
        return "\n".join(lines)


# --------------------------------------------------------------------------- the comparison


def _relative(err: np.ndarray, ana: np.ndarray, num: np.ndarray, atol: float) -> np.ndarray:
    """|a − n| / max(|a|, |n|, atol): atol as a floor, so entries that are zero within tolerance stay small."""
    return err / np.maximum(np.maximum(np.abs(ana), np.abs(num)), atol)


def compare_pair(
    ana: np.ndarray,
    num: np.ndarray,
    fwd: np.ndarray,
    bwd: np.ndarray,
    input_index: int,
    output_index: int,
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    atol: float,
    rtol: float,
    top_k: int = 5,
) -> PairReport:
    """Judge every entry of one Jacobian block; split failures from kinks."""
    err = np.abs(ana - num)
    bad = ~(err <= atol + rtol * np.abs(num))  # NaN and inf count as failures
    lo, hi = np.minimum(fwd, bwd), np.maximum(fwd, bwd)
    spread_tol = atol + rtol * np.maximum(np.abs(lo), np.abs(hi))
    straddles = (hi - lo) > spread_tol
    between = (ana >= lo - spread_tol) & (ana <= hi + spread_tol)
    kink = bad & straddles & between & np.isfinite(fwd) & np.isfinite(bwd)
    failed = bad & ~kink
    smooth = ~kink
    safe_err = np.where(np.isfinite(err), err, np.inf)
    max_abs = float(safe_err[smooth].max()) if smooth.any() else 0.0
    rel = _relative(safe_err, ana, num, atol)
    max_rel = float(np.where(np.isfinite(rel), rel, np.inf)[smooth].max()) if smooth.any() else 0.0

    def entry(k: int, j: int) -> ElementError:
        return ElementError(
            tuple(int(v) for v in np.unravel_index(k, output_shape)) if output_shape else (),
            tuple(int(v) for v in np.unravel_index(j, input_shape)) if input_shape else (),
            float(ana[k, j]),
            float(num[k, j]),
            float(fwd[k, j]),
            float(bwd[k, j]),
            bool(failed[k, j]),
            bool(kink[k, j]),
        )

    # Rank by how far each entry is outside its tolerance: failures first, then the closest calls.
    excess = np.where(kink, -np.inf, safe_err - (atol + rtol * np.abs(np.nan_to_num(num))))
    order = np.argsort(-excess, axis=None, kind="stable")[: min(top_k, excess.size)]
    worst = [entry(*np.unravel_index(f, excess.shape)) for f in order if np.isfinite(excess.flat[f])]
    worst += [entry(*np.unravel_index(f, excess.shape)) for f in order if excess.flat[f] == np.inf]
    kinks_all = [entry(int(k), int(j)) for k, j in zip(*np.nonzero(kink))]
    return PairReport(
        input_index=input_index,
        output_index=output_index,
        input_shape=tuple(input_shape),
        output_shape=tuple(output_shape),
        passed=not failed.any(),
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        n_failed=int(failed.sum()),
        n_kinks=int(kink.sum()),
        worst=worst,
        kinks=kinks_all[:top_k],
        kinks_all=kinks_all,
        analytical=ana,
        numerical=num,
    )


def _full_pairs(
    func: Callable, inputs: Sequence[Any], outputs: Sequence[Tensor], wrt: Sequence[int], eps: float,
    atol: float, rtol: float, top_k: int, only: set[tuple[int, int]] | None = None,
) -> list[PairReport]:
    """Full Jacobians for the given (input, output) pairs (all of them when ``only`` is None)."""
    pairs_wanted = [(i, o) for i in wrt for o in range(len(outputs)) if only is None or (i, o) in only]
    if not pairs_wanted:
        return []
    inputs_needed = sorted({i for i, _ in pairs_wanted})
    outputs_needed = sorted({o for _, o in pairs_wanted})
    num, fwd, bwd = finite_differences(func, inputs, eps, inputs_needed)
    ana = analytical_jacobian(func, inputs, inputs_needed, outputs_needed)  # one backward per output element
    pairs = []
    for i, o in pairs_wanted:
        n = inputs_needed.index(i)
        pairs.append(
            compare_pair(
                ana[n][o], num[n][o], fwd[n][o], bwd[n][o], i, o, inputs[i].shape, outputs[o].shape, atol, rtol, top_k,
            )
        )
    return pairs


def _projections(
    func: Callable, inputs: Sequence[Any], outputs: Sequence[Tensor], wrt: Sequence[int], eps: float, seed: int
) -> dict[tuple[int, int], tuple[float, float]]:
    """Per pair, (analytic, numerical) vᵀJu for unit random u (per input) and v (per output)."""
    rng = np.random.default_rng(seed)
    us = {}
    for i in wrt:
        u = rng.standard_normal(inputs[i].shape)
        us[i] = u / max(np.linalg.norm(u), 1e-300)
    vs = []
    for out in outputs:
        v = rng.standard_normal(out.shape)
        vs.append(v / max(np.linalg.norm(v), 1e-300))
    # numerical: one directional central difference per input gives J u for every output
    ju: dict[int, list[np.ndarray]] = {}
    for i in wrt:
        x = inputs[i]._data
        orig = x.copy()
        x[...] = orig + eps * us[i]
        plus = [o._data.astype(np.float64, copy=True) for o in _outputs(func, inputs)]
        x[...] = orig - eps * us[i]
        minus = [o._data.astype(np.float64, copy=True) for o in _outputs(func, inputs)]
        x[...] = orig
        ju[i] = [(p - m) / (2 * eps) for p, m in zip(plus, minus)]
    # analytic: one backward pass per output gives vᵀJ for every input
    result = {}
    targets = [inputs[i] for i in wrt]
    for o, out in enumerate(_outputs(func, inputs)):
        if out.requires_grad:
            grads = autograd_grad(out, targets, Tensor._make(vs[o].astype(out.dtype), None, False), allow_unused=True)
        else:
            grads = (None,) * len(targets)
        for i, g in zip(wrt, grads):
            a = float(np.sum(g._data * us[i])) if g is not None else 0.0
            result[(i, o)] = (a, float(np.sum(vs[o] * ju[i][o])))
    return result


def gradcheck_report(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    top_k: int = 5,
    seed: int = 0,
    input_labels: Sequence[str] | None = None,
    _order: int = 1,
    _notes: Sequence[str] = (),
    _caller: str = "gradcheck_report",
) -> GradcheckReport:
    """Check func's backward against central differences and say where and by how much it is wrong.

    Same arguments and tolerance as ``tc.gradcheck``; float inputs are checked on float64 copies
    (with a note when some were float32). ``fast_mode`` checks one random projection vᵀJu per
    (input, output) pair and computes full Jacobians only for the pairs that disagree. ``top_k``
    bounds the worst elements and kinks listed per pair.
    """
    raw = _as_tuple(inputs)
    inputs, promoted = promote_inputs(raw)
    notes = list(_notes)
    if promoted:
        which = [
            str(i) for i, x in enumerate(raw) if isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != np.float64
        ]
        notes.append(
            f"input(s) {', '.join(which)} are float32: checked on float64 copies (finite differences in float32 "
            "are dominated by round-off; see tinygrad_cnn.checks.epsilon_sweep)"
        )
    wrt = _differentiable(inputs)
    if not wrt:
        raise ValueError(f"{_caller}: expected at least one input tensor with requires_grad=True")
    outputs = _outputs(func, inputs)
    if not outputs:
        raise ValueError(f"{_caller}: func returned no tensors")
    if fast_mode:
        proj = _projections(func, inputs, outputs, wrt, eps, seed)
        suspicious = set()
        pairs_by_key: dict[tuple[int, int], PairReport] = {}
        for (i, o), (a, n) in proj.items():
            err = abs(a - n)
            if not err <= atol + rtol * abs(n):
                suspicious.add((i, o))
            else:
                pairs_by_key[(i, o)] = PairReport(
                    i, o, inputs[i].shape, outputs[o].shape, True, err, float(err / max(abs(a), abs(n), atol)),
                    projection=(a, n),
                )
        for p in _full_pairs(func, inputs, outputs, wrt, eps, atol, rtol, top_k, suspicious):
            p.projection = proj[(p.input_index, p.output_index)]
            pairs_by_key[(p.input_index, p.output_index)] = p
        pairs = [pairs_by_key[k] for k in sorted(pairs_by_key)]
        notes.append(
            "fast mode: errors of passing pairs are those of one random projection vᵀJu (unit u, v), "
            "not of every entry"
        )
    else:
        pairs = _full_pairs(func, inputs, outputs, wrt, eps, atol, rtol, top_k)
    return GradcheckReport(
        pairs=pairs,
        order=_order,
        eps=eps,
        atol=atol,
        rtol=rtol,
        fast_mode=fast_mode,
        notes=notes,
        input_labels=list(input_labels) if input_labels is not None else [str(i) for i in range(len(inputs))],
        _func=func,
        _inputs=tuple(inputs),
    )


def gradgradcheck_report(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    top_k: int = 5,
    seed: int = 0,
    _caller: str = "gradgradcheck_report",
) -> GradcheckReport:
    """The report of ``tc.gradgradcheck``: gradcheck of (inputs, v) ↦ vᵀ ∂func/∂inputs.

    Inputs numbered from ``len(inputs)`` on are the v (``grad_outputs``), labelled ``v0=grad_outputs[0]``, ...
    """
    raw = _as_tuple(inputs)
    first_derivative, all_inputs, n_in = second_order_problem(func, raw, grad_outputs, _caller)
    notes = []
    if any(isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != np.float64 for x in raw):
        notes.append("float32 inputs: checked on float64 copies")
    labels = [str(i) for i in range(n_in)] + [f"v{o}=grad_outputs[{o}]" for o in range(len(all_inputs) - n_in)]
    return gradcheck_report(
        first_derivative, all_inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode, top_k=top_k,
        seed=seed, input_labels=labels, _order=2, _notes=notes, _caller=_caller,
    )
