"""The command-line options that name a stack, shared by ``log``, ``status``, ``transcripts`` and ``sync``,
and the stack they name."""

from __future__ import annotations

import argparse
import sys

from provider.conversation.stackstate import Stack, load_stack
from provider.review.state import StateError


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


def named_stack(args: argparse.Namespace, command: str) -> Stack | None:
    """The stack the options name; None, once ``command: why`` is on standard error, when it is unreadable."""
    try:
        return load_stack(args)
    except StateError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return None
