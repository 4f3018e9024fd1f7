"""The named models' loss graphs, set up for drawing and deriving (used by ``tinygrad-cnn graph|derive``).

The seed model is shown with the first document's names: X ⋆ f = Z1, A1 = σ(Z1), Z2 = W·A1 + b, O = σ(Z2),
and by default its loss E = Σ (y' − O)²/2 (the document's), so the derivation reads as the document does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import functional as F  # noqa: N812
from ..autograd import Node
from ..models import MODELS, build_model
from ..nn import Module
from ..rng import manual_seed
from ..tensor import Tensor, randn, tensor

__all__ = ["ModelLoss", "model_loss", "SEED_NAMES"]

#: the first document's names for the seed model's module outputs and parameters
SEED_NAMES: dict[str, str] = {
    "0": "Z1", "1": "A1", "3": "Z2", "4": "O",
    "0.weight": "f", "0.bias": "B", "3.weight": "W", "3.bias": "b",
}


@dataclass
class ModelLoss:
    """A model, the loss of one random batch through it, and the display names to use."""

    model: Module
    loss: Tensor
    params: dict[str, Tensor]
    names: dict[str, str]
    loss_name: str


def model_loss(name: str, batch: int = 1, loss: str = "document", seed: int = 0) -> ModelLoss:
    """Build model ``name`` (``seed`` or ``lenet``), run a random batch and return its loss graph.

    ``loss`` for the seed model: ``document`` (E = Σ (y' − O)²/2, the first document's) or ``mse``
    (E = mean (O − y')², PyTorch's ``mse_loss``, which adds the factor 2/N); lenet always uses cross-entropy.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    manual_seed(seed)
    model = build_model(name)
    x = randn(batch, 1, 28, 28)
    x.name = "X"
    out = model(x)
    if name == "seed":
        _relabel(out, SEED_NAMES)
    rng = np.random.default_rng(seed)
    params = dict(model.named_parameters())
    if name == "seed":
        if loss not in ("document", "mse"):
            raise ValueError(f"loss must be 'document' or 'mse' for the seed model, got {loss!r}")
        y = tensor(rng.integers(0, 2, size=(batch, 1)).astype(out.dtype))
        y.name = "y'"
        value = ((y - out) ** 2 / 2).sum() if loss == "document" else F.mse_loss(out, y)
        value.name = "E"
        return ModelLoss(model, value, params, dict(SEED_NAMES), "E")
    target = tensor(rng.integers(0, 10, size=batch), dtype="int64")
    value = F.cross_entropy(out, target)
    value.name = "L"
    return ModelLoss(model, value, params, {}, "L")


def _relabel(out: Tensor, names: dict[str, str]) -> None:
    """Give the module outputs of ``out``'s graph the document's names (Z1, A1, ...), without recursion."""
    seen: set[Node] = set()
    stack = [out.grad_fn] if out.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.label in names:
            node._label = names[node.label]
        stack.extend(x for x in node.inputs if isinstance(x, Node))
