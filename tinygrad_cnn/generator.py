"""``tc.Generator``: a random generator object to pass as ``generator=`` (factories, ``random_split``,
``DataLoader``), as PyTorch's ``torch.Generator``. Without one, the package generator that
``tc.manual_seed`` seeds is used."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rng as _rng
from .device import check_device

__all__ = ["Generator", "numpy_rng"]


class Generator:
    """An independent random stream: ``g = tc.Generator().manual_seed(42)``."""

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device)
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator; returns it (so ``Generator().manual_seed(0)`` chains)."""
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self) -> dict:
        """The generator's state (a dict; restore it with ``set_state``)."""
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        """Restore a state from ``get_state``."""
        self._rng.bit_generator.state = state
        return self

    @property
    def device(self) -> Any:
        """Always the CPU."""
        from .device import CPU

        return CPU


def numpy_rng(generator: Any) -> np.random.Generator:
    """The NumPy generator behind ``generator=``: a ``tc.Generator``, a ``numpy.random.Generator``, or
    None for the package generator."""
    if generator is None:
        return _rng.get_rng()
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"generator: expected a tc.Generator, a numpy.random.Generator or None, got {type(generator).__name__}"
    )
