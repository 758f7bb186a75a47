"""What ``pulumi up`` would do to each case: the case files planned against the recorded stack state.

It asks the same planning core as the provider, so a review and the run cannot disagree. It never
calls AWS.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provider.aws.accounts import Accounts
from provider.aws.record import UNREACHABLE, CaseRecord
from provider.casefiles.loader import Case
from provider.planning.changes import FIELD_LABELS, changed_fields
from provider.planning.plan import Action, account_edits, plan, refused_edits, retire, stated_fields
from provider.review.state import Recorded

# Why a case whose create a killed run left pending is not planned (docs/guarantees.md, "After a killed
# pipeline"): only `recover` can tell whether AWS holds the case that run opened.
INTERRUPTED = (
    "a `pulumi up` was opening this case and did not finish (killed, or still running): the stack state "
    "holds that create. Once no run is left, `python -m provider recover` records the case it opened if "
    "AWS holds one; then plan again"
)


@dataclass(frozen=True)
class CasePlan:
    """The plan for one case: its actions, or why it cannot be applied."""

    name: str
    source: str  # the case file, or "(file removed)"
    record: CaseRecord | None  # None for a case that has no AWS case yet
    actions: Sequence[Action]
    refusals: Sequence[str] = ()
    spec: Mapping[str, Any] = field(default_factory=dict)  # the case file now ({} when removed)
    removed: bool = False
    renamed_from: str = ""  # the earlier case name (from ``aliases``) whose record this case takes over
    account: str = ""  # the account alias the case lives in (or will be opened in)

    @property
    def changes(self) -> bool:
        """True when ``pulumi up`` would call AWS for this case."""
        return bool(self.actions)

    @property
    def shown(self) -> bool:
        """True when a reviewer must see this case: it changes, is refused or is renamed."""
        return bool(self.actions or self.refusals or self.renamed_from)

    def kind(self) -> str:
        """What changes, in a few words: ``new case``, ``message, fields (severity)``, ``resolve`` ..."""
        if self.refusals:
            return "refused"
        if self.removed:
            return "file removed: resolve" if self.actions else "file removed: AWS no longer returns its case"
        if self.record is None:
            return "adopt" if self.actions and self.actions[0].op == "adopt" else "new case"
        sent = self.record.sent
        parts = [f"renamed from {self.renamed_from}"] if self.renamed_from else []
        edited = changed_fields(sent.fields, stated_fields(self.spec))
        if edited:
            parts.append("fields (" + ", ".join(FIELD_LABELS[key] for key in edited) + ")")
        added = len(self.spec.get("attachments", [])) - len(sent.fields.get("attachments", []))
        if added > 0:
            parts.append(_count(added, "attachment"))
        messages = len(self.spec.get("communications", [])) - len(sent.messages)
        if messages > 0:
            parts.append(_count(messages, "message"))
        status = self.spec.get("status", "open")
        if status != sent.status:
            parts.append("resolve" if status == "resolved" else "reopen")
        return ", ".join(parts) or "no change"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def review(
    cases: Sequence[Case],
    recorded: Mapping[str, Recorded],
    stack: str | None = None,
    accounts: Accounts | None = None,
    interrupted: Collection[str] = (),
) -> list[CasePlan]:
    """Plan every case file against the recorded state; cases whose file is gone are resolved.

    ``stack`` (``project/stack``) names the cases' reference trailers as the program does; None when
    the stack config turns the trailer off. A case file that names an earlier name in ``aliases`` takes
    over the record of that name (a rename opens no new case and resolves nothing). An edit is refused
    exactly as the provider's ``check`` refuses it, with the time it was sent added; so is a move to
    another account (``accounts``: the stack's, to resolve each file's account alias). A case whose
    create a killed run left pending (``interrupted``, by name) is refused, declared or not, until
    ``recover`` has looked at AWS for it.
    """
    plans = []
    claimed: set[str] = set()
    for case in cases:
        renamed_from = ""
        known = recorded.get(case.name)
        if known is None:
            earlier = [alias for alias in case.spec.get("aliases", []) if alias in recorded]
            if earlier:
                renamed_from = earlier[0]
                known = recorded[renamed_from]
        claimed.add(renamed_from or case.name)
        record = known.record if known else None
        alias = _alias(accounts, case.spec)
        refusals = [INTERRUPTED] if case.name in interrupted else []
        if known is not None:
            for pointer, reason in refused_edits(known.record.sent, known.spec, case.spec):
                refusals.append(f"{reason}{_sent_at(known.record, pointer)}")
            before = known.record.account or _alias(accounts, known.spec)
            refusals += [reason for _, reason in account_edits(before, alias)]
        key = f"{stack}/{case.name}" if stack else None
        actions = [] if refusals else plan(record.sent if record else None, case.spec, key=key)
        plans.append(
            CasePlan(case.name, case.source, record, actions, refusals, case.spec, False, renamed_from, alias)
        )
    for name, known in sorted(recorded.items()):
        if name not in claimed:
            alias = known.record.account or _alias(accounts, known.spec)
            # A case AWS no longer returns (a refresh found it past retention): nothing to resolve.
            actions = [] if known.record.status == UNREACHABLE else retire(known.record.sent)
            plans.append(CasePlan(name, "(file removed)", known.record, actions, removed=True, account=alias))
    declared = {case.name for case in cases}
    for name in sorted(set(interrupted) - declared):
        plans.append(CasePlan(name, "(file removed)", None, [], [INTERRUPTED], removed=True))
    return plans


def _alias(accounts: Accounts | None, spec: Mapping[str, Any]) -> str:
    """The account alias a case file resolves to ("" when unknown)."""
    if accounts is None:
        return str(spec.get("account") or "")
    return accounts.alias_of(spec) or ""


def _sent_at(record: CaseRecord, pointer: tuple[str | int, ...]) -> str:
    index = pointer[1] if len(pointer) > 1 and pointer[0] == "communications" else None
    if isinstance(index, int) and index < len(record.sent_at):
        return f" (sent {record.sent_at[index]})"
    return ""
