"""Draw a model's graph with Graphviz: the forward pass to the loss, or with --backward the gradient graph.

The gradient graph is the one autodiff builds with create_graph=True: its orange nodes produce
gradients (conv2d_weight is the kernel gradient, a cross-correlation of the layer's input with the
upstream gradient; conv_transpose2d is the input gradient, a full convolution of the upstream gradient
with the kernel). The format comes from the file name: .svg, .png or .pdf (these need Graphviz's dot
program), or .dot/.gv for the Graphviz source. Models: lenet (default) and seed (see tinygrad-cnn train -h).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ..models import MODELS

_RENDERED = ("svg", "png", "pdf")
_SOURCE = ("dot", "gv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=sorted(MODELS), default="lenet", help="which model (default: lenet)")
    parser.add_argument("-o", "--output", required=True, help="file to write: .svg, .png, .pdf, or .dot/.gv")
    parser.add_argument("--backward", action="store_true", help="draw the gradient graph instead of the forward")
    parser.add_argument("--show-attrs", action="store_true", help="show op attributes (stride, padding, ...)")
    parser.add_argument("--show-saved", action="store_true", help="show the arrays each op saved for backward")
    parser.add_argument("--show-values", action="store_true", help="show min/mean/max of leaves and outputs")
    parser.add_argument("--batch", type=int, default=1, help="images in the batch (default 1)")


def run(args: argparse.Namespace) -> int:
    from ..viz import derivation, make_dot
    from ..viz.examples import model_loss

    path = Path(args.output)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in _RENDERED + _SOURCE:
        print(f"tinygrad-cnn graph: cannot tell the format of {args.output!r}: use a .svg, .png, .pdf, .dot or .gv "
              "file name", file=sys.stderr)
        return 2
    if fmt in _RENDERED and shutil.which("dot") is None:
        print("tinygrad-cnn graph: Graphviz's `dot` program is not installed (apt install graphviz, brew install "
              f"graphviz); write a .dot file instead and render it elsewhere: -o {path.with_suffix('.dot')}",
              file=sys.stderr)
        return 1
    try:
        setup = model_loss(args.model, batch=args.batch)
    except ValueError as e:
        print(f"tinygrad-cnn graph: {e}", file=sys.stderr)
        return 2
    options = dict(show_attrs=args.show_attrs, show_saved=args.show_saved, show_values=args.show_values)
    if args.backward:
        view = derivation(setup.loss, setup.params, names=setup.names, loss_name=setup.loss_name)
        dot = view.graph(**options)
    else:
        params = {setup.names.get(k, k): v for k, v in setup.params.items()}
        dot = make_dot(setup.loss, params=params, loss_name=setup.loss_name, **options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt in _SOURCE:
            path.write_text(dot.source, encoding="utf-8")
        else:
            dot.format = fmt
            dot.render(outfile=str(path), cleanup=True)
    except OSError as exc:  # a folder that is a file, no permission, a full disk
        print(f"tinygrad-cnn graph: cannot write {args.output!r}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({'gradient' if args.backward else 'forward'} graph of {args.model}, "
          f"{dot.source.count('->')} edges)")
    return 0
