"""Jacobians for gradient checks: central (and one-sided) differences in float64, and backward's.

The numerical Jacobian comes from central differences (f(x + ε) − f(x − ε)) / 2ε in float64,
one input element at a time; the analytic one from one backward pass per output element.
``second_order_problem`` turns a second-order check into a first-order one. ``report.py`` compares
the two; ``docs/gradcheck-experiments.md`` explains the error terms and the tolerances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import grad as autograd_grad
from ..tensor import Tensor, tensor

__all__ = [
    "numerical_jacobian",
    "analytical_jacobian",
    "finite_differences",
    "promote_inputs",
    "second_order_problem",
]


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func: Callable, inputs: Sequence[Any]) -> tuple[Tensor, ...]:
    outs = _as_tuple(func(*inputs))
    return tuple(o for o in outs if isinstance(o, Tensor))


def _differentiable(inputs: Sequence[Any]) -> list[int]:
    return [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def promote_inputs(inputs: Sequence[Any]) -> tuple[list[Any], bool]:
    """float64 copies of float inputs (leaves with the same ``requires_grad``); True if any was promoted."""
    promoted = False
    out: list[Any] = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            if x.dtype != np.float64:
                promoted = True
            # A C-ordered copy: finite differences perturb it in place through a flat view.
            out.append(tensor(x._data.astype(np.float64), requires_grad=x.requires_grad))
        else:
            out.append(x)
    return out, promoted


def finite_differences(
    func: Callable, inputs: Sequence[Any], eps: float = 1e-6, wrt: Sequence[int] | None = None
) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]], list[list[np.ndarray]]]:
    """Central, forward and backward difference Jacobians J[i][o], each (outputs[o].size, inputs[i].size).

    The three come from the same evaluations f(x − ε), f(x), f(x + ε); where the one-sided ones
    disagree, the stencil straddles a point where func is not differentiable (a kink).
    """
    wrt = _differentiable(inputs) if wrt is None else list(wrt)
    # Not under no_grad: func may itself differentiate (gradgradcheck's first derivative).
    base = [o._data.astype(np.float64, copy=True).reshape(-1) for o in _outputs(func, inputs)]
    central: list[list[np.ndarray]] = []
    forward: list[list[np.ndarray]] = []
    backward: list[list[np.ndarray]] = []
    for i in wrt:
        x = inputs[i]
        flat = x._data.reshape(-1)  # a view: perturb in place, restore afterwards
        if not np.shares_memory(flat, x._data):
            raise ValueError(f"finite differences need input {i} as a contiguous array, got strides {x._data.strides}")
        plus_cols = [np.zeros((b.size, flat.size)) for b in base]
        minus_cols = [np.zeros((b.size, flat.size)) for b in base]
        for j in range(flat.size):
            orig = flat[j]
            # Copy each output at once: an output may share the input's array (identity, views).
            flat[j] = orig + eps
            plus = [o._data.astype(np.float64, copy=True) for o in _outputs(func, inputs)]
            flat[j] = orig - eps
            minus = [o._data.astype(np.float64, copy=True) for o in _outputs(func, inputs)]
            flat[j] = orig
            for o, (p, m) in enumerate(zip(plus, minus)):
                plus_cols[o][:, j] = p.reshape(-1)
                minus_cols[o][:, j] = m.reshape(-1)
        central.append([(p - m) / (2 * eps) for p, m in zip(plus_cols, minus_cols)])
        forward.append([(p - b[:, None]) / eps for p, b in zip(plus_cols, base)])
        backward.append([(b[:, None] - m) / eps for m, b in zip(minus_cols, base)])
    return central, forward, backward


def numerical_jacobian(
    func: Callable, inputs: Sequence[Any], eps: float = 1e-6, wrt: Sequence[int] | None = None
) -> list[list[np.ndarray]]:
    """J[i][o] of shape (outputs[o].size, inputs[i].size) by central differences."""
    return finite_differences(func, inputs, eps, wrt)[0]


def analytical_jacobian(
    func: Callable, inputs: Sequence[Any], wrt: Sequence[int] | None = None, only_outputs: Sequence[int] | None = None
) -> list[list[np.ndarray]]:
    """J[i][o] from backward passes: row k is the gradient of output element k.

    ``only_outputs`` restricts the (costly, one backward per element) rows to those outputs; the
    others are left as zeros.
    """
    wrt = _differentiable(inputs) if wrt is None else list(wrt)
    outs = _outputs(func, inputs)
    targets = [inputs[i] for i in wrt]
    jac = [[np.zeros((o._data.size, inputs[i]._data.size)) for o in outs] for i in wrt]
    for o, out in enumerate(outs):
        if not out.requires_grad or (only_outputs is not None and o not in only_outputs):
            continue
        for k in range(out._data.size):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[k] = 1
            grads = autograd_grad(out, targets, Tensor._make(seed, None, False), retain_graph=True, allow_unused=True)
            for n, g in enumerate(grads):
                if g is not None:
                    jac[n][o][k, :] = g._data.reshape(-1)
    return jac


def second_order_problem(
    func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, caller: str = "gradgradcheck"
) -> tuple[Callable[..., tuple[Tensor, ...]], tuple[Any, ...], int]:
    """The first-order problem whose gradcheck is func's second-order check.

    Returns ``(first_derivative, all_inputs, n_in)``: ``first_derivative(*inputs, *v)`` is
    vᵀ ∂func/∂inputs built with ``create_graph=True``, and ``all_inputs`` are the float64 inputs
    followed by the v (``grad_outputs``, default fixed random tensors), which are differentiated too.
    """
    inputs, _ = promote_inputs(_as_tuple(inputs))
    wrt = _differentiable(inputs)
    if not wrt:
        raise ValueError(f"{caller}: expected at least one input tensor with requires_grad=True")
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outputs]
    else:
        grad_outputs = [
            tensor(np.asarray(g._data if isinstance(g, Tensor) else g, dtype=np.float64), requires_grad=True)
            for g in _as_tuple(grad_outputs)
        ]
        for o, (g, out) in enumerate(zip(grad_outputs, outputs)):
            if g.shape != out.shape:
                raise ValueError(f"{caller}: grad_outputs[{o}] has shape {g.shape}, output {o} has {out.shape}")
    n_in = len(inputs)

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        xs, vs = args[:n_in], args[n_in:]
        outs = _outputs(func, xs)
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        targets = [xs[i] for i in wrt]
        if not pairs:
            return tuple(Tensor._make(np.zeros(t.shape), None, False) for t in targets)
        grads = autograd_grad(
            [p[0] for p in pairs], targets, [p[1] for p in pairs], create_graph=True, allow_unused=True
        )
        zeros = (Tensor._make(np.zeros(t.shape), None, False) for t in targets)
        return tuple(g if g is not None else z for g, z in zip(grads, zeros))

    return first_derivative, tuple(inputs) + tuple(grad_outputs), n_in
