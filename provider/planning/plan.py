"""The pure planning core: what was sent + the case as declared now -> the Support API actions to take.

No I/O happens here. Preview (``diff``/``check``), execution (``create``/``update``/``delete``) and the
pull-request plan all call :func:`plan`, so what a reviewer is shown is exactly what is sent.

The record of what was sent (:class:`Sent`) is kept in the Pulumi stack state. Every action carries the
record as it stands once that action has succeeded (``Action.then``), so an interrupted run is resumed
from the last completed action instead of being repeated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from provider.planning.changes import FIELD_LABELS, present, render_change_message, same_text
from provider.planning.reference import (
    TRAILER_LENGTH,
    case_reference,
    message_reference,
    with_trailer,
)

# botocore's support model (S4): CommunicationBody is 1 to 8,000 characters; an attachment set holds at
# most 3 attachments (AddAttachmentsToSet: "up to three attachments").
MAX_BODY = 8000
MAX_ATTACHMENTS_PER_SET = 3
# Room left in every body for the reference trailer, whether or not it is switched on, so a plan splits
# long text the same way either way.
MAX_TEXT = MAX_BODY - TRAILER_LENGTH

# Keys of a case file that are passed to CreateCase as they are.
CREATE_KEYS = (
    "subject",
    "serviceCode",
    "categoryCode",
    "severityCode",
    "issueType",
    "language",
    "communicationBody",
    "ccEmailAddresses",
)
# The fields whose last stated value is remembered: the CreateCase fields plus the case's own attachments.
STATED_KEYS = (*CREATE_KEYS, "attachments")

Op = Literal["adopt", "create", "send", "resolve"]


@dataclass(frozen=True)
class Sent:
    """What AWS has been told about one case so far."""

    fields: Mapping[str, Any]  # the STATED_KEYS values as last stated to AWS
    messages: tuple[Mapping[str, Any], ...]  # the follow-up messages sent so far, as declared
    status: str  # "open" or "resolved", as last requested

    def to_json(self) -> dict[str, Any]:
        """A JSON-plain form for the stack state."""
        return {
            "fields": dict(self.fields),
            "messages": [dict(message) for message in self.messages],
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sent:
        """Read the form written by :meth:`to_json`."""
        return cls(dict(data["fields"]), tuple(dict(m) for m in data["messages"]), str(data["status"]))

    @classmethod
    def declared(cls, spec: Mapping[str, Any]) -> Sent:
        """The record for a case whose whole ``spec`` has been said (an adopted case, or the old inputs)."""
        return cls(stated_fields(spec), tuple(spec.get("communications", [])), spec.get("status", "open"))


@dataclass(frozen=True)
class Action:
    """One Support API step: ``adopt`` an existing case, ``create`` one, ``send`` a message, ``resolve``."""

    op: Op
    then: Sent  # the record of what was sent, once this action has succeeded
    summary: str  # one line for people: what this step is and why
    body: str = ""
    cc: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # paths as written in the case file (relative to it)
    create: Mapping[str, Any] = field(default_factory=dict)  # CreateCase parameters other than attachments
    case_ref: Mapping[str, str] = field(default_factory=dict)  # for adopt: caseId or displayId

    def outbox_entry(self) -> dict[str, Any]:
        """The action as a preview shows it: JSON-plain, every line of the message its own string
        (the Pulumi CLI shortens multi-line strings in a diff, never list items)."""
        entry: dict[str, Any] = {"call": _API_NAMES[self.op], "why": self.summary}
        if self.op == "create":
            entry.update({key: value for key, value in self.create.items() if key != "communicationBody"})
        if self.cc:
            entry["ccEmailAddresses"] = list(self.cc)
        if self.attachments:
            entry["attachments"] = list(self.attachments)
        if self.body:
            entry["communicationBody"] = self.body.splitlines()
        return entry

    def describe(self) -> str:
        """Render the action as a reviewer should read it: the operation and exactly what is said."""
        entry = self.outbox_entry()
        lines = [f"{entry.pop('call')}: {entry.pop('why')}"]
        body = entry.pop("communicationBody", [])
        for key, value in entry.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            lines.append(f"  {_LABELS.get(key, key)}: {shown}")
        lines += ["  | " + line if line else "  |" for line in body]
        return "\n".join(lines)


_LABELS = {"ccEmailAddresses": "cc"}
_API_NAMES: dict[Op, str] = {
    "adopt": "DescribeCases",
    "create": "CreateCase",
    "send": "AddCommunicationToCase",
    "resolve": "ResolveCase",
}


def stated_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The STATED_KEYS values of a case file, with unset keys left out."""
    return present(spec, STATED_KEYS)


