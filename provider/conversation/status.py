"""Every case of the stack, those waiting on us first, for a morning check (``python -m provider status``).

It reads the stack state only (run ``pulumi refresh`` first for AWS's latest), never AWS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from provider.conversation.stackstate import StackCase
from provider.conversation.thread import sort_key

# S4 (CaseDetails.status): AWS waits for the customer. The other values are AWS's to act on, or closed.
WAITING_ON_US = "pending-customer-action"
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
