"""``python -m provider log CASE``: the whole conversation of one case, ours and AWS's, oldest first."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provider.aws.accounts import UnknownAccountError
from provider.aws.support_api import SupportApiError
from provider.casefiles.loader import find_root
from provider.conversation.stackstate import StackCase, add_stack_arguments, load_stack
from provider.conversation.thread import case_header, read_cases, read_messages, render_entries
from provider.review.state import StateError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def find_case(cases: Sequence[StackCase], wanted: str, root: Path) -> StackCase | None:
    """The case ``wanted`` names: a case name, its case file's path, its caseId or its displayId."""
    path = Path(os.path.abspath(wanted))
    source = path.relative_to(root).as_posix() if path.is_relative_to(root) else wanted
    for case in cases:
        if wanted in (case.name, case.record.case_id, case.record.display_id) or source == case.source:
            return case
    return None


def conversation(client: Any, case: StackCase) -> str:
    """The case's facts and every message of it, read from AWS (every page), as Markdown."""
    details = read_cases(client, [case.record.case_id], account=case.account).get(case.record.case_id)
    if details is None:
        raise SupportApiError(f"account {case.account}: AWS shows no case {case.record.case_id}")
    lines = [
        *case_header(case.name, details, case.account),
        *render_entries(read_messages(client, case.record.case_id, account=case.account)),
    ]
    return "\n".join(lines)


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
    try:
        stack = load_stack(args)
    except StateError as error:
        print(f"log: {error}", file=sys.stderr)
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
