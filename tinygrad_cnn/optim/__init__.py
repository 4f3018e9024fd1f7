"""``optim``: PyTorch's optimizers with its update rules, step for step, and ``optim.lr_scheduler``.

Updates happen in place on ``p._data`` (the parameter's own NumPy array) with NumPy, then bump the
parameter's version, so an optimizer step records nothing in the graph and invalidates graphs that
saved the old values (as PyTorch's in-place updates do).
"""

from __future__ import annotations

from . import lr_scheduler
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lbfgs import LBFGS
from .lr_scheduler import StepLR  # kept at this level for existing imports
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "LBFGS",
    "lr_scheduler",
    "StepLR",
]
