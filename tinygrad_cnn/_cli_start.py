"""A Ctrl-C while the command line is still importing the package ends it with a message, not a traceback.

``python -m tinygrad_cnn`` and the ``tinygrad-cnn`` script import the whole package (NumPy, SciPy)
before any command-line code can run, so this module is imported first by ``tinygrad_cnn/__init__.py``.
Only in that process (``sys.argv[0]`` is ``-m`` while ``python -m tinygrad_cnn`` imports the package, or
the script's name) it makes SIGINT print ``tinygrad-cnn: interrupted`` and exit with 130, as the command
line does; ``cli.main`` puts Python's usual handler back as soon as it starts. A program that imports
the library is never affected.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def _starting_the_command_line() -> bool:
    """True only in ``tinygrad-cnn ...`` or ``python -m tinygrad_cnn ...`` (never ``python -m other``)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 == "-m":
        orig = list(getattr(sys, "orig_argv", ()))
        return "-m" in orig[:-1] and orig[orig.index("-m") + 1] in ("tinygrad_cnn", "tinygrad_cnn.__main__")
    return os.path.basename(argv0) in ("tinygrad-cnn", "tinygrad-cnn.exe")


def _interrupted(signum: int, frame: Any) -> None:
    sys.stderr.write("tinygrad-cnn: interrupted\n")
    raise SystemExit(130)


def install() -> None:
    """Quiet Ctrl-C for the rest of the start-up, in the command line's own process only."""
    if _starting_the_command_line() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        try:
            signal.signal(signal.SIGINT, _interrupted)
        except ValueError:  # not the main thread
            pass


def uninstall() -> None:
    """Python's usual KeyboardInterrupt again (called when the command line starts running)."""
    if signal.getsignal(signal.SIGINT) is _interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)


install()
