"""AWS Support's case events (Amazon EventBridge), the trigger of a sync between two scheduled runs.

AWS Support sends a ``Support Case Update`` event to the default event bus of US East (N. Virginia)
when a case is created, resolved or reopened, and when a correspondence is added (AWS Support User
Guide, "Monitoring AWS Support cases with Amazon EventBridge",
https://docs.aws.amazon.com/awssupport/latest/user/event-bridge-support.html; source
awsdocs/aws-support-user-guide doc_source/event-bridge-support.md). Its fields ("Support Case Update
event", https://docs.aws.amazon.com/awssupport/latest/user/event-detail-support-case-update.html):
``source`` is ``aws.support``, ``detail-type`` ``Support Case Update``, ``account`` the 12-digit account,
and ``detail`` holds ``case-id``, ``display-id``, ``communication-id``, ``event-name`` (CreateCase |
AddCommunicationToCase | ResolveCase | ReopenCase) and ``origin`` (AWS | CUSTOMER, set for
AddCommunicationToCase only). Delivery is best effort (EventBridge events reference, "AWS Support
events", https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-support.html), so the schedule
stays: an event only brings the next sync forward.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE = "aws.support"
DETAIL_TYPE = "Support Case Update"
EVENT_NAMES = ("CreateCase", "AddCommunicationToCase", "ResolveCase", "ReopenCase")


class EventError(ValueError):
    """The file is not an AWS Support case event; says what is wrong with it."""


@dataclass(frozen=True)
class CaseEvent:
    """One Support Case Update: which case of which account, what happened, and who did it."""

    account: str
    case_id: str
    display_id: str
    name: str  # event-name
    origin: str  # AWS | CUSTOMER | ""
    time: str

    def describe(self) -> str:
        """``AddCommunicationToCase by AWS on case 1234563851 (account 111122223333)``."""
        by = f" by {self.origin}" if self.origin else ""
        account = f" (account {self.account})" if self.account else ""
        return f"{self.name or 'an update'}{by} on case {self.display_id or self.case_id}{account}"


def case_update(case_id: str) -> CaseEvent:
    """An update of one case named by its caseId alone (a trigger that passes only the case, such as a
    GitLab pipeline trigger's variable); its account is read from the caseId
    (``case-<12-digit account>-...``, S20)."""
    parts = case_id.split("-")
    account = parts[1] if len(parts) > 2 and parts[0] == "case" and parts[1].isdigit() else ""
    return CaseEvent(account, case_id, "", "", "", "")


def parse_event(document: Mapping[str, Any], where: str = "the event") -> CaseEvent:
    """The case event of an EventBridge event document; :class:`EventError` when it is not one."""
    if document.get("source") != SOURCE or document.get("detail-type") != DETAIL_TYPE:
        raise EventError(
            f"{where}: not an AWS Support case event (source {document.get('source')!r}, detail-type "
            f"{document.get('detail-type')!r}; expected {SOURCE!r}, {DETAIL_TYPE!r})"
        )
    detail = document.get("detail")
    if not isinstance(detail, Mapping) or not detail.get("case-id"):
        raise EventError(f"{where}: the event's detail has no case-id")
    return CaseEvent(
        account=str(document.get("account", "")),
        case_id=str(detail["case-id"]),
        display_id=str(detail.get("display-id", "")),
        name=str(detail.get("event-name", "")),
        origin=str(detail.get("origin", "")),
        time=str(document.get("time", "")),
    )


def read_event(path: str) -> CaseEvent:
    """The case event in a JSON file (an EventBridge event, as a GitHub repository_dispatch carries it in
    ``client_payload``)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise EventError(f"cannot read the event {path}: {error}") from None
    if not isinstance(document, Mapping):
        raise EventError(f"{path}: an event is a JSON object")
    return parse_event(document, path)


def stacks_holding(event: CaseEvent, case_ids: Mapping[str, Iterable[str]]) -> list[str]:
    """The stacks (of ``stack -> its caseIds``) that hold the event's case."""
    return [stack for stack, ids in case_ids.items() if event.case_id in set(ids)]
