"""The package's random generator: ``manual_seed`` makes factories, init and shuffling repeatable."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by ``randn``, ``rand``, ``nn.init`` and ``DataLoader`` shuffling."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def get_rng() -> np.random.Generator:
    return _generator
