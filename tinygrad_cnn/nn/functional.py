"""``tinygrad_cnn.nn.functional`` *is* ``tinygrad_cnn.functional`` (the same module), so
``import torch.nn.functional as F`` ports by renaming ``torch`` to ``tinygrad_cnn``."""

import sys

from .. import functional as _functional

sys.modules[__name__] = _functional
