"""A case's conversation as AWS holds it, read through botocore's paginators, and written out as Markdown.

``log`` prints it and ``transcripts`` keeps it in ``<case>.thread.md`` files; both read every page of
DescribeCommunications, so nothing older than the newest page is missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provider.aws.record import AWS_SENDER
from provider.aws.support_api import explain

CASE_ID_BATCH = 100  # S4: DescribeCases takes at most 100 ids in caseIdList


@dataclass(frozen=True)
class Message:
    """One communication on a case: who, when, what, and the names of its attachments."""

    submitted_by: str
    time_created: str  # as AWS writes it: 2026-01-31T12:00:00.000Z (S22)
    body: str
    attachments: tuple[str, ...] = ()

    @property
    def from_aws(self) -> bool:
        """Written by AWS Support: S4 (Communication.submittedBy) shows them as "Amazon Web Services"."""
        return self.submitted_by == AWS_SENDER


@dataclass(frozen=True)
class StatusChange:
    """A status change, dated when it was seen: the Support API reports only a case's current status
    (S4: CaseDetails.status) and public material describes no history of status changes."""

    seen: str  # 2026-01-31T12:00:00Z
    before: str
    after: str


def sort_key(moment: str) -> datetime:
    """An ISO 8601 time as AWS writes it ("...Z", milliseconds or not), comparable."""
    return datetime.fromisoformat(moment)


def _pages(client: Any, operation: str, key: str, doing: str, **params: Any) -> Iterator[dict[str, Any]]:
    try:
        for page in client.get_paginator(operation).paginate(**params):
            yield from page.get(key, [])
    except Exception as error:
        raise explain(error, doing) from None


def read_messages(client: Any, case_id: str, *, account: str) -> list[Message]:
    """Every communication of the case, oldest first (DescribeCommunications pages newest first, S22)."""
    doing = f"account {account}: read the messages of case {case_id}"
    items = list(_pages(client, "describe_communications", "communications", doing, caseId=case_id))
    messages = [
        Message(
            submitted_by=str(item.get("submittedBy", "")),
            time_created=str(item.get("timeCreated", "")),
            body=str(item.get("body", "")),
            # S4: `attachments` lists every attachment, `attachmentSet` only those of 5 MB or less
            attachments=tuple(
                str(a.get("fileName", "")) for a in item.get("attachments") or item.get("attachmentSet") or []
            ),
        )
        for item in reversed(items)
    ]
    return sorted(messages, key=lambda message: sort_key(message.time_created))  # stable: ties keep order


def read_cases(client: Any, case_ids: Sequence[str], *, account: str) -> dict[str, dict[str, Any]]:
    """DescribeCases for these cases of one account (resolved ones included, without their messages)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(case_ids), CASE_ID_BATCH):
        batch = list(case_ids[start : start + CASE_ID_BATCH])
        for case in _pages(
            client,
            "describe_cases",
            "cases",
            f"account {account}: read cases {', '.join(batch)}",
            caseIdList=batch,
            includeResolvedCases=True,
            includeCommunications=False,
        ):
            found[str(case["caseId"])] = case
    return found


def fence(text: str) -> str:
    """``text`` in a fenced block that no run of backticks inside it can close (CommonMark)."""
    longest = max((len(run) for run in _backtick_runs(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text.rstrip(chr(10))}\n{ticks}"


def _backtick_runs(text: str) -> Iterator[str]:
    run = ""
    for char in text + " ":
        if char == "`":
            run += char
        elif run:
            yield run
            run = ""


def heading(message: Message) -> str:
    """The Markdown heading of a message: when and who."""
    return f"## {message.time_created} · {message.submitted_by}"


def status_heading(change: StatusChange) -> str:
    """The Markdown heading of a status change."""
    return f"## {change.seen} · status {change.before} → {change.after} (seen by `transcripts`)"


def render_entries(
    messages: Iterable[Message], changes: Iterable[StatusChange] = (), *, withheld: str | None = None
) -> list[str]:
    """Markdown lines for the conversation, oldest first, status changes where they were seen; with
    ``withheld``, that text stands in for every message body."""
    entries: list[tuple[datetime, int, list[str]]] = []
    for order, message in enumerate(messages):
        lines = [heading(message), "", withheld or fence(message.body)]
        if message.attachments:
            lines += ["", f"Attachments: {', '.join(message.attachments)}"]
        entries.append((sort_key(message.time_created), order, lines))
    for change in changes:
        entries.append((sort_key(change.seen), len(entries), [status_heading(change)]))
    lines: list[str] = []
    for _, _, entry in sorted(entries, key=lambda item: (item[0], item[1])):
        lines += ["", *entry]
    return lines


def case_header(name: str, details: Mapping[str, Any], account: str) -> list[str]:
    """The title and the facts of a case as DescribeCases reports them."""
    return [
        f"# {name}: {details.get('subject', '')}",
        "",
        f"- case: {details.get('displayId', '')} ({details.get('caseId', '')})",
        f"- account: {account}",
        f"- status: {details.get('status', '')}",
        f"- severity: {details.get('severityCode', '')}",
    ]
