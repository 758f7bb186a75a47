"""Warnings a reviewer must not miss: what is loud, irreversible or over a limit at AWS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from provider.casefiles.attachments import MAX_ATTACHMENT_BYTES
from provider.planning.quotas import CASES_PER_HOUR
from provider.review.cases import CasePlan

# S4 (botocore model, SeverityLevel.name): how the console names the two highest severity levels.
LOUD_SEVERITIES = {"urgent": "Production system down", "critical": "Business-critical system down"}
# botocore model, AddAttachmentsToSetRequest.attachments: "The size limit is 5 MB per attachment." It does
# not say whether a MB is 10**6 or 2**20 bytes; files from 4,000,000 bytes are flagged either way.
NEAR_ATTACHMENT_LIMIT = 4_000_000


def warning(kind: str, case: str | None, message: str) -> dict[str, Any]:
    """One warning, JSON-plain: ``kind`` is severity, reopen, removal, rename, attachment-size or quota."""
    return {"kind": kind, "case": case, "message": message}


def case_warnings(plan: CasePlan, actions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The warnings about one case, given its planned action entries (with attachment sizes)."""
    found = []
    record = plan.record
    before = record.sent if record else None
    severity = plan.spec.get("severityCode")
    raised = before is None or before.fields.get("severityCode") != severity
    if plan.actions and severity in LOUD_SEVERITIES and raised:
        found.append(
            warning(
                "severity",
                plan.name,
                f"severity {severity} ({LOUD_SEVERITIES[severity]}): AWS treats this case as a "
                "production emergency",
            )
        )
    if before is not None and before.status == "resolved" and not plan.removed and plan.actions:
        # S19: a case resolved more than 14 days ago cannot be reopened.
        found.append(
            warning(
                "reopen",
                plan.name,
                "writes to a resolved case, which reopens it at AWS (AWS refuses to reopen a case "
                "resolved more than 14 days ago)",
            )
        )
    if plan.removed and plan.actions:
        what = record.display_id or record.case_id if record else "its case"
        found.append(warning("removal", plan.name, f"its file was removed: `pulumi up` resolves case {what}"))
    if plan.renamed_from:
        found.append(
            warning(
                "rename",
                plan.name,
                f"renamed from {plan.renamed_from} (aliases): it keeps its case; nothing is opened or "
                "resolved for the rename",
            )
        )
    for action in actions:
        for file in action.get("attachments", []):
            if file["bytes"] >= NEAR_ATTACHMENT_LIMIT:
                found.append(
                    warning(
                        "attachment-size",
                        plan.name,
                        f"attachment {file['path']} is {file['bytes']:,} bytes, near the 5 MB per attachment "
                        f"limit (validate allows {MAX_ATTACHMENT_BYTES:,})",
                    )
                )
    return found


def quota_warnings(plans: Sequence[CasePlan], now: datetime) -> list[dict[str, Any]]:
    """More new cases for one account than AWS lets it open in an hour (S20: 10 per hour), counting the
    cases this stack opened in the hour before ``now`` (their timeCreated in the state). Cases opened
    outside the stack count too at AWS; the plan cannot see them without calling AWS."""
    since = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    new = Counter(_account(plan) for plan in plans if any(action.op == "create" for action in plan.actions))
    recent = Counter(
        _account(plan)
        for plan in plans
        if plan.record and plan.record.time_created and plan.record.time_created >= since
    )
    found = []
    for account, count in sorted(new.items()):
        wait = count + recent[account] - CASES_PER_HOUR
        if wait > 0:
            earlier = f", and this stack opened {recent[account]} in the last hour" if recent[account] else ""
            who = f"account {account}" if account else "the stack's account"
            found.append(
                warning(
                    "quota",
                    None,
                    f"{count} new cases for {who}{earlier}: AWS lets an account open {CASES_PER_HOUR} "
                    f"cases per hour, so `pulumi up` opens {count - wait} and leaves {wait} for a run "
                    "an hour later (it says when)",
                )
            )
    return found


def _account(plan: CasePlan) -> str:
    spec = plan.spec or (plan.record.sent.fields if plan.record else {})
    return str(spec.get("account") or "")
