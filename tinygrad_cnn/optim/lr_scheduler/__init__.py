"""``optim.lr_scheduler``: learning-rate schedules, as ``torch.optim.lr_scheduler``.

Each schedule updates ``group["lr"]`` by the same recursion PyTorch uses (``lr ← lr · γ`` at a
milestone, not ``base · γᵏ``), so the sequence of learning rates matches PyTorch's to the last bit.
Call ``scheduler.step()`` after ``optimizer.step()``; the constructor performs the step to epoch 0.
"""

from __future__ import annotations

from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .multiplicative import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .plateau import ReduceLROnPlateau

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "ConstantLR",
    "LinearLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "OneCycleLR",
    "CyclicLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "ChainedScheduler",
]
