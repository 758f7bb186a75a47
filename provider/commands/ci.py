"""``supportcases ci SCRIPT [ARG ...]``: run one of the pipeline scripts this distribution ships.

The scripts live in this repository's ``tools/`` and run its own pipelines; the wheel carries them as
package data (pyproject.toml), so a team's pipelines (``supportcases init``) run the same ones.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from provider.casefiles.shipped import shipped

# SCRIPT -> the file in the repository
SCRIPTS = {
    "check-stack-config": "tools/check-stack-config.sh",
    "apply-merges": "tools/apply-merges.sh",
}


def add_ci_command(subcommands: Any) -> None:
    """Add ``ci`` to the command line."""
    parser = subcommands.add_parser(
        "ci",
        help="run a pipeline script: check-stack-config STACK, apply-merges STACK HEAD AUTHOR",
        description="Run a pipeline script of this distribution with bash (docs/pipelines.md): "
        "check-stack-config STACK fails unless Pulumi.STACK.yaml is committed with its secrets settings; "
        "apply-merges STACK HEAD AUTHOR applies every approved merge not applied yet, oldest first.",
    )
    parser.add_argument("script", choices=sorted(SCRIPTS))
    parser.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARG")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    os.execvp("bash", ["bash", str(shipped(SCRIPTS[args.script])), *args.arguments])
