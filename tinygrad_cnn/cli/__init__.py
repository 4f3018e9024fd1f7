"""The ``tinygrad-cnn`` command line (also ``python -m tinygrad_cnn``).

Each sub-command lives in its own module ``tinygrad_cnn/cli/<name>.py`` with two functions:
``add_arguments(parser)`` and ``run(args) -> int`` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: sub-command name -> one-line help; the module is ``tinygrad_cnn.cli.<name>``
COMMANDS: dict[str, str] = {
    "train": "train a model on the embedded MNIST sample (the main job)",
    "graph": "draw a model's forward (or gradient) graph with Graphviz",
    "derive": "print how autodiff derived each parameter's gradient, in the documents' notation",
    "gradcheck": "check every built-in op's first and second derivatives numerically",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen sub-command's module is imported (``train`` needs no Graphviz)."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-cnn",
        description="tinygrad_cnn: train CNNs, draw their graphs, print their derivations, check their gradients.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    chosen = next((a for a in (sys.argv[1:] if argv is None else argv) if a in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text, description=help_text)
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    from ..runtime import tune_allocator

    tune_allocator()  # this command owns its process; the library itself never changes the allocator
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
