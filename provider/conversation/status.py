"""``python -m provider status``: every case of the stack, those waiting on us first, for a morning check.

It reads the stack state only (run ``pulumi refresh`` first for AWS's latest), never AWS. Its exit code
lets a scheduled pipeline alert: 0 when nothing waits on us, 3 when a case is ``pending-customer-action``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from provider.conversation.stackstate import StackCase, add_stack_arguments, load_stack
from provider.conversation.thread import sort_key
from provider.review.state import StateError

# S4 (CaseDetails.status): AWS waits for the customer. The other values are AWS's to act on, or closed.
WAITING_ON_US = "pending-customer-action"
EXIT_OK, EXIT_USAGE, EXIT_WAITING = 0, 2, 3
COLUMNS = ("case", "displayId", "account", "status", "severity", "last reply from AWS", "ago")


@dataclass(frozen=True)
class Row:
    """One case as ``status`` shows it."""

    case: str
    displayId: str  # fields are named as --format json writes them
    account: str
    status: str
    severity: str
    lastReply: str  # timeCreated of AWS's newest reply, "" when AWS has not replied
    lastReplyAgeSeconds: int | None
    waitingOnUs: bool


def rows(cases: Sequence[StackCase], now: datetime) -> list[Row]:
    """Cases waiting on us first, then open ones, then resolved ones; by name within each."""
    found = []
    for case in cases:
        record = case.record
        last = str(record.replies[-1].get("timeCreated", "")) if record.replies else ""
        age = max(0, int((now - sort_key(last)).total_seconds())) if last else None  # clocks differ
        severity = record.severity or str(case.spec.get("severityCode", ""))
        waiting = record.status == WAITING_ON_US
        found.append(
            Row(case.name, record.display_id, case.account, record.status, severity, last, age, waiting)
        )
    return sorted(found, key=lambda row: (not row.waitingOnUs, row.status == "resolved", row.case))


def ago(seconds: int | None) -> str:
    """``42s``, ``5m``, ``3h``, ``2d`` ago; ``-`` when AWS has not replied."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def table(found: Sequence[Row]) -> str:
    """A plain-text table with a header, one line per case, and a summary line."""
    cells = [COLUMNS] + [
        (r.case, r.displayId, r.account, r.status, r.severity, r.lastReply or "-", ago(r.lastReplyAgeSeconds))
        for r in found
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    waiting = sum(row.waitingOnUs for row in found)
    lines.append(f"{len(found)} case(s); {waiting} waiting on us ({WAITING_ON_US})")
    return "\n".join(lines)


def add_status_command(subcommands: Any) -> None:
    """Add ``status`` to the command line."""
    parser = subcommands.add_parser(
        "status",
        help="list every case of the stack, the ones waiting on us first; exit 3 when one waits",
        description="Print every case of the stack state (name, displayId, account, status, severity, AWS's "
        "last reply and how long ago), cases pending-customer-action first. Reads the state only: run "
        "`pulumi refresh` first. Exit 0 when no case waits on us, 3 when one does, 2 on usage errors.",
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        stack = load_stack(args)
    except StateError as error:
        print(f"status: {error}", file=sys.stderr)
        return EXIT_USAGE
    found = rows(stack.cases, datetime.now(UTC))
    print(json.dumps([asdict(row) for row in found], indent=2) if args.format == "json" else table(found))
    return EXIT_WAITING if any(row.waitingOnUs for row in found) else EXIT_OK
