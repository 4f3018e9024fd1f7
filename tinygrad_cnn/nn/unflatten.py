"""``Unflatten``: the inverse of ``Flatten``, as ``torch.nn.Unflatten`` (a decoder's first reshape)."""

from __future__ import annotations

import math

from ..tensor import Tensor
from .module import Module

__all__ = ["Unflatten"]


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be −1): (N, 50) → (N, 2, 5, 5)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"Unflatten: dim must be an int, got {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple or list of ints, got {type(unflattened_size).__name__}")
        for i, s in enumerate(unflattened_size):
            if not isinstance(s, int) or isinstance(s, bool):
                raise TypeError(
                    f"unflattened_size must be tuple of ints, but found element of type {type(s).__name__} at pos {i}"
                )
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``input`` with dimension ``dim`` reshaped to ``unflattened_size``."""
        if not -input.ndim <= self.dim < input.ndim:
            raise IndexError(
                f"Unflatten: dimension {self.dim} is out of range for an input of shape {input.shape}"
            )
        d = self.dim % input.ndim
        sizes = list(self.unflattened_size)
        n = input.shape[d]
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            bad = sizes.count(-1) > 1 or known == 0 or n % known != 0
        else:
            bad = known != n
        if bad:
            raise RuntimeError(
                f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {self.dim} ({n}) "
                f"in the input tensor of shape {input.shape}"
            )
        sizes = [n // known if s == -1 else s for s in sizes]
        return input.reshape(*input.shape[:d], *sizes, *input.shape[d + 1:])

    def extra_repr(self) -> str:
        """As PyTorch's: ``dim=1, unflattened_size=(2, 5)``."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
