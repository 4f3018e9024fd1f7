"""Gradient-check experiments: the epsilon V-curve, and a heat map of a wrong hand-derived conv backward.

    python examples/gradcheck_experiments.py --out docs/img

writes ``epsilon_sweep.png`` and ``wrong_conv_backward.png`` (needs matplotlib: the ``plot`` extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_cnn as tc
import tinygrad_cnn.functional as F
from tinygrad_cnn.checks import epsilon_sweep, gradcheck_report, plot_element_errors, plot_epsilon_sweep


class HandConv(tc.Function):
    """A single-channel 'same' conv layer with a hand-derived backward that has a classic mistake:
    the input gradient correlates ∂L/∂Y with K instead of convolving (K not rotated by 180°)."""

    name = "hand_conv"

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x, k)
        return F.conv2d(x, k, padding=1).data

    @staticmethod
    def backward(ctx, g):
        x, k = ctx.saved_tensors
        grad_k = F.conv2d_weight(x, k.shape, g, padding=1)                      # X ⋆ ∂L/∂Y: right
        grad_x = F.conv_transpose2d(g, k[:, :, ::-1, ::-1], padding=1)          # ∂L/∂Y ⋆full K: wrong
        return grad_x, grad_k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for the two PNG files")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)

    sweep = epsilon_sweep()
    print(sweep)
    plot_epsilon_sweep(sweep, out / "epsilon_sweep.png")

    rng = np.random.default_rng(0)
    x = tc.tensor(rng.standard_normal((1, 1, 8, 8)), requires_grad=True)
    k = tc.tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
    report = gradcheck_report(lambda a, b: HandConv.apply(a, b), (x, k))
    print(report)
    # Where is ∂L/∂X wrong? Its error for one random upstream gradient G, element by element.
    analytic, numerical = report.jacobians(0, 0)
    g = rng.standard_normal(analytic.shape[0])
    errors = np.abs((analytic - numerical).T @ g).reshape(8, 8)
    plot_element_errors(errors, out / "wrong_conv_backward.png",
                        title="|error of ∂L/∂X|, K not rotated by 180°")
    print(f"wrote {out / 'epsilon_sweep.png'} and {out / 'wrong_conv_backward.png'}")


if __name__ == "__main__":
    main()
