"""Evaluate a saved checkpoint on the held-out test images of the MNIST sample.

A checkpoint written by tinygrad-cnn train (checkpoint.npz) names its model, so the command rebuilds
that model, loads the weights and reports the test accuracy. Without --checkpoint it takes the newest
runs/MODEL*/checkpoint.npz for --model (default lenet). In Python the same is:

  ckpt = tinygrad_cnn.load("runs/lenet/checkpoint.npz")
  model = tinygrad_cnn.models.build_model(ckpt["model"])
  model.load_state_dict(ckpt["state_dict"])
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..models import MODELS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint",
                        help="checkpoint.npz (or a run's folder) to evaluate (default: the newest runs/MODEL*/ one)")
    parser.add_argument("--model", choices=sorted(MODELS), default="lenet",
                        help="whose newest run to evaluate when --checkpoint is not given (default: lenet)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def newest_checkpoint(model: str, root: Path = Path("runs")) -> Path | None:
    """The most recently written runs/MODEL/checkpoint.npz or runs/MODEL-N/checkpoint.npz, if any."""
    found = [p for p in root.glob(f"{model}*/checkpoint.npz")
             if p.parent.name == model or p.parent.name.removeprefix(f"{model}-").isdigit()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def evaluate_checkpoint(path: str | Path) -> dict[str, Any]:
    """Rebuild the checkpoint's model, load its weights and measure the test accuracy."""
    from ..data import mnist_sample_split
    from ..models import build_model
    from ..serialization import load
    from .train import _evaluate, _to_input

    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("model") not in MODELS or "state_dict" not in ckpt:
        raise ValueError(f"{path} is not a checkpoint of tinygrad-cnn train (it needs 'model' and 'state_dict')")
    name = ckpt["model"]
    spec = MODELS[name]
    model = build_model(name)
    model.load_state_dict(ckpt["state_dict"])
    _, (x_test, y_test) = mnist_sample_split(spec.digits)
    accuracy = _evaluate(model, _to_input(x_test), y_test.astype("int64"), binary=spec.loss == "mse")
    return {"checkpoint": str(path), "model": name, "epoch": ckpt.get("epoch"), "test_accuracy": accuracy,
            "test_size": int(len(x_test))}


def run(args: argparse.Namespace) -> int:
    path = Path(args.checkpoint) if args.checkpoint else newest_checkpoint(args.model)
    if path is not None and path.is_dir():  # a run's folder: its checkpoint
        path = path / "checkpoint.npz"
    if path is None:
        print(f"tinygrad-cnn eval: no runs/{args.model}*/checkpoint.npz here; train one first "
              f"(tinygrad-cnn train --model {args.model}) or pass --checkpoint FILE", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"tinygrad-cnn eval: no such checkpoint file: {str(path)!r}", file=sys.stderr)
        return 2
    try:
        result = evaluate_checkpoint(path)
    except (ValueError, RuntimeError, KeyError, OSError) as exc:
        print(f"tinygrad-cnn eval: cannot evaluate {str(path)!r}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['model']} checkpoint {result['checkpoint']} (epoch {result['epoch']}): "
              f"test accuracy {result['test_accuracy']:.2%} on {result['test_size']} images")
    return 0
