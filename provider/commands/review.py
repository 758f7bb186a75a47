"""The pull-request plan: what ``pulumi up`` would say to AWS, as Markdown for a review comment.

It reads the stack state (``pulumi stack export``) and the case files, and asks the same planning core
as the provider, so the comment and the run cannot disagree. It never calls AWS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from provider.aws.execute import CaseRecord
from provider.casefiles.loader import Case
from provider.planning.plan import Action, describe_plan, plan, refused_edits, retire

DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"


class Recorded(NamedTuple):
    """One case as the stack state holds it: the provider's record and the case file as last applied."""

    record: CaseRecord
    spec: Mapping[str, Any]


def records_from_state(state: Mapping[str, Any]) -> dict[str, Recorded]:
    """The cases of a ``pulumi stack export`` document, by case name."""
    resources = (state.get("deployment") or {}).get("resources") or []
    return {
        resource["outputs"]["caseName"]: Recorded(
            CaseRecord.from_outputs(resource["outputs"]), resource["outputs"].get("spec") or {}
        )
        for resource in resources
        if resource.get("type") == DYNAMIC_TYPE and "sent" in resource.get("outputs", {})
    }


@dataclass(frozen=True)
class CasePlan:
    """The plan for one case: its actions, or why it cannot be applied."""

    name: str
    source: str
    record: CaseRecord | None
    actions: Sequence[Action]
    refusals: Sequence[str]


def review(cases: Sequence[Case], recorded: Mapping[str, Recorded]) -> list[CasePlan]:
    """Plan every case file against the recorded state; cases whose file is gone are resolved.

    An edit is refused exactly as the provider's ``check`` refuses it, with the time it was sent added.
    """
    plans = []
    for case in cases:
        known = recorded.get(case.name)
        record = known.record if known else None
        refusals = []
        if known is not None:
            for pointer, reason in refused_edits(known.record.sent, known.spec, case.spec):
                refusals.append(f"{reason}{_sent_at(known.record, pointer)}")
        actions = [] if refusals else plan(record.sent if record else None, case.spec)
        plans.append(CasePlan(case.name, case.source, record, actions, refusals))
    names = {case.name for case in cases}
    for name, (record, _) in sorted(recorded.items()):
        if name not in names:
            plans.append(CasePlan(name, "(file removed)", record, retire(record.sent), []))
    return plans


def _sent_at(record: CaseRecord, pointer: tuple[str | int, ...]) -> str:
    index = pointer[1] if len(pointer) > 1 and pointer[0] == "communications" else None
    if isinstance(index, int) and index < len(record.sent_at):
        return f" (sent {record.sent_at[index]})"
    return ""


def render(plans: Sequence[CasePlan]) -> str:
    """Markdown: one section per case that changes or is refused, then a one-line summary."""
    lines = ["## Support cases: what `pulumi up` will say to AWS", ""]
    steps = 0
    for case_plan in plans:
        if not case_plan.actions and not case_plan.refusals:
            continue
        record = case_plan.record
        where = f"case {record.display_id or record.case_id}" if record else "new case"
        lines += [f"### `{case_plan.name}` ({where}, {case_plan.source})", ""]
        if case_plan.refusals:
            lines += [f"- **refused**: {reason}" for reason in case_plan.refusals]
        else:
            steps += len(case_plan.actions)
            lines += ["```text", describe_plan(case_plan.actions), "```"]
        lines.append("")
    changed = sum(1 for p in plans if p.actions)
    refused = sum(1 for p in plans if p.refusals)
    summary = f"{steps} step(s) for {changed} case(s); {len(plans) - changed - refused} unchanged"
    if refused:
        summary += f"; {refused} refused (fix them before merging)"
    lines.append(summary)
    return "\n".join(lines)
