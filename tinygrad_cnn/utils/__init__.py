"""``tc.utils``: PyTorch's ``torch.utils`` spelling. ``tc.utils.data`` *is* ``tinygrad_cnn.data`` (the same
module), so ``from tinygrad_cnn.utils.data import DataLoader, TensorDataset`` works as in PyTorch."""

import sys

from .. import data

sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
