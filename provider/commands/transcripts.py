"""``python -m provider transcripts``: AWS's side of every case, kept in ``<case>.thread.md`` next to it."""

from __future__ import annotations

import argparse
from typing import Any

from provider.casefiles.loader import find_root
from provider.commands.stackargs import add_stack_arguments, named_stack
from provider.conversation.transcripts import Transcripts, summary

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_transcripts_command(subcommands: Any) -> None:
    """Add ``transcripts`` to the command line."""
    parser = subcommands.add_parser(
        "transcripts",
        help="write each case's conversation with AWS to <case>.thread.md next to its case file",
        description="For every case in the stack, read the whole conversation and the status from AWS and "
        "write it, oldest first, to a read-only <case>.thread.md next to the case file; a file is rewritten "
        "only when something changed. Exit 0 when every transcript is current, 1 when a case could not be "
        "read, 2 on usage errors.",
    )
    add_stack_arguments(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    stack = named_stack(args, "transcripts")
    if stack is None:
        return EXIT_USAGE
    root = find_root()
    outcomes = Transcripts(stack.client, root).run(stack.cases)
    print("\n".join(summary(outcomes, root)))
    return EXIT_FAILED if any(outcome.state == "failed" for outcome in outcomes) else EXIT_OK