def split_body(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a message into bodies of at most ``limit`` characters, at line breaks where possible.

    No part is empty or only whitespace (AWS refuses an empty body, S4: 1 to 8,000 characters).
    """
    parts: list[str] = []
    original = text
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return [part for part in parts if part.strip()] or [original]


def _chunks(items: Sequence[str]) -> Iterator[tuple[int, tuple[str, ...]]]:
    for start in range(0, len(items), MAX_ATTACHMENTS_PER_SET):
        yield start, tuple(items[start : start + MAX_ATTACHMENTS_PER_SET])


def _extra_attachments(files: Sequence[str], then: Sent, what: str, first: int = 0) -> list[Action]:
    """Messages carrying ``files`` three at a time, numbered within ``first + len(files)`` in all."""
    total = first + len(files)
    actions = []
    for start, chunk in _chunks(files):
        numbers = (
            f"{first + start + 1}-{first + start + len(chunk)}" if len(chunk) > 1 else str(first + start + 1)
        )
        body = f"Attachments {numbers} of {total} for {what}: " + ", ".join(chunk)
        actions.append(Action("send", then, f"attachments {numbers} of {total} for {what}", body, (), chunk))
    return actions


def _message(text: str, cc: Sequence[str], files: Sequence[str], then: Sent, summary: str) -> list[Action]:
    """A message (split over the body limit) with its first three attachments, and the rest after it."""
    bodies = split_body(text)
    head = tuple(files[:MAX_ATTACHMENTS_PER_SET])
    actions = []
    for index, body in enumerate(bodies):
        part = summary if len(bodies) == 1 else f"{summary} (part {index + 1} of {len(bodies)})"
        actions.append(Action("send", then, part, body, tuple(cc), head if index == 0 else ()))
    rest = files[MAX_ATTACHMENTS_PER_SET:]
    return actions + _extra_attachments(rest, then, summary, first=len(head))


def plan(sent: Sent | None, spec: Mapping[str, Any], *, key: str | None = None) -> list[Action]:
    """Return the actions that bring AWS from what was ``sent`` to the declared ``spec``, in order.

    ``sent`` is None for a case that has no AWS case yet. ``spec`` is a validated case file with
    defaults applied. Callers check :func:`unsendable_edits` first: this function assumes the
    declared messages and attachments start with the ones already sent. ``key`` (the case's name
    within its stack) switches the reference trailer on: every body then ends with its reference
    (:mod:`provider.planning.reference`); None sends bodies exactly as written.
    """
    actions = _plan(sent, spec)
    return actions if key is None else [_referenced(action, key) for action in actions]


def _referenced(action: Action, key: str) -> Action:
    """``action`` with the reference trailer on its body."""
    if action.op == "create":
        ref = case_reference(key, str(action.create["subject"]), action.body)
        body = with_trailer(action.body, ref)
        return replace(action, body=body, create={**action.create, "communicationBody": body})
    if action.op == "send":
        return replace(
            action, body=with_trailer(action.body, message_reference(action.body, len(action.then.messages)))
        )
    return action


def _plan(sent: Sent | None, spec: Mapping[str, Any]) -> list[Action]:
    if sent is None:
        ref = {key: str(spec[key]) for key in ("caseId", "displayId") if spec.get(key)}
        if ref:
            what = ", ".join(f"{key} {value}" for key, value in ref.items())
            summary = f"adopt the existing case {what}; nothing is sent"
            return [Action("adopt", Sent.declared(spec), summary, case_ref=ref)]
        actions = _create(spec)
        state = actions[-1].then
    else:
        actions = _restate(sent, stated_fields(spec))
        state = actions[-1].then if actions else sent
    messages = list(state.messages)
    for index, message in enumerate(spec.get("communications", [])[len(messages) :], len(messages) + 1):
        messages.append(message)
        state = replace(state, messages=tuple(messages))
        summary = f"message {index} of communications"
        actions += _message(
            message["communicationBody"],
            message.get("ccEmailAddresses", []),
            message.get("attachments", []),
            state,
            summary,
        )
    return _status_change(actions, state, spec.get("status", "open"), created=sent is None)


def _create(spec: Mapping[str, Any]) -> list[Action]:
    """CreateCase with the first three attachments, then the rest of them three at a time."""
    files: Sequence[str] = spec.get("attachments", [])
    state = Sent(stated_fields(spec), (), "open")
    first, *rest = split_body(spec["communicationBody"])
    params = {**present(spec, CREATE_KEYS), "communicationBody": first}
    head = tuple(files[:MAX_ATTACHMENTS_PER_SET])
    cc = tuple(spec.get("ccEmailAddresses", []))
    create = Action("create", state, f"open the case {spec['subject']!r}", first, cc, head, create=params)
    continued = [
        Action("send", state, f"the case description (part {index} of {len(rest) + 1})", part, cc)
        for index, part in enumerate(rest, 2)
    ]
    extra = _extra_attachments(files[len(head) :], state, "the case description", first=len(head))
    return [create, *continued, *extra]


def _restate(sent: Sent, fields: Mapping[str, Any]) -> list[Action]:
    """Messages that state edits of case fields, and carry attachments added to the case itself."""
    state = replace(sent, fields=dict(fields))
    actions: list[Action] = []
    text = render_change_message(sent.fields, fields)
    if text is not None:
        actions += _message(
            text, fields.get("ccEmailAddresses", []), [], state, "state the edited case fields"
        )
    old_files = list(sent.fields.get("attachments", []))
    added = list(fields.get("attachments", []))[len(old_files) :]
    actions += _extra_attachments(added, state, "the case description", first=len(old_files))
    return actions


def _status_change(actions: list[Action], state: Sent, status: str, *, created: bool) -> list[Action]:
    """Resolve or reopen as declared. A customer message reopens a resolved case at AWS by itself."""
    then = replace(state, status=status)
    messages = any(action.op == "send" for action in actions)
    if status == "resolved":
        if state.status == "resolved" and not messages:
            return actions
        why = (
            "status: resolved" if state.status != "resolved" else "again after the new messages, as declared"
        )
        return [*actions, Action("resolve", then, f"resolve the case ({why})")]
    if state.status != "resolved" or created:
        return actions
    if messages:  # the last message reopens the case; record that
        return [*actions[:-1], replace(actions[-1], then=then)]
    body = "Reopening this case: the issue needs further attention."
    return [*actions, Action("send", then, "reopen the case (status: open)", body)]


def retire(sent: Sent) -> list[Action]:
    """Actions for a case whose file was removed (or ``pulumi destroy``): resolve it; nothing is deleted.
    A case recorded resolved is resolved again: a killed run may have reopened it since (its message
    went out, the state never heard), and AWS answers ResolveCase on a resolved case with no change."""
    why = "resolve the case (its file was removed" + (
        "; resolved already, unless an interrupted run reopened it)" if sent.status == "resolved" else ")"
    )
    return [Action("resolve", replace(sent, status="resolved"), why)]


def unsendable_edits(sent: Sent, spec: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Edits that would need sent mail to be unsent, as (pointer, reason) pairs; empty when none.

    Follow-up messages already sent must stay, unchanged and in order, at the start of
    ``communications``; attachments already sent with the case must stay at the start of ``attachments``.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    declared: Sequence[Mapping[str, Any]] = spec.get("communications", [])
    for index, before in enumerate(sent.messages):
        number = f"message {index + 1} of communications was already sent to AWS"
        if index >= len(declared):
            problems.append(
                (("communications",), f"{number} and cannot be removed (sent mail cannot be unsent)")
            )
            break
        if not same_text(before.get("communicationBody"), declared[index].get("communicationBody")):
            reason = f"{number}; its communicationBody cannot be edited (sent mail cannot be unsent)"
            problems.append((("communications", index, "communicationBody"), reason))
        for key in ("ccEmailAddresses", "attachments"):
            if (before.get(key) or None) != (declared[index].get(key) or None):
                reason = f"{number}; its {key} cannot be edited (sent mail cannot be unsent)"
                problems.append((("communications", index, key), reason))
    old_files = list(sent.fields.get("attachments", []))
    if list(spec.get("attachments", []))[: len(old_files)] != old_files:
        reason = (
            "attachments already sent to AWS (" + ", ".join(old_files) + ") cannot be removed or reordered"
        )
        problems.append((("attachments",), reason + "; add new files at the end"))
    return problems


def adoption_edits(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """A file that already manages a case cannot start naming another one with caseId or displayId."""
    return [
        (
            (key,),
            f"this file already manages a support case; {key} cannot be added or changed here "
            "(adopt another case from a new case file)",
        )
        for key in ("caseId", "displayId")
        if new.get(key) and new.get(key) != old.get(key)
    ]


def account_edits(before: str, now: str) -> list[tuple[tuple[str | int, ...], str]]:
    """A case stays in the account it was opened in: AWS cannot move a case between accounts, and its
    caseId is visible only there. ``before`` and ``now`` are resolved account aliases ("" unknown)."""
    if not before or not now or before == now:
        return []
    reason = (
        f"this case lives in account '{before}' and cannot move to account '{now}' (AWS Support cannot "
        f"move a case between accounts): keep `account: {before}` (or the default account it had), or "
        "resolve it and open the case anew in a new case file"
    )
    return [(("account",), reason)]


def refused_edits(
    sent: Sent, applied: Mapping[str, Any], spec: Mapping[str, Any]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Everything about ``spec`` that cannot be carried out, given what was ``sent`` and the case file
    as last ``applied``: edits that would unsend mail, and a switch to another case."""
    return unsendable_edits(sent, spec) + adoption_edits(applied, spec)


def describe_plan(actions: Sequence[Action]) -> str:
    """The whole plan as reviewers read it, one numbered step per action."""
    if not actions:
        return "no changes: nothing will be sent to AWS"
    return "\n".join(f"{number}. {action.describe()}" for number, action in enumerate(actions, 1))


__all__ = [
    "FIELD_LABELS",
    "MAX_ATTACHMENTS_PER_SET",
    "MAX_BODY",
    "Action",
    "Sent",
    "account_edits",
    "adoption_edits",
    "describe_plan",
    "plan",
    "refused_edits",
    "retire",
    "split_body",
    "stated_fields",
    "unsendable_edits",
]
