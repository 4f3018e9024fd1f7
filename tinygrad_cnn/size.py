"""``Size``: what ``x.shape`` and ``x.size()`` return, as ``torch.Size``: a tuple of ints (so it compares equal
to a plain tuple and unpacks like one) whose slices and sums stay ``Size``, with ``numel()``. Its ``repr`` is
``Size([2, 3])``; its ``str`` (so ``print(x.shape)``, f-strings and error messages) stays the tuple's ``(2, 3)``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, SupportsIndex

__all__ = ["Size"]


class Size(tuple):
    """A tensor's shape, as ``torch.Size``: ``Size([2, 3]) == (2, 3)``; ``s[1:]`` and ``s + (4,)`` are ``Size``."""

    __slots__ = ()

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        out = []
        for s in sizes:
            if isinstance(s, bool) or not hasattr(s, "__index__"):
                raise TypeError(f"Size(): expected a sequence of ints, but found element of type {type(s).__name__}")
            out.append(s.__index__())
        return super().__new__(cls, out)

    def __repr__(self) -> str:
        return f"Size({list(self)})"

    def __str__(self) -> str:  # the plain tuple's, so messages and f-strings read "(2, 3)"
        return tuple.__repr__(self)

    def __getitem__(self, index: SupportsIndex | slice) -> Any:  # type: ignore[override]
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple(self) + (other if type(other) is Size else tuple(Size(other))))

    def __radd__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return tuple.__new__(Size, tuple(Size(other)) + tuple(self))

    def __mul__(self, n: Any) -> Any:
        return tuple.__new__(Size, tuple(self) * n)

    __rmul__ = __mul__

    def __reduce__(self) -> tuple:
        return (Size, (tuple(self),))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        return math.prod(self)
