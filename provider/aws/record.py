"""What the stack state keeps about one case besides its declared inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from provider.planning.plan import Sent

AWS_SENDER = "Amazon Web Services"  # submittedBy of AWS's side of a conversation (S22)
# The status a refresh records for a case AWS no longer returns, past its retention (provider.aws.execute).
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class CaseRecord:
    """One case: its caseId, what was said to it, and what AWS last reported about it."""

    case_id: str
    sent: Sent
    display_id: str = ""
    status: str = ""  # the case status as AWS reports it (unassigned, pending-customer-action, ...)
    severity: str = ""  # the severity as AWS reports it
    time_created: str = ""
    last_seen: str = ""  # timeCreated of the newest communication seen on the case (moved by refresh)
    checkpoint: str = ""  # the newest communication when the executor last read the case (only it moves this)
    # Identities (provider.planning.reference.identity) of the messages the executor wrote or recorded
    # that may be newer than the checkpoint: a later run does not take them for its own planned messages.
    accounted: tuple[str, ...] = ()
    sent_at: tuple[str, ...] = ()  # when each follow-up message of the file was sent (or "before adoption")
    replies: tuple[Mapping[str, Any], ...] = ()  # communications from AWS, oldest first
    adopted: bool = False
    account: str = ""  # the account alias the case lives in

    def to_outputs(self) -> dict[str, Any]:
        """JSON-plain outputs for the stack state."""
        return {
            "caseId": self.case_id,
            "displayId": self.display_id,
            "caseStatus": self.status,
            "awsSeverityCode": self.severity,
            "timeCreated": self.time_created,
            "lastSeen": self.last_seen,
            "checkpoint": self.checkpoint,
            "accounted": list(self.accounted),
            "sent": self.sent.to_json(),
            "sentAt": list(self.sent_at),
            "replies": [dict(reply) for reply in self.replies],
            "adopted": self.adopted,
            "account": self.account,
        }

    @classmethod
    def from_outputs(cls, outs: Mapping[str, Any]) -> CaseRecord:
        """Read the record written by :meth:`to_outputs` (older states lack the newer keys)."""
        return cls(
            case_id=outs["caseId"],
            sent=Sent.from_json(outs["sent"]),
            display_id=outs.get("displayId") or "",
            status=outs.get("caseStatus") or "",
            severity=outs.get("awsSeverityCode") or "",
            time_created=outs.get("timeCreated") or "",
            last_seen=outs.get("lastSeen") or "",
            checkpoint=outs.get("checkpoint") or "",
            accounted=tuple(outs.get("accounted") or []),
            sent_at=tuple(outs.get("sentAt") or []),
            replies=tuple(outs.get("replies") or []),
            adopted=bool(outs.get("adopted", False)),
            account=outs.get("account") or "",
        )

    def seen(self, case: Mapping[str, Any]) -> CaseRecord:
        """This record with what a DescribeCases entry reports about the case itself."""
        return replace(
            self,
            display_id=str(case.get("displayId", "")),
            status=str(case.get("status", "")),
            severity=str(case.get("severityCode", "")),
            time_created=str(case.get("timeCreated", "")),
        )


def newest(case: Mapping[str, Any]) -> str:
    """timeCreated of the newest communication a DescribeCases entry shows ("" for none)."""
    recent = case.get("recentCommunications", {}).get("communications", [])
    return max((str(item.get("timeCreated", "")) for item in recent), default="")
