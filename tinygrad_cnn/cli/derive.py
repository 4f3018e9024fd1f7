"""Print how autodiff derived each parameter's gradient, as formulas.

The formulas are read off the gradient graph autodiff builds with create_graph=True, and written
in the notation of the CNN derivations the project follows (see docs/derivation.md):
  X ⋆ K    cross-correlation (valid)        G ∗full K  full convolution
  A ⊙ B    element-wise product             A · B      matrix product
  Aᵀ       transpose                        σ          sigmoid
For the seed model (the small CNN of the article "CNN from scratch using NumPy") the names are the
article's: X the image, f the filters, Z1 = X ⋆ f, A1 = σ(Z1), W and b the dense layer, Z2, O = σ(Z2),
y' the label and E = Σ (y' − O)²/2 the error. Models: lenet (default) and seed.
"""

from __future__ import annotations

import argparse
import sys

from ..models import MODELS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=sorted(MODELS), default="lenet", help="which model (default: lenet)")
    parser.add_argument(
        "--loss", choices=("document", "mse"), default="document",
        help="seed model only: the article's error E = Σ (y' − O)²/2 (default), or mse, PyTorch's mean (O − y')²",
    )
    parser.add_argument("--batch", type=int, default=1, help="images in the batch (default 1)")
    parser.add_argument("--no-notes", action="store_true", help="omit the legend of symbols")


def run(args: argparse.Namespace) -> int:
    from ..viz import derivation
    from ..viz.examples import model_loss

    try:
        setup = model_loss(args.model, batch=args.batch, loss=args.loss)
    except ValueError as e:
        print(f"tinygrad-cnn derive: {e}", file=sys.stderr)
        return 2
    result = derivation(setup.loss, setup.params, names=setup.names, loss_name=setup.loss_name,
                        notes=not args.no_notes)
    print(result)
    return 0
