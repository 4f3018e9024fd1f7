"""Shared fixtures: a seeded generator, and a clean global state around every test."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_cnn as tc


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator with a fixed seed, so every test sees the same numbers."""
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _clean_global_state():
    """Seed the package generator and restore the default dtype and grad mode after each test."""
    tc.manual_seed(0)
    dtype, enabled = tc.get_default_dtype(), tc.is_grad_enabled()
    yield
    tc.set_default_dtype(dtype)
    tc.set_grad_enabled(enabled)
