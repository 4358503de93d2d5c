"""python -m gmm_recovery: the `gmmem` command line (see gmm_recovery.cli)."""

import sys

from .cli import main

sys.exit(main())
