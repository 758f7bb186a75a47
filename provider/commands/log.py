"""``python -m provider log CASE``: the whole conversation of one case, ours and AWS's, oldest first."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from provider.aws.accounts import UnknownAccountError
from provider.aws.support_api import SupportApiError
from provider.casefiles.loader import find_root
from provider.commands.stackargs import add_stack_arguments, named_stack
from provider.conversation.log import conversation, find_case

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_log_command(subcommands: Any) -> None:
    """Add ``log`` to the command line."""
    parser = subcommands.add_parser(
        "log",
        help="print the whole conversation of one case with AWS, oldest first",
        description="Print every message of one case, ours and AWS's, oldest first, with who wrote it, "
        "when, and the names of its attachments, read from AWS (DescribeCases, DescribeCommunications). "
        "Exit 0 when printed, 1 when AWS could not be read, 2 when the case is not in the stack.",
    )
    parser.add_argument("case", metavar="CASE", help="a case name, case file, caseId or displayId")
    add_stack_arguments(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    stack = named_stack(args, "log")
    if stack is None:
        return EXIT_USAGE
    case = find_case(stack.cases, args.case, find_root())
    if case is None:
        print(
            f"log: no case '{args.case}' in the stack (a case name, case file, caseId or displayId)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        print(conversation(stack.client(case.account), case))
    except (UnknownAccountError, SupportApiError) as error:
        print(f"log: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
