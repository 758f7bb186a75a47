"""The execution shell: carry out planned actions against the Support API and keep the case record.

Every step is safe to repeat after a crash. Before opening a case, an open case with the same subject
and description is looked for and taken over instead (an earlier run may have opened it and died before
the stack state was written). Before sending messages to a known case, the customer messages that AWS
holds since the last run are read, and a planned message already among them is recorded, not sent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from provider.aws.support_api import SupportApiError, explain
from provider.casefiles.attachments import attachment_path
from provider.planning.plan import Action, Sent

AWS_SENDER = "Amazon Web Services"


@dataclass(frozen=True)
class CaseRecord:
    """What the stack state keeps about one case besides its declared inputs."""

    case_id: str
    sent: Sent
    display_id: str = ""
    status: str = ""  # the case status as AWS reports it (opened, pending-customer-action, resolved, ...)
    severity: str = ""  # the severity as AWS reports it
    time_created: str = ""
    last_seen: str = ""  # timeCreated of the newest communication seen on the case
    sent_at: tuple[str, ...] = ()  # when each follow-up message of the file was sent (or "before adoption")
    replies: tuple[Mapping[str, str], ...] = ()  # communications from AWS, oldest first
    adopted: bool = False

    def to_outputs(self) -> dict[str, Any]:
        """JSON-plain outputs for the stack state."""
        return {
            "caseId": self.case_id,
            "displayId": self.display_id,
            "caseStatus": self.status,
            "awsSeverityCode": self.severity,
            "timeCreated": self.time_created,
            "lastSeen": self.last_seen,
            "sent": self.sent.to_json(),
            "sentAt": list(self.sent_at),
            "replies": [dict(reply) for reply in self.replies],
            "adopted": self.adopted,
        }

    @classmethod
    def from_outputs(cls, outs: Mapping[str, Any]) -> CaseRecord:
        """Read the record written by :meth:`to_outputs`."""
        return cls(
            case_id=outs["caseId"],
            sent=Sent.from_json(outs["sent"]),
            display_id=outs.get("displayId", ""),
            status=outs.get("caseStatus", ""),
            severity=outs.get("awsSeverityCode", ""),
            time_created=outs.get("timeCreated", ""),
            last_seen=outs.get("lastSeen", ""),
            sent_at=tuple(outs.get("sentAt", [])),
            replies=tuple(outs.get("replies", [])),
            adopted=bool(outs.get("adopted", False)),
        )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer_bodies(communications: Iterable[Mapping[str, Any]], after: str) -> Counter[str]:
    """How many times each body was sent by the customer side after ``after`` (ISO time, "" for ever)."""
    return Counter(
        str(item.get("body", ""))
        for item in communications
        if item.get("submittedBy") != AWS_SENDER and str(item.get("timeCreated", "")) > after
    )


@dataclass
class Executor:
    """Runs actions for one case file (``source``, repository-relative) with a Support API ``client``."""

    client: Any
    root: Path
    source: str
    _uploads: dict[tuple[str, ...], str] = field(default_factory=dict)

    def run(
        self, actions: Sequence[Action], record: CaseRecord | None, *, observe: bool = True
    ) -> CaseRecord:
        """Carry out ``actions`` in order and return the updated record, observed from AWS at the end."""
        already: Counter[str] = Counter()
        if record is not None and any(action.op == "send" for action in actions):
            already = self._customer_bodies_since(record.case_id, record.last_seen)
        for action in actions:
            record = self._step(action, record, already)
        if record is None:
            raise SupportApiError(f"{self.source}: nothing to do")
        return self.observe(record) if observe else record

    def _step(self, action: Action, record: CaseRecord | None, already: Counter[str]) -> CaseRecord:
        if action.op == "adopt":
            return self._adopt(action)
        if action.op == "create":
            found = self._find_open_case(action)
            if found is not None:
                case_id, communications = found
                already.update(_customer_bodies(communications, ""))
                already[action.body] -= 1  # the description itself is the case's first message
                return CaseRecord(case_id=case_id, sent=action.then)
            params = dict(action.create)
            if action.attachments:
                params["attachmentSetId"] = self._upload(action.attachments)
            case_id = self._call("open the case", self.client.create_case, **params)["caseId"]
            return CaseRecord(case_id=case_id, sent=action.then)
        assert record is not None, "a send or resolve action needs a case"
        if action.op == "resolve":
            self._call("resolve the case", self.client.resolve_case, caseId=record.case_id)
            return replace(record, sent=action.then)
        if already[action.body] > 0:
            already[action.body] -= 1  # sent by an earlier, interrupted run: record it only
        else:
            self._send(record.case_id, action)
        missing = len(action.then.messages) - len(record.sent_at)
        return replace(record, sent=action.then, sent_at=(*record.sent_at, *[_now()] * missing))

    def _send(self, case_id: str, action: Action) -> None:
        params: dict[str, Any] = {"caseId": case_id, "communicationBody": action.body}
        if action.cc:
            params["ccEmailAddresses"] = list(action.cc)
        if action.attachments:
            params["attachmentSetId"] = self._upload(action.attachments)
        try:
            self._call(action.summary, self.client.add_communication_to_case, **params)
        except SupportApiError as error:
            if error.code != "AttachmentSetExpired":
                raise
            self._uploads.pop(action.attachments, None)  # expired: upload once more
            params["attachmentSetId"] = self._upload(action.attachments)
            self._call(action.summary, self.client.add_communication_to_case, **params)

    def _upload(self, files: tuple[str, ...]) -> str:
        if files not in self._uploads:
            attachments = []
            for name in files:
                path = self.root / attachment_path(self.source, name)
                attachments.append({"fileName": Path(name).name, "data": path.read_bytes()})
            result = self._call(
                "upload attachments", self.client.add_attachments_to_set, attachments=attachments
            )
            self._uploads[files] = result["attachmentSetId"]
        return self._uploads[files]

    def _adopt(self, action: Action) -> CaseRecord:
        ref = dict(action.case_ref)
        params: dict[str, Any] = {"includeResolvedCases": True, "includeCommunications": False}
        if "caseId" in ref:
            params["caseIdList"] = [ref["caseId"]]
        else:
            params["displayId"] = ref["displayId"]
        cases = self._call("find the case to adopt", self.client.describe_cases, **params).get("cases", [])
        if not cases:
            what = ", ".join(f"{key} {value}" for key, value in ref.items())
            raise SupportApiError(
                f"{self.source}: no AWS Support case with {what} is visible to this account"
            )
        before = ("before adoption",) * len(action.then.messages)
        return CaseRecord(case_id=cases[0]["caseId"], sent=action.then, sent_at=before, adopted=True)

    def _find_open_case(self, action: Action) -> tuple[str, list[dict[str, Any]]] | None:
        """An open case with this subject whose first message is this description, with its messages."""
        cases = self._listing(
            "look for an earlier attempt", "describe_cases", "cases", includeResolvedCases=False
        )
        for case in cases:
            if case.get("subject") != action.create.get("subject"):
                continue
            communications = list(self._communications(case["caseId"], ""))
            if communications and communications[-1].get("body") == action.body:
                return str(case["caseId"]), communications
        return None

    def _communications(self, case_id: str, after: str) -> Iterator[dict[str, Any]]:
        """The case's communications, newest first (after ``after`` when given)."""
        params = {"caseId": case_id, **({"afterTime": after} if after else {})}
        return self._listing(
            "read the case's messages", "describe_communications", "communications", **params
        )

    def _customer_bodies_since(self, case_id: str, after: str) -> Counter[str]:
        return _customer_bodies(self._communications(case_id, after), after)

    def _listing(self, doing: str, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated Support API listing, through botocore's own paginator."""
        try:
            for page in self.client.get_paginator(operation).paginate(**params):
                yield from page.get(key, [])
        except Exception as error:
            raise explain(error, f"{self.source}: {doing}") from None

    def observe(self, record: CaseRecord, *, with_replies: bool = False) -> CaseRecord:
        """Refresh what AWS reports about the case: one DescribeCases (+ its messages when asked)."""
        cases = self._call(
            "read the case",
            self.client.describe_cases,
            caseIdList=[record.case_id],
            includeResolvedCases=True,
            includeCommunications=True,
        ).get("cases", [])
        if not cases:
            raise SupportApiError(f"{self.source}: AWS no longer shows case {record.case_id}")
        case = cases[0]
        recent = case.get("recentCommunications", {}).get("communications", [])
        times = [str(item.get("timeCreated", "")) for item in recent]
        record = replace(
            record,
            display_id=str(case.get("displayId", "")),
            status=str(case.get("status", "")),
            severity=str(case.get("severityCode", "")),
            time_created=str(case.get("timeCreated", "")),
            last_seen=max([record.last_seen, *times]),
        )
        if with_replies:
            everything = list(self._communications(record.case_id, ""))
            replies = tuple(
                {"body": str(item.get("body", "")), "timeCreated": str(item.get("timeCreated", ""))}
                for item in reversed(everything)
                if item.get("submittedBy") == AWS_SENDER
            )
            record = replace(record, replies=replies)
        return record

    def _call(self, doing: str, method: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
        try:
            return method(**params)
        except Exception as error:
            if isinstance(error, SupportApiError):
                raise
            raise explain(error, f"{self.source}: {doing}") from None
