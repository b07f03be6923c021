"""``python -m geo``: the command line (see geo/cli.py)."""

import sys

from geo.cli import main

if __name__ == "__main__":
    sys.exit(main())
