"""What a team must not miss about its cases, said plainly: AWS waits on us, AWS is about to resolve a case
nobody answered, AWS resolved a case the file still holds open, a case can no longer be reopened or read.

Read from the stack state (``pulumi refresh`` first) and the transcripts next to the case files; never AWS.
The Support API reports neither when a status began nor when a case was resolved (S4: CaseDetails has
``timeCreated`` only), so each notice dates what it can from what is known, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from provider.conversation.stackstate import StackCase
from provider.conversation.status import COLUMNS, WAITING_ON_US, Row, ago
from provider.conversation.thread import sort_key
from provider.conversation.transcripts import Seen, thread_path

RESOLVED = "resolved"
# S19 (AWS Support User Guide, "Monitoring, resolving, and reopening your case",
# https://docs.aws.amazon.com/awssupport/latest/user/monitoring-your-case.html): "If you don't respond to
# the case within a few days, AWS Support resolves the case automatically." Public material gives no
# number: 5 days is this project's assumption (supportlocal auto-resolves after the same 5 days).
AUTO_RESOLVE_AFTER = timedelta(days=5)
AUTO_RESOLVE_WARNING = timedelta(days=2)  # "about to be auto-resolved": this close to the assumed 5 days
# S19, same page: "Support cases that have been in the resolved state for more than 14 days can't be
# reopened" and "you can't reopen a case that has been inactive for more than 14 days".
REOPEN_WINDOW = timedelta(days=14)
# DescribeCases and DescribeCommunications in the pinned botocore model (S4, botocore 1.43.127): "Case
# data is available for 24 months after creation. If a case was created more than 24 months ago, a
# request might return an error." The older API reference said 12 months (AWS SDK for .NET reference of
# DescribeCases, https://docs.aws.amazon.com/sdkfornet/latest/apidocs/items/TAWSSupportDescribeCasesRequestNET45.html);
# the current model's 24 is used.
CASE_DATA_YEARS = 2
CASE_DATA_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class Notice:
    """One thing to say about one case: its kind (for scripts) and the sentence (for people)."""

    case: str
    kind: str  # waiting | auto-resolve | resolved | not-reopenable | expiring | unreachable
    text: str


def _moment(value: str) -> datetime | None:
    return sort_key(value) if value else None


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _since(moment: datetime, now: datetime) -> str:
    return ago(max(0, int((now - moment).total_seconds())))


def _resolved_seen(root: Path, case: StackCase) -> datetime | None:
    """When ``transcripts`` saw the case become resolved (the newest such change), if it did."""
    path = thread_path(root, case.source)
    if not path.is_file():
        return None
    changes = Seen.read(path.read_text(encoding="utf-8")).changes
    return _latest(*(sort_key(change.seen) for change in changes if change.after == RESOLVED))


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def case_notices(case: StackCase, now: datetime, root: Path) -> list[Notice]:
    """Every notice about one case."""
    record = case.record
    found: list[Notice] = []
    if record.status == WAITING_ON_US:
        asked = _moment(str(record.replies[-1].get("timeCreated", ""))) if record.replies else None
        asked = asked or _moment(record.last_seen)
        if asked is None:
            found.append(Notice(case.name, "waiting", "AWS waits on us (pending-customer-action)"))
        else:
            due = asked + AUTO_RESOLVE_AFTER
            waited = f"AWS waits on us since its reply of {_day(asked)} ({_since(asked, now)})"
            if now >= due:
                text = (
                    f"{waited}: past the {AUTO_RESOLVE_AFTER.days} days after which AWS is assumed to "
                    "auto-resolve an unanswered case; answer now, or it is resolved"
                )
                found.append(Notice(case.name, "auto-resolve", text))
            elif now >= due - AUTO_RESOLVE_WARNING:
                text = (
                    f"{waited}: about to be auto-resolved, around {_day(due)} (AWS resolves an unanswered "
                    f"case 'within a few days'; {AUTO_RESOLVE_AFTER.days} days assumed)"
                )
                found.append(Notice(case.name, "auto-resolve", text))
            else:
                found.append(Notice(case.name, "waiting", f"{waited}; answer in `communications:`"))
    if record.status == RESOLVED and case.spec.get("status") != RESOLVED:
        # Inactive since its newest message, or since transcripts saw it resolved, whichever is later.
        since = _latest(_moment(record.last_seen), _resolved_seen(root, case), _moment(record.time_created))
        if since is not None and now > since + REOPEN_WINDOW:
            text = (
                f"AWS resolved it and it can no longer be reopened: inactive since {_day(since)}, more than "
                f"{REOPEN_WINDOW.days} days; a new message would be refused, open a new case instead"
            )
            found.append(Notice(case.name, "not-reopenable", text))
        else:
            until = f" until {_day(since + REOPEN_WINDOW)}" if since else ""
            text = (
                f"AWS resolved it while the case file holds it open: a new message reopens it{until}; "
                "or set `status: resolved`"
            )
            found.append(Notice(case.name, "resolved", text))
    created = _moment(record.time_created)
    if created is not None:
        end = _add_years(created, CASE_DATA_YEARS)
        if now >= end:
            text = (
                f"AWS no longer returns it: created {_day(created)}, more than {CASE_DATA_YEARS * 12} months "
                "ago (the Support API keeps case data that long)"
            )
            found.append(Notice(case.name, "unreachable", text))
        elif now >= end - CASE_DATA_WARNING:
            text = (
                f"AWS stops returning it after {_day(end)}, {CASE_DATA_YEARS * 12} months after it was opened"
            )
            found.append(Notice(case.name, "expiring", text))
    return found


# Most urgent first: what is lost without an answer now, then what waits on us, then what is closing.
URGENCY = ("auto-resolve", "waiting", "resolved", "expiring", "unreachable", "not-reopenable")


def notices(cases: Iterable[StackCase], now: datetime, root: Path) -> list[Notice]:
    """Every notice about these cases, the most urgent first (``URGENCY``), by case name within each."""
    found = [notice for case in cases for notice in case_notices(case, now, root)]
    return sorted(found, key=lambda notice: (URGENCY.index(notice.kind), notice.case))


def notice_lines(found: Sequence[Notice]) -> list[str]:
    """One plain line per notice: ``case: sentence``."""
    return [f"{notice.case}: {notice.text}" for notice in found]


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or "-"


def status_markdown(found: Sequence[Row], said: Sequence[Notice]) -> str:
    """``status`` as Markdown, for a job summary or a pull request: the notices, then the table."""
    lines = []
    if said:
        lines += ["**Notices**", ""]
        lines += [f"- ⚠️ `{notice.case}`: {notice.text}" for notice in said]
        lines.append("")
    lines += [
        "| " + " | ".join(COLUMNS) + " |",
        "| " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for row in found:
        cells = (f"`{row.case}`", row.displayId, row.account, row.status, row.severity, row.lastReply)
        lines.append("| " + " | ".join(_cell(cell) for cell in (*cells, ago(row.lastReplyAgeSeconds))) + " |")
    waiting = sum(row.waitingOnUs for row in found)
    lines += ["", f"{len(found)} case(s); {waiting} waiting on us ({WAITING_ON_US})"]
    return "\n".join(lines) + "\n"
