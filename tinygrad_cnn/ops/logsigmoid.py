"""``log_sigmoid``: log σ(x) computed without overflow or cancellation, the core of the logits losses."""

from __future__ import annotations

import numpy as np

from ..autograd import Function


class LogSigmoid(Function):
    """log σ(x) = min(x, 0) − log(1 + e^(−|x|)), exact for large |x| where log(sigmoid(x)) gives −inf or 0.

    ∂/∂x log σ(x) = 1 − σ(x) = σ(−x), written with ``sigmoid`` so that it differentiates again.
    """

    name = "log_sigmoid"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x._data
        return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()
