"""python -m gmmem: the command line (see gmmem.cli)."""

import sys

from .cli import main

sys.exit(main())
