"""Model-level gradient checks: every parameter's gradient of a loss on a batch, against finite differences.

The check runs on a float64 copy of the model (float32 finite differences drown in round-off), so
the model itself is left untouched. Large parameters are checked on a random sample of
coordinates (always including the one with the largest gradient); each coordinate costs two
forward passes. When the model is float32, the report also gives how far its own float32 gradient
is from the float64 one: the precision float32 training actually gets.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import grad as autograd_grad
from ..autograd import no_grad
from ..tensor import Tensor, _to_array
from .report import ElementError, compare_pair

__all__ = ["ParameterCheck", "ModelCheckReport", "check_model"]


@dataclass
class ParameterCheck:
    """The check of one parameter: errors over the sampled coordinates (kinks apart)."""

    name: str
    shape: tuple[int, ...]
    numel: int
    checked: int
    passed: bool
    max_abs_error: float
    max_rel_error: float
    n_failed: int
    n_kinks: int
    worst: list[ElementError] = field(default_factory=list)  # input_element = the coordinate in the parameter
    kinks: list[ElementError] = field(default_factory=list)
    dtype: str = "float64"
    own_dtype_error: float | None = None  # max |g_model − g_float64| when the model is not float64

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "numel": self.numel,
            "checked": self.checked,
            "passed": self.passed,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "n_failed": self.n_failed,
            "n_kinks": self.n_kinks,
            "worst": [e.to_dict() for e in self.worst],
            "dtype": self.dtype,
            "own_dtype_error": self.own_dtype_error,
        }


@dataclass
class ModelCheckReport:
    """Per-parameter results of ``check_model``; truthy when every parameter passed."""

    parameters: list[ParameterCheck]
    loss: float
    eps: float
    atol: float
    rtol: float
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.parameters)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> ParameterCheck:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"no parameter named {name!r}; checked: {[p.name for p in self.parameters]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "loss": self.loss,
            "eps": self.eps,
            "atol": self.atol,
            "rtol": self.rtol,
            "notes": list(self.notes),
            "parameters": [p.to_dict() for p in self.parameters],
        }

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [f"model gradient check: {verdict}  (loss {self.loss:.6g}, eps {self.eps:g}, atol {self.atol:g}, "
                 f"rtol {self.rtol:g})"]
        lines += [f"note: {n}" for n in self.notes]
        own = any(p.own_dtype_error is not None for p in self.parameters)
        header = (f"{'parameter':<20} {'shape':<16} {'checked':>9} {'max abs err':>11} {'max rel err':>11} "
                  f"{'kinks':>5}{'  own-dtype err' if own else ''}  verdict")
        lines += [header, "-" * len(header)]
        for p in self.parameters:
            if own and p.own_dtype_error is not None:
                extra = f"  {p.own_dtype_error:>14.3g}"
            else:
                extra = " " * 16 if own else ""
            verdict = "ok" if p.passed else f"FAIL ({p.n_failed})"
            lines.append(
                f"{p.name:<20} {str(p.shape):<16} {f'{p.checked}/{p.numel}':>9} {p.max_abs_error:>11.3g} "
                f"{p.max_rel_error:>11.3g} {p.n_kinks:>5}{extra}  {verdict}"
            )
        for p in self.parameters:
            if not p.passed:
                lines.append(f"worst coordinates of {p.name}:")
                lines += [f"  {p.name}{list(e.input_element)}: analytical {e.analytical:.10g}, numerical "
                          f"{e.numerical:.10g} (abs error {e.abs_error:.3g})" for e in p.worst if e.failed]
        return "\n".join(lines)


def _float64_copy(model: Any) -> Any:
    """A deep copy of the model with float64 parameters (``double()`` when it has one)."""
    twin = copy.deepcopy(model)
    if callable(getattr(twin, "double", None)):
        twin.double()
    else:
        for _, p in twin.named_parameters():
            p._data = p._data.astype(np.float64)
    return twin


def _as_float64(x: Any) -> Any:
    if isinstance(x, Tensor):
        return Tensor._make(x._data.astype(np.float64), None, False) if x.dtype.kind == "f" else x
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return Tensor._make(x.astype(np.float64), None, False)
    return x


def check_model(
    model: Any,
    loss_fn: Callable[[Any, Any], Tensor],
    input: Any,  # noqa: A002 - PyTorch's name
    target: Any = None,
    *,
    samples_per_param: int = 32,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    top_k: int = 3,
) -> ModelCheckReport:
    """Check ``loss_fn(model(input), target)``'s gradient for every parameter of ``model``.

    ``model`` is anything with ``named_parameters()`` that is callable on ``input`` (an
    ``nn.Module``); ``loss_fn`` a criterion such as ``nn.CrossEntropyLoss()`` or ``F.mse_loss``
    (called with the output alone when ``target`` is None). Parameters with more than
    ``samples_per_param`` entries are checked on that many random coordinates.
    """
    if not callable(getattr(model, "named_parameters", None)):
        raise TypeError(f"check_model: expected a model with named_parameters(), got {type(model).__name__}")
    named = list(model.named_parameters())
    if not named:
        raise ValueError("check_model: the model has no parameters to check")
    if samples_per_param < 1:
        raise ValueError(f"check_model: samples_per_param must be at least 1, got {samples_per_param}")
    twin = _float64_copy(model)
    twin_named = list(twin.named_parameters())
    x64, t64 = _as_float64(input), _as_float64(target)

    def loss_of(m: Any, x: Any, t: Any) -> Tensor:
        out = m(x)
        loss = loss_fn(out) if t is None else loss_fn(out, t)
        if not isinstance(loss, Tensor) or loss._data.size != 1:
            raise ValueError(f"check_model: loss_fn must return a scalar Tensor, got {getattr(loss, 'shape', loss)!r}")
        return loss

    notes = []
    dtypes = sorted({str(p.dtype) for _, p in named})
    if dtypes != ["float64"]:
        notes.append(f"model parameters are {', '.join(dtypes)}: checked on a float64 copy; 'own-dtype err' is "
                     "max |model's own gradient − float64 gradient|")
    params = [p for _, p in twin_named]
    loss = loss_of(twin, x64, t64)
    grads = autograd_grad(loss, params, allow_unused=True)
    own_grads: list[Any] = [None] * len(named)
    if dtypes != ["float64"]:
        own_input = input if isinstance(input, Tensor) else Tensor._make(_to_array(input, None), None, False)
        own_loss = loss_of(model, own_input, target)
        own_grads = list(autograd_grad(own_loss, [p for _, p in named], allow_unused=True))

    rng = np.random.default_rng(seed)
    checks = []
    with no_grad():
        base = float(loss_of(twin, x64, t64)._data)
        for n, ((name, p), g) in enumerate(zip(twin_named, grads)):
            g_flat = np.zeros(p._data.size) if g is None else g._data.reshape(-1).astype(np.float64)
            size = p._data.size
            if size <= samples_per_param:
                coords = np.arange(size)
            else:
                picked = rng.choice(size, samples_per_param, replace=False)
                top = int(np.argmax(np.abs(g_flat)))
                coords = np.unique(np.concatenate([[top], picked[: samples_per_param - 1]]))
            flat = p._data.reshape(-1)
            plus, minus = np.empty(coords.size), np.empty(coords.size)
            for c, j in enumerate(coords):
                orig = flat[j]
                flat[j] = orig + eps
                plus[c] = float(loss_of(twin, x64, t64)._data)
                flat[j] = orig - eps
                minus[c] = float(loss_of(twin, x64, t64)._data)
                flat[j] = orig
            row = lambda a: a.reshape(1, -1)  # noqa: E731 - a 1 × checked Jacobian block
            pair = compare_pair(
                row(g_flat[coords]), row((plus - minus) / (2 * eps)), row((plus - base) / eps),
                row((base - minus) / eps), 0, 0, (coords.size,), (), atol, rtol, top_k,
            )

            def at_param(
                e: ElementError, shape: tuple[int, ...] = p.shape, coords: np.ndarray = coords
            ) -> ElementError:
                e.input_element = tuple(int(v) for v in np.unravel_index(int(coords[e.input_element[0]]), shape))
                return e

            own_err = None
            if own_grads[n] is not None:
                own_err = float(np.max(np.abs(own_grads[n]._data.astype(np.float64) - g_flat.reshape(p.shape))))
            checks.append(ParameterCheck(
                name=name, shape=tuple(p.shape), numel=size, checked=int(coords.size), passed=pair.passed,
                max_abs_error=pair.max_abs_error, max_rel_error=pair.max_rel_error, n_failed=pair.n_failed,
                n_kinks=pair.n_kinks, worst=[at_param(e) for e in pair.worst], kinks=[at_param(e) for e in pair.kinks],
                dtype=str(named[n][1].dtype), own_dtype_error=own_err,
            ))
    return ModelCheckReport(checks, base, eps, atol, rtol, notes)
