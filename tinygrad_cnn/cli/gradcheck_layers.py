"""The rows of ``tinygrad-cnn gradcheck`` for normalisation, dropout, the activations, adaptive pooling,
interpolation and the padding modes (first and second order, like every other row)."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..rng import manual_seed
from ..tensor import Tensor, tensor


def _fixed_mask(fn, p: float):
    """Dropout with the same mask on every evaluation (finite differences call the function many times)."""

    def call(x: Tensor) -> Tensor:
        manual_seed(0)
        return fn(x, p) * 1.0

    return call


def layer_cases() -> list:
    """The extra rows; ``Case`` is imported here so that this module and the table's module can import each other."""
    from .gradcheck import Case

    rm, rv = np.array([0.3, -0.2]), np.array([0.8, 1.5])

    def running() -> tuple[Tensor, Tensor]:
        return tensor(rm.copy()), tensor(rv.copy())  # float64 arrays stay float64

    return [
        Case("batch_norm", "training, γ and β, (3,2,2,2)",
             lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), ((3, 2, 2, 2), (2,), (2,))),
        Case("batch_norm", "training, no affine, (4,3)",
             lambda x: F.batch_norm(x, None, None, training=True) ** 2, ((4, 3),)),
        Case("batch_norm", "eval, running statistics",
             lambda x, w, b: F.batch_norm(x, *running(), w, b, training=False) ** 2, ((3, 2, 2, 2), (2,), (2,))),
        Case("layer_norm", "last 2 dims, γ and β",
             lambda x, w, b: F.layer_norm(x, (2, 3), w, b), ((2, 2, 3), (2, 3), (2, 3))),
        Case("group_norm", "2 groups of 2 channels",
             lambda x, w, b: F.group_norm(x, 2, w, b), ((2, 4, 3), (4,), (4,))),
        Case("dropout", "p 0.4, fixed mask", _fixed_mask(F.dropout, 0.4), ((3, 4),)),
        Case("dropout2d", "p 0.4, fixed mask", _fixed_mask(F.dropout2d, 0.4), ((2, 3, 2, 2),)),
        Case("leaky_relu", "slope 0.2", lambda x: F.leaky_relu(x, 0.2), ((2, 3),)),
        Case("elu", "α 1", lambda x: F.elu(x), ((2, 3),)),
        Case("gelu", "erf", lambda x: F.gelu(x), ((2, 3),)),
        Case("gelu", "tanh approximation", lambda x: F.gelu(x, approximate="tanh"), ((2, 3),)),
        Case("silu", "(2,3)", lambda x: F.silu(x), ((2, 3),)),
        Case("softplus", "β 2, threshold 20", lambda x: F.softplus(x, beta=2.0), ((2, 3),)),
        Case("hardtanh", "−1.5 … 1.5", lambda x: F.hardtanh(x, -1.5, 1.5) ** 2, ((2, 3),)),
        Case("relu6", "(2,3)", lambda x: F.relu6(x * 4.0) ** 2, ((2, 3),)),
        Case("adaptive_avg_pool2d", "5×7 → 2×3", lambda x: F.adaptive_avg_pool2d(x, (2, 3)) ** 2, ((1, 2, 5, 7),)),
        Case("adaptive_max_pool2d", "5×7 → 3×2", lambda x: F.adaptive_max_pool2d(x, (3, 2)), ((1, 2, 5, 7),)),
        Case("interpolate", "nearest, scale 1.5", lambda x: F.interpolate(x, scale_factor=1.5) ** 2, ((1, 2, 3, 4),)),
        Case("interpolate", "bilinear, size (5, 3)",
             lambda x: F.interpolate(x, size=(5, 3), mode="bilinear") ** 2, ((1, 2, 3, 4),)),
        Case("interpolate", "bilinear, align_corners, scale 2",
             lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True) ** 2, ((1, 1, 3, 3),)),
        Case("pad", "reflect (2, 1, 1, 2)", lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect") ** 2, ((1, 2, 3, 4),)),
        Case("pad", "replicate (2, 1, 3, 0)",
             lambda x: F.pad(x, (2, 1, 3, 0), mode="replicate") ** 2, ((1, 2, 3, 4),)),
        Case("pad", "circular (1, 2, 2, 1)", lambda x: F.pad(x, (1, 2, 2, 1), mode="circular") ** 2, ((1, 2, 3, 4),)),
    ]
