"""Seeing what autodiff did: ``make_dot`` draws a graph, ``derivation`` prints the gradient formulas.

``make_dot(loss, params=dict(model.named_parameters()))`` is the forward graph (torchviz's names);
``derivation(loss, dict(model.named_parameters()))`` walks the backward graph autodiff built with
``create_graph=True`` and prints each gradient in the source documents' notation (⋆, ∗full, ⊙, ·, ᵀ, σ).
"""

from .derive import Derivation, derivation, register_renderer
from .dot import make_dot

__all__ = ["make_dot", "derivation", "Derivation", "register_renderer"]
