"""The package's random generator: ``manual_seed`` makes factories, init and shuffling repeatable."""

from __future__ import annotations

import numpy as np

_generator: np.random.Generator | None = None  # made on first use: importing numpy.random costs time


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by ``randn``, ``rand``, ``nn.init`` and ``DataLoader`` shuffling."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def get_rng() -> np.random.Generator:
    """The generator (an unseeded one until ``manual_seed`` is called)."""
    global _generator
    if _generator is None:
        _generator = np.random.default_rng()
    return _generator
