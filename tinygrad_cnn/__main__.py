"""``python -m tinygrad_cnn`` runs the command line."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still importing
    print("tinygrad-cnn: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
