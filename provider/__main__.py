"""Entry point for ``python -m provider``."""

import sys

from provider.commands.cli import main

sys.exit(main())
