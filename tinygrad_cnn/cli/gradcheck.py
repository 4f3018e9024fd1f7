"""Check every built-in op's first and second derivatives against finite differences.

Each row compares the gradients autodiff computes with central differences in float64, first
order and second order (the gradient of the gradient), on small random inputs, and prints the
largest absolute and relative errors. Entries on a kink (relu at 0, ties in max pooling) are
reported, not failed. Exit code: 0 all passed, 1 a check failed, 2 a usage error (an unknown
--op, a negative --seed), as for any command-line error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import functional as F
from ..checks.report import gradcheck_report, gradgradcheck_report
from ..tensor import Tensor, cat, stack, tensor


@dataclass(frozen=True)
class Case:
    op: str
    config: str
    func: Callable[..., Tensor]
    shapes: tuple[tuple[int, ...], ...]
    positive: bool = False  # inputs in (0.5, 1.5): log, sqrt, pow, BCE


def _cases() -> list[Case]:
    conv = [
        ("stride 1", {}),
        ("stride 2, padding 1", {"stride": 2, "padding": 1}),
        ("dilation 2", {"dilation": 2}),
        ("padding 'same'", {"padding": "same"}),
        ("stride (2,1), padding (0,1)", {"stride": (2, 1), "padding": (0, 1)}),
    ]
    cases = [
        Case("add", "broadcast (2,3) + (3,)", lambda a, b: a + b, ((2, 3), (3,))),
        Case("sub", "broadcast (2,1) − (1,3)", lambda a, b: a - b, ((2, 1), (1, 3))),
        Case("mul", "broadcast (2,3,1) ⊙ (3,4)", lambda a, b: a * b, ((2, 3, 1), (3, 4))),
        Case("div", "(2,3) / (3,)", lambda a, b: a / b, ((2, 3), (3,)), positive=True),
        Case("pow", "x ** 3", lambda a: a**3, ((2, 3),)),
        Case("pow", "x ** y (tensors)", lambda a, b: a**b, ((2, 3), (2, 3)), positive=True),
        Case("exp", "(2,3)", lambda a: a.exp(), ((2, 3),)),
        Case("log", "(2,3)", lambda a: a.log(), ((2, 3),), positive=True),
        Case("sqrt", "(2,3)", lambda a: a.sqrt(), ((2, 3),), positive=True),
        Case("abs", "(2,3)", lambda a: a.abs(), ((2, 3),)),
        Case("sigmoid", "(2,3)", lambda a: a.sigmoid(), ((2, 3),)),
        Case("tanh", "(2,3)", lambda a: a.tanh(), ((2, 3),)),
        Case("relu", "(2,3)", lambda a: a.relu(), ((2, 3),)),
        Case("clamp", "min −0.5, max 0.5", lambda a: a.clamp(-0.5, 0.5), ((2, 3),)),
        Case("sum", "dim 1, keepdim", lambda a: a.sum(1, keepdim=True), ((2, 3, 2),)),
        Case("mean", "dims (0, 2)", lambda a: a.mean((0, 2)), ((2, 3, 2),)),
        Case("max", "dim 1", lambda a: a.max(1)[0], ((3, 4),)),
        Case("softmax", "dim 1", lambda a: a.softmax(1), ((2, 4),)),
        Case("log_softmax", "dim 1", lambda a: a.log_softmax(1), ((2, 4),)),
        Case("matmul", "(2,3) @ (3,4)", lambda a, b: a @ b, ((2, 3), (3, 4))),
        Case("matmul", "batched (2,2,3) @ (3,)", lambda a, b: a @ b, ((2, 2, 3), (3,))),
        Case("linear", "(2,3) → 4, bias", lambda a, w, b: F.linear(a, w, b), ((2, 3), (4, 3), (4,))),
        Case("reshape", "(2,3,2) → (3,4)", lambda a: a.reshape(3, 4) * a.reshape(3, 4), ((2, 3, 2),)),
        Case("permute", "(2,3,4) → (2,0,1)", lambda a: a.permute(2, 0, 1).exp(), ((2, 3, 4),)),
        Case("getitem", "slices and an index array", lambda a: a[1:, np.array([0, 2, 2])] ** 2, ((3, 4),)),
        Case("pad", "(1, 2, 0, 1)", lambda a: F.pad(a, (1, 2, 0, 1)).exp(), ((2, 3),)),
        Case("cat", "dim 1", lambda a, b: cat([a, b], 1) ** 2, ((2, 3), (2, 1))),
        Case("stack", "dim 0", lambda a, b: stack([a, b], 0) ** 2, ((2, 3), (2, 3))),
        Case("mse_loss", "mean", lambda a, b: F.mse_loss(a, b), ((3, 4), (3, 4))),
        Case(
            "binary_cross_entropy", "mean",
            lambda a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid()), ((3, 4), (3, 4)),
        ),
        Case("cross_entropy", "4 classes", lambda a: F.cross_entropy(a, np.array([0, 3, 1])), ((3, 4),)),
        Case("cross_entropy", "(N,C,d), weight, ignore, smoothing",
             lambda a: F.cross_entropy(a, np.array([[0, 2], [3, 1]]), weight=tensor(np.array([1.0, 0.5, 2.0, 1.5])),
                                       ignore_index=2, label_smoothing=0.2), ((2, 4, 2),)),
        Case("cross_entropy", "probability targets", lambda a, b: F.cross_entropy(a, b.softmax(1)), ((3, 4), (3, 4))),
        Case("nll_loss", "weight", lambda a: F.nll_loss(a, np.array([1, 0, 3]), weight=tensor(np.arange(1.0, 5.0))),
             ((3, 4),)),
        Case("log_sigmoid", "(2,3)", lambda a: F.logsigmoid(a * 4), ((2, 3),)),
        Case("binary_cross_entropy_with_logits", "pos_weight",
             lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid(), pos_weight=tensor(np.array([2.0, 0.5]))),
             ((3, 2), (3, 2))),
        Case("l1_loss", "targets away from the kink", lambda a, b: F.l1_loss(a, b.abs() + 2), ((3, 4), (3, 4))),
        Case("smooth_l1_loss", "beta 5 (quadratic part)",
             lambda a, b: F.smooth_l1_loss(a, b.abs() + 2, beta=5.0), ((3, 4), (3, 4))),
        Case("huber_loss", "delta 0.5 (linear part)",
             lambda a, b: F.huber_loss(a, b.abs() + 2, delta=0.5), ((3, 4), (3, 4))),
        Case("kl_div", "batchmean", lambda a, b: F.kl_div(a, b, reduction="batchmean"), ((3, 4), (3, 4)),
             positive=True),
        Case("correlate2d", "valid", lambda x, k: F.correlate2d(x, k, "valid"), ((5, 6), (3, 2))),
        Case("correlate2d", "same, even kernel", lambda x, k: F.correlate2d(x, k, "same"), ((5, 5), (2, 2))),
        Case("convolve2d", "full", lambda x, k: F.convolve2d(x, k, "full"), ((4, 5), (3, 3))),
    ]
    for name, kw in conv:
        cases.append(
            Case("conv2d", f"2→3 ch, 3×3, {name}", lambda x, w, b, kw=kw: F.conv2d(x, w, b, **kw),
                 ((2, 2, 6, 5), (3, 2, 3, 3), (3,)))
        )
    cases += [
        Case("conv2d", "groups 2, 4→2 channels", lambda x, w: F.conv2d(x, w, groups=2), ((1, 4, 5, 5), (2, 2, 3, 3))),
        Case("conv_transpose2d", "stride 2, padding 1",
             lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), ((1, 2, 3, 3), (2, 3, 3, 3))),
        Case("max_pool2d", "kernel 2", lambda x: F.max_pool2d(x, 2), ((1, 2, 4, 4),)),
        Case("max_pool2d", "kernel 3, stride 2, padding 1",
             lambda x: F.max_pool2d(x, 3, stride=2, padding=1), ((1, 2, 5, 5),)),
        Case("avg_pool2d", "kernel 2", lambda x: F.avg_pool2d(x, 2), ((1, 2, 4, 4),)),
        Case("avg_pool2d", "kernel 3, stride 2, padding 1",
             lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), ((1, 2, 5, 5),)),
    ]
    from .gradcheck_layers import layer_cases  # normalisation, dropout, activations, resampling

    return cases + layer_cases()


def _inputs(case: Case, rng: np.random.Generator) -> list[Tensor]:
    out = []
    for shape in case.shapes:
        if case.positive:
            data = rng.uniform(0.5, 1.5, shape)
        else:
            # away from 0 so relu/abs/clamp kinks are not straddled by the stencil
            data = rng.uniform(0.2, 1.2, shape) * rng.choice([-1.0, 1.0], shape)
        out.append(tensor(data, requires_grad=True))
    return out


def check_case(case: Case, seed: int = 0) -> dict[str, Any]:
    """First and second order checks of one case, as a row of the table."""
    rng = np.random.default_rng(seed)
    inputs = _inputs(case, rng)
    first = gradcheck_report(case.func, inputs)
    second = gradgradcheck_report(case.func, inputs)
    return {
        "op": case.op,
        "config": case.config,
        "max_abs_error": first.max_abs_error,
        "max_rel_error": first.max_rel_error,
        "second_order_abs_error": second.max_abs_error,
        "kinks": first.n_kinks + second.n_kinks,
        "first_order": "pass" if first.passed else "FAIL",
        "second_order": "pass" if second.passed else "FAIL",
        "passed": bool(first.passed and second.passed),
        "detail": None if first.passed and second.passed else (first.describe_failure() or second.describe_failure()),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--op", help="check only this op (e.g. conv2d, max_pool2d); default: every op")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--seed", type=int, default=0, help="seed for the random inputs (>= 0)")
    parser.add_argument("--list", action="store_true", help="list the ops and configurations, check nothing")


def run(args: argparse.Namespace) -> int:
    if args.seed < 0:
        print(f"tinygrad-cnn gradcheck: error: --seed must be a non-negative integer, got {args.seed}",
              file=sys.stderr)
        return 2
    cases = _cases()
    ops = sorted({c.op for c in cases})
    if args.op is not None:
        cases = [c for c in cases if c.op == args.op]
        if not cases:
            print(f"tinygrad-cnn gradcheck: error: unknown op {args.op!r}; known ops: {', '.join(ops)}",
                  file=sys.stderr)
            return 2
    if args.list:
        for c in cases:
            print(f"{c.op:<22} {c.config}")
        return 0
    start = time.perf_counter()
    rows = [check_case(c, args.seed) for c in cases]
    seconds = time.perf_counter() - start
    failed = [r for r in rows if not r["passed"]]
    if args.json:
        print(json.dumps({"rows": rows, "failed": len(failed), "seconds": round(seconds, 2)}, indent=2))
    else:
        print(f"{'op':<22} {'configuration':<40} {'max abs err':>11} {'max rel err':>11} {'2nd order':>11}  verdict")
        print("-" * 108)
        for r in rows:
            second = f"{r['second_order_abs_error']:.1e}" if r["second_order"] == "pass" else "FAIL"
            verdict = "ok" if r["passed"] else "FAIL"
            if r["kinks"]:
                verdict += f" ({r['kinks']} kink entries)"
            print(f"{r['op']:<22} {r['config']:<40} {r['max_abs_error']:>11.1e} {r['max_rel_error']:>11.1e} "
                  f"{second:>11}  {verdict}")
        print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed ({seconds:.1f} s)")
        for r in failed:
            print(f"\n{r['op']} [{r['config']}]: {r['detail']}")
    return 1 if failed else 0
