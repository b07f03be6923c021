"""``python -m geo``: the command line (see geo/cli/main.py)."""

import sys

from geo.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
