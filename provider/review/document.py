"""The plan document: one JSON-plain description of a plan, from which every format is rendered.

``plan --format json`` prints it as it is; Markdown and text are renderings of it, so a saved plan can
be rendered again (``--from-plan``) and every rendering shows the same fingerprint.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from provider.aws.accounts import UnknownAccountError
from provider.aws.support_api import ApiSettings
from provider.casefiles.attachments import attachment_file
from provider.casefiles.loader import Problem
from provider.planning.plan import MAX_BODY, Action
from provider.review.cases import CasePlan
from provider.review.fingerprint import fingerprint
from provider.review.warnings import case_warnings, quota_warnings

FORMAT = 1  # the version of this document's shape

# The Support API operations one planned action makes that change something at AWS (reads left out).
_WRITES = {"create": "CreateCase", "send": "AddCommunicationToCase", "resolve": "ResolveCase"}


def api_calls(action: Action) -> list[str]:
    """The writing Support API calls of ``action``, in order: an attachment set is uploaded first."""
    calls = ["AddAttachmentsToSet"] if action.attachments else []
    return calls + ([_WRITES[action.op]] if action.op in _WRITES else [])


class Step(NamedTuple):
    """A planned action entry taken apart for rendering."""

    call: str
    why: str
    fields: list[tuple[str, str]]  # the other parameters, labelled, lists joined with commas
    attachments: list[Mapping[str, Any]]  # path, bytes and sha256 of each file
    body: str | None


_LABELS = {"ccEmailAddresses": "cc"}


def step(entry: Mapping[str, Any]) -> Step:
    """An action entry of the document as renderings show it."""
    rest = {k: v for k, v in entry.items() if k not in ("call", "why", "communicationBody", "attachments")}
    fields = [
        (_LABELS.get(key, key), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
        for key, value in rest.items()
    ]
    return Step(
        entry["call"], entry["why"], fields, entry.get("attachments", []), entry.get("communicationBody")
    )


def action_entry(action: Action, source: str, root: Path) -> dict[str, Any]:
    """One planned action as the document holds it: the preview's outbox entry with the exact body (one
    string) and the size and SHA-256 of each attached file."""
    entry = action.outbox_entry()
    if action.body:
        entry["communicationBody"] = action.body
    if action.attachments:
        entry["attachments"] = [_file(name, source, root) for name in action.attachments]
    return entry


def _file(name: str, source: str, root: Path) -> dict[str, Any]:
    file = attachment_file(root, source, name)
    data = file.read_bytes()
    path = file.relative_to(root.resolve()).as_posix()
    return {"file": name, "path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def account_entry(alias: str, settings: ApiSettings | None) -> dict[str, Any]:
    """Where a case's calls go: the alias and what the stack config resolves it to (never credentials)."""
    entry: dict[str, Any] = {"alias": alias or None}
    if settings is not None:
        try:
            account = settings.accounts.get(alias or None)
        except UnknownAccountError:
            return entry
        entry.update(profile=account.profile, roleArn=account.role_arn, externalId=account.external_id)
    return entry


def target_entry(settings: ApiSettings | None) -> dict[str, Any]:
    """The Support API every call of the plan reaches: partition and endpoint (botocore honours
    AWS_ENDPOINT_URL_SUPPORT, then AWS_ENDPOINT_URL: the AWS SDKs' service-specific endpoints)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_SUPPORT") or os.environ.get("AWS_ENDPOINT_URL") or None
    return {"partition": settings.partition if settings else None, "endpoint": endpoint}


def case_entry(plan: CasePlan, root: Path, settings: ApiSettings | None = None) -> dict[str, Any]:
    """One case that a reviewer must see, JSON-plain."""
    record = plan.record
    actions = [action_entry(action, plan.source, root) for action in plan.actions]
    calls = Counter(call for action in plan.actions for call in api_calls(action))
    before = record.sent.fields.get("severityCode") if record else None
    severity = plan.spec.get("severityCode", before) if not plan.removed else before
    files = [file for action in actions for file in action.get("attachments", [])]
    return {
        "name": plan.name,
        "source": plan.source,
        "change": plan.kind(),
        "caseId": record.case_id if record else None,
        "displayId": (record.display_id or None) if record else None,
        "account": account_entry(plan.account, settings),
        "renamedFrom": plan.renamed_from or None,
        "severity": severity,
        "severityBefore": before if record and before != severity else None,
        "calls": dict(calls),
        "largestBody": max((len(action.body) for action in plan.actions), default=0),
        "attachmentCount": len(files),
        "attachmentBytes": sum(file["bytes"] for file in files),
        "cc": sorted({address for action in plan.actions for address in action.cc}),
        "actions": actions,
        "refusals": list(plan.refusals),
        "warnings": case_warnings(plan, actions),
    }


def plan_document(
    plans: Sequence[CasePlan],
    root: Path,
    *,
    stack: str | None = None,
    problems: Sequence[Problem] = (),
    now: datetime | None = None,
    settings: ApiSettings | None = None,
) -> dict[str, Any]:
    """The whole plan: totals, warnings, every case that changes, is refused or renamed, and the fingerprint
    (None when the plan cannot be applied: a case file has problems or an edit is refused). ``settings``
    (the stack's) resolve each case's account and the Support API reached, which the fingerprint covers."""
    now = now or datetime.now(UTC)
    cases = [case_entry(plan, root, settings) for plan in plans if plan.shown]
    target = target_entry(settings)
    calls = Counter[str]()
    for case in cases:
        calls.update(case["calls"])
    refused = sum(1 for case in cases if case["refusals"])
    changed = sum(1 for plan in plans if plan.changes)
    applicable = not problems and not refused
    if problems:
        status = "invalid"
    elif refused:
        status = "refused"
    else:
        status = "changes" if changed else "no-changes"
    return {
        "format": FORMAT,
        "stack": stack,
        "status": status,
        "fingerprint": fingerprint(cases, target) if applicable else None,
        "target": target,
        "maxBody": MAX_BODY,
        "totals": {
            "cases": len(plans),
            "changed": changed,
            "unchanged": sum(1 for plan in plans if not plan.shown),
            "refused": refused,
            "newCases": sum(1 for plan in plans if any(a.op == "create" for a in plan.actions)),
            "calls": dict(sorted(calls.items())),
        },
        "problems": [str(problem) for problem in problems],
        "warnings": [w for case in cases for w in case["warnings"]] + quota_warnings(plans, now),
        "cases": cases,
    }


def exit_status(document: Mapping[str, Any], *, detailed: bool) -> int:
    """0 applicable (with ``detailed``: no changes), 1 problems or refused edits, 2 changes (``detailed``),
    as ``terraform plan -detailed-exitcode``."""
    if document["status"] in ("invalid", "refused"):
        return 1
    return 2 if detailed and document["status"] == "changes" else 0
