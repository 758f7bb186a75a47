"""``python -m provider status``: every case of the stack, those waiting on us first, for a morning check.

It reads the stack state only (run ``pulumi refresh`` first for AWS's latest), never AWS. Its exit code
lets a scheduled pipeline alert: 0 when nothing waits on us, 3 when a case is ``pending-customer-action``.
The notices (``provider.conversation.notices``) go to standard error with the table, so its standard
output stays as scripts read it, and first in ``--format markdown``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from provider.casefiles.loader import find_root
from provider.commands.stackargs import add_stack_arguments, named_stack
from provider.conversation.notices import notice_lines, notices, status_markdown
from provider.conversation.status import rows, table

EXIT_OK, EXIT_USAGE, EXIT_WAITING = 0, 2, 3


def add_status_command(subcommands: Any) -> None:
    """Add ``status`` to the command line."""
    parser = subcommands.add_parser(
        "status",
        help="list every case of the stack, the ones waiting on us first; exit 3 when one waits",
        description="Print every case of the stack state (name, displayId, account, status, severity, AWS's "
        "last reply and how long ago), cases pending-customer-action first, and what must not be missed: a "
        "case waiting on us, about to be auto-resolved, resolved by AWS, or no longer reachable (on standard "
        "error with the table). Reads the state only: run `pulumi refresh` first. Exit 0 when no case waits "
        "on us, 3 when one does, 2 on usage errors.",
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("table", "json", "markdown"),
        default="table",
        help="output (default: table); markdown: the notices and the table, for a job summary",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    stack = named_stack(args, "status")
    if stack is None:
        return EXIT_USAGE
    now = datetime.now(UTC)
    found = rows(stack.cases, now)
    said = notices(stack.cases, now, find_root())
    if args.format == "json":
        print(json.dumps([asdict(row) for row in found], indent=2))
    elif args.format == "markdown":
        print(status_markdown(found, said), end="")
    else:
        print(table(found))
        for line in notice_lines(said):
            print(f"notice: {line}", file=sys.stderr)
    return EXIT_WAITING if any(row.waitingOnUs for row in found) else EXIT_OK
