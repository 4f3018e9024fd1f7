"""The ``tinygrad-cnn`` command line (also ``python -m tinygrad_cnn``).

Each sub-command lives in its own module ``tinygrad_cnn/cli/<name>.py`` with two functions:
``add_arguments(parser)`` and ``run(args) -> int`` (the exit code). Exit codes: 0 success, 1 a
failure of the job (a failed check, a file that cannot be written or read), 2 a usage error,
130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

#: sub-command name -> one-line help; the module is ``tinygrad_cnn.cli.<name>``
COMMANDS: dict[str, str] = {
    "train": "train a model on the MNIST sample inside the package (the main job)",
    "eval": "evaluate a saved checkpoint on the held-out test images",
    "graph": "draw a model's forward (or gradient) graph with Graphviz",
    "derive": "print the formula autodiff derived for each parameter's gradient (X ⋆ ∂E/∂Z1, ...)",
    "gradcheck": "check every built-in op's first and second derivatives numerically",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen sub-command's module is imported (``train`` needs no Graphviz)."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-cnn",
        description="tinygrad_cnn: train CNNs, draw their graphs, print their derivations, check their gradients. "
        "Models: lenet (ten digits, the default) and seed (the small 0-vs-1 CNN of the article "
        "'CNN from scratch using NumPy' this project started from). "
        "Run 'tinygrad-cnn COMMAND -h' for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    chosen = next((a for a in (sys.argv[1:] if argv is None else argv) if a in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text, description=help_text)
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        p = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (a Ctrl-C or a closed pipe is no traceback)."""
    from .._cli_start import uninstall

    uninstall()  # from here on a Ctrl-C is a KeyboardInterrupt, handled below and by the commands
    try:
        args = build_parser(argv).parse_args(argv)  # imports the sub-command: Ctrl-C can land here too
        from ..runtime import tune_allocator

        tune_allocator()  # this command owns its process; the library itself never changes the allocator
        code = int(args._module.run(args) or 0)
        sys.stdout.flush()  # a reader that went away fails here, not in Python's final flush
        return code
    except KeyboardInterrupt:
        print("tinygrad-cnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            return _closed_pipe()
        raise


def _closed_pipe() -> int:
    """The reader went away (``tinygrad-cnn derive | head -1``): stop quietly, as Unix tools do.

    stdout is pointed at /dev/null so that Python's final flush does not fail a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a closed pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
