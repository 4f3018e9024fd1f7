"""Print how autodiff derived each parameter's gradient, in the source documents' notation.

The formulas come from the backward graph autodiff builds with create_graph=True (see docs/derivation.md):
⋆ cross-correlation, ∗full full convolution, ⊙ element-wise product, · matrix product, ᵀ transpose, σ sigmoid.
For the seed model the names are the first document's (X, f, Z1, A1, W, b, Z2, O, E).
"""

from __future__ import annotations

import argparse
import sys

from ..models import MODELS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=sorted(MODELS), default="seed", help="which model (default: seed)")
    parser.add_argument(
        "--loss", choices=("document", "mse"), default="document",
        help="seed model only: the document's E = Σ(y' − O)²/2 (default) or mse_loss, mean (O − y')²",
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
