"""The command-line options that name a stack, shared by ``log``, ``status``, ``transcripts`` and ``sync``."""

from __future__ import annotations

import argparse


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """``--stack NAME | --state FILE`` (as ``plan`` takes them), and ``--config FILE``."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--state", metavar="FILE", help="a `pulumi stack export` file ('-' for standard input)"
    )
    source.add_argument(
        "--stack", metavar="NAME", help="run `pulumi stack export --stack NAME` (default: the selected stack)"
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the stack's Pulumi.<stack>.yaml, for its accounts (default: `pulumi config --json`, "
        "or none with --state)",
    )
