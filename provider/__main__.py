"""Entry point for ``python -m provider``."""

import sys

from provider.cli import main

sys.exit(main())
