"""The execution shell: carry out planned actions against the Support API, exactly once, and keep the
case record.

Exactly once rests on one rule: before saying anything that an earlier, interrupted attempt may already
have said, look at AWS. Every body carries its reference in trailer position
(:mod:`provider.planning.reference`), or is matched on its normalised text when the trailer is off.

- Opening a case: an open case created in the recovery window whose description carries this case
  file's reference is taken over instead of opening another. A resolved one is an earlier life of the
  file (removed, then restored): a new case is opened, as the plan says. A create a killed run left
  pending never comes here: the provider refuses it until ``recover`` has run :meth:`Executor.interrupted`,
  which records the case that run opened, open or resolved, with the messages AWS holds.
- Sending: the customer messages AWS holds since the case was last read by the executor (its
  ``checkpoint``, which a refresh never moves) are read once. Those the executor itself wrote or
  recorded since (``accounted``) are its own; a planned message among the others was said by an
  interrupted run and is recorded, not sent again.
- A write whose answer was lost (:class:`~provider.aws.calls.AmbiguousWrite`) is followed by a fresh look,
  and sent again only when AWS does not have it.
- With the trailer off, a text that AWS holds redacted may or may not be one of ours
  (:func:`~provider.planning.reference.could_be`): the executor refuses, before any write, rather than
  send it twice or drop it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from provider.aws.calls import AmbiguousWrite, SupportApi
from provider.aws.casebook import CaseBook
from provider.aws.record import AWS_SENDER, UNREACHABLE, CaseRecord, newest
from provider.aws.support_api import SupportApiError
from provider.casefiles.attachments import AttachmentError, attachment_file
from provider.planning.plan import Action
from provider.planning.reference import could_be, identity

__all__ = ["AWS_SENDER", "CaseRecord", "Executor"]

RECENT = 5  # DescribeCases returns the 5 newest communications of each case (S4: recentCommunications)
LOST_ANSWER_TRIES = 3  # how often a write whose answer was lost is looked for and sent again
CLOCK_SKEW = timedelta(minutes=15)  # margin between this machine's clock and AWS's
# How long AWS keeps returning a case: "Case data is available for 24 months after creation" (DescribeCases
# in the pinned botocore model, S4); the AWS Support User Guide and older API references say 12 months.
# A case older than the earlier figure that AWS no longer returns is taken as gone, not as a fault.
RETENTION = timedelta(days=365)


def past_retention(time_created: str) -> bool:
    """Whether a case created at ``time_created`` may be gone from AWS by its retention."""
    return bool(time_created) and datetime.now(UTC) - _time(time_created) > RETENTION


def now() -> str:
    """This machine's time, as AWS writes times (UTC, seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else datetime.now(UTC)


def _recent(case: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(case.get("recentCommunications", {}).get("communications", []))


@dataclass
class Executor:
    """Runs actions for one case file (``source``, repository-relative) in one account."""

    api: SupportApi
    book: CaseBook
    root: Path
    source: str
    trailer: bool = True
    recovery_hours: int = 24 * 14
    cases_per_hour: int = 10
    # Who else manages a case, by caseId (the stack state's name for it), or None: a case found for this
    # file that another resource manages is never taken over.
    managed_elsewhere: Callable[[str], str | None] | None = None
    case_name: str = ""  # this case's name in the stack
    _uploads: dict[tuple[str, ...], str] = field(default_factory=dict)
    # The customer messages AWS held since the checkpoint when this run read the case: their identities,
    # and their texts (for the trailer-off check of redacted texts).
    _window: Counter[str] | None = None
    _texts: list[str] = field(default_factory=list)
    _newest: str = ""  # timeCreated of the newest message of that read
    _accounted: Counter[str] = field(default_factory=Counter)  # ours among AWS's, or sent in this run
    _case: Mapping[str, Any] | None = None  # the case as last read in this run
    _sent: bool = False  # whether this run sent a message (which would reopen a resolved case)

    def run(self, actions: Sequence[Action], record: CaseRecord | None) -> CaseRecord:
        """Carry out ``actions`` in order and return the updated record."""
        if record is not None:
            self._accounted = Counter(record.accounted)
        for action in actions:
            record = self._step(action, record)
        if record is None:
            raise SupportApiError(f"{self.source}: nothing to do")
        return self._finish(record, actions)

    # --- the steps -----------------------------------------------------------------------------------

    def _step(self, action: Action, record: CaseRecord | None) -> CaseRecord:
        if action.op == "adopt":
            return self._adopt(action)
        if action.op == "create":
            return self._create(action)
        assert record is not None, "a send or resolve action needs a case"
        if action.op == "resolve":
            if not (self._case and self._case.get("status") == "resolved" and self._case_is(record)):
                self._resolve(record.case_id)
            return replace(record, sent=action.then)
        self._read_window(record)
        ours = self._identity(action.body)
        if not self._held(action, record, self._texts):  # AWS does not hold it yet
            self._send(record, action)
            self._texts.append(action.body)  # now among what AWS holds since the checkpoint
        self._accounted[ours] += 1  # said now, or said by an earlier, interrupted run: recorded
        missing = len(action.then.messages) - len(record.sent_at)
        return replace(record, sent=action.then, sent_at=(*record.sent_at, *[now()] * missing))

    def _adopt(self, action: Action) -> CaseRecord:
        ref = dict(action.case_ref)
        case = self.book.case(ref["caseId"]) if "caseId" in ref else self.book.by_display_id(ref["displayId"])
        if case is None:
            what = ", ".join(f"{key} {value}" for key, value in ref.items())
            raise SupportApiError(
                f"{self.source}: no AWS Support case with {what} is visible to this account"
            )
        manager = self._manager(case)
        if manager is not None:
            raise SupportApiError(
                f"{self.source}: case {case['caseId']} is managed by the stack already, as '{manager}': one "
                "case, one file. Nothing was sent; adopt it in one case file only (to move a case to another "
                "file, rename the file and list the old name under `aliases:`)"
            )
        self._case = case
        self._window = Counter()
        before = ("before adoption",) * len(action.then.messages)
        record = CaseRecord(str(case["caseId"]), action.then, sent_at=before, adopted=True)
        return replace(record.seen(case), checkpoint=newest(case))

    def _create(self, action: Action) -> CaseRecord:
        for _ in range(LOST_ANSWER_TRIES):
            found = self._opened_earlier(action, self.book.recent_and_opened(self.recovery_hours))
            if found is not None:
                self._case = found  # never one another case file manages (_opened_earlier)
                self._look(self._all_communications(found["caseId"], ""))
                self._accounted[self._identity(action.body)] += 1  # the description is the first message
                return CaseRecord(str(found["caseId"]), action.then).seen(found)
            case_id = self._open(action)
            if case_id is None:
                continue  # the answer was lost and AWS has no such case: open it again
            self._window = Counter()  # a case just opened holds only its description
            self._accounted[self._identity(action.body)] += 1
            return CaseRecord(case_id, action.then)
        raise SupportApiError(f"{self.source}: open the case: the answer was lost {LOST_ANSWER_TRIES} times")

    def _case_is(self, record: CaseRecord) -> bool:
        """Whether the case read in this run is ``record``'s and nothing was sent to it since."""
        return self._case is not None and self._case.get("caseId") == record.case_id and not self._sent

    def _resolve(self, case_id: str) -> None:
        for _ in range(LOST_ANSWER_TRIES):
            try:
                self.api.write("resolve the case", "resolve_case", caseId=case_id)
                break
            except AmbiguousWrite:
                case = self.book.case(case_id, fresh=True)
                if case is not None and case.get("status") == "resolved":
                    break
        else:
            raise SupportApiError(
                f"{self.source}: resolve the case: the answer was lost {LOST_ANSWER_TRIES} times"
            )
        self.book.forget(case_id)

    def _send(self, record: CaseRecord, action: Action) -> None:
        params: dict[str, Any] = {"caseId": record.case_id, "communicationBody": action.body}
        if action.cc:
            params["ccEmailAddresses"] = list(action.cc)
        for _ in range(LOST_ANSWER_TRIES):
            if action.attachments:
                params["attachmentSetId"] = self._upload(action.attachments)
            try:
                self.api.write(action.summary, "add_communication_to_case", **params)
                self._sent = True
                break
            except AmbiguousWrite:
                held = [
                    text
                    for _, text in self._customer(self._all_communications(record.case_id, record.checkpoint))
                ]
                if self._arrived(action, held) or self._held(action, record, held):
                    self._sent = True
                    break  # it did arrive
            except SupportApiError as error:
                if error.code != "AttachmentSetExpired":
                    raise
                self._uploads.pop(action.attachments, None)  # expired: upload once more
        else:
            raise SupportApiError(
                f"{self.source}: {action.summary}: the answer was lost {LOST_ANSWER_TRIES} times"
            )
        self.book.forget(record.case_id)

    def _upload(self, files: tuple[str, ...]) -> str:
        """An attachment set for ``files``. A lost answer here is sent again: an unused set is never seen
        by anyone and expires after an hour (S4: AttachmentSetExpired)."""
        if files not in self._uploads:
            attachments = []
            for name in files:
                try:  # the file validation checked, checked again now: it never leaves the repository
                    data = attachment_file(self.root, self.source, name).read_bytes()
                except AttachmentError as error:
                    raise SupportApiError(str(error)) from None
                attachments.append({"fileName": Path(name).name, "data": data})
            for _ in range(LOST_ANSWER_TRIES):
                try:
                    result = self.api.write(
                        "upload attachments", "add_attachments_to_set", attachments=attachments
                    )
                    break
                except AmbiguousWrite:
                    continue
            else:
                raise SupportApiError(f"{self.source}: upload attachments: the answer was lost")
            self._uploads[files] = result["attachmentSetId"]
        return self._uploads[files]

    # --- looking at AWS ------------------------------------------------------------------------------

    def _identity(self, body: str) -> str:
        return identity(body, trailer=self.trailer)

    def _customer(self, communications: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
        """(identity, text) of the customer side's messages among ``communications``."""
        return [
            (self._identity(str(item.get("body", ""))), str(item.get("body", "")))
            for item in communications
            if item.get("submittedBy") != AWS_SENDER
        ]

    def _look(self, communications: Iterable[Mapping[str, Any]]) -> None:
        """Keep the customer messages AWS holds since the checkpoint, as read in this run."""
        communications = list(communications)
        held = self._customer(communications)
        self._window = Counter(identity for identity, _ in held)
        self._texts = [text for _, text in held]
        self._newest = max((str(item.get("timeCreated", "")) for item in communications), default="")

    def _read_window(self, record: CaseRecord) -> Counter[str]:
        """The customer messages AWS holds since the checkpoint (read once per run)."""
        if self._window is None:
            case = self.book.case(record.case_id, record.time_created)
            if case is None:
                raise self._missing(record, "Nothing was sent")
            self._case = case
            recent = _recent(case)
            newer = [item for item in recent if str(item.get("timeCreated", "")) > record.checkpoint]
            if len(newer) == RECENT:  # the 5 newest may not reach back to the checkpoint: read them all
                newer = list(self._all_communications(record.case_id, record.checkpoint))
            self._look(newer)
        return self._window

    def _arrived(self, action: Action, texts: Sequence[str]) -> bool:
        """With the trailer off, after this run's send lost its answer: a text that may be the message
        redacted that AWS did not hold before the send is the one this run sent (the stack's lock keeps
        any other run from writing meanwhile)."""
        if self.trailer:
            return False
        before = sum(1 for text in self._texts if could_be(action.body, text))
        return sum(1 for text in texts if could_be(action.body, text)) > before

    def _held(self, action: Action, record: CaseRecord, texts: Sequence[str]) -> bool:
        """Whether AWS holds ``action``'s message among the customer ``texts`` since the checkpoint, beyond
        those accounted for as the executor's own. With the trailer off, a text that may be the message
        redacted by AWS leaves it unknown: refused (nothing more is sent), never guessed."""
        ours = self._identity(action.body)
        mine = self._accounted[ours]
        if sum(1 for text in texts if self._identity(text) == ours) > mine:
            return True
        if not self.trailer and sum(1 for text in texts if could_be(action.body, text)) > mine:
            raise SupportApiError(
                f"{self.source}: {action.summary}: AWS holds a message on case {record.case_id} that may be "
                "this one with part of it redacted by AWS, and without the reference trailer "
                "(supportcases:referenceTrailer is false) the provider cannot tell whether it was sent. "
                "Nothing more was sent. Read the case (`python -m provider log`); if AWS has the message, "
                "remove it from the case file's communications, else reword it",
                "AmbiguousMatch",
            )
        return False

    def _missing(self, record: CaseRecord, outcome: str) -> SupportApiError:
        """The error for a case AWS does not return (any more)."""
        return SupportApiError(
            f"{self.source}: AWS does not return case {record.case_id} to account '{self.api.alias}': "
            f"{_missing_reason(record)}. {outcome}",
            "CaseIdNotFound",
        )

    def _said(self, action: Action, text: str) -> bool:
        """Whether ``text`` AWS holds is ``action``'s message (with the trailer off: or it, redacted)."""
        wanted = self._identity(action.body)
        return self._identity(text) == wanted or (not self.trailer and could_be(action.body, text))

    def _all_communications(self, case_id: str, after: str) -> Iterable[dict[str, Any]]:
        params = {"caseId": case_id, **({"afterTime": after} if after else {})}
        items = self.api.pages(
            "read the case's messages", "describe_communications", "communications", **params
        )
        return [item for item in items if str(item.get("timeCreated", "")) > after]

    def _manager(self, case: Mapping[str, Any]) -> str | None:
        """The name under which the stack manages ``case`` already, if it does."""
        return self.managed_elsewhere(str(case["caseId"])) if self.managed_elsewhere else None

    def _opened_earlier(
        self,
        action: Action,
        cases: Iterable[Mapping[str, Any]],
        *,
        just_now: bool = False,
        resolved: bool = False,
    ) -> Mapping[str, Any] | None:
        """A case that an earlier attempt opened for this action, if AWS has one: its first message is the
        description with this action's identity (never the subject: AWS redacts it). Only an open case,
        unless ``resolved`` (for recover: a killed run's create). ``just_now``: the cases were created
        since this run's CreateCase, whose answer was lost: with the trailer off, a description that may
        be this one redacted is this run's case (the stack's lock keeps other runs out)."""
        wanted = self._identity(action.body)
        found: list[Mapping[str, Any]] = []
        for case in cases:
            recent = _recent(case)
            communications = recent if len(recent) < RECENT else self._all_communications(case["caseId"], "")
            first = sorted(communications, key=lambda item: str(item.get("timeCreated", "")))[:1]
            held = self._customer(first)
            if not held:
                continue
            if held[0][0] != wanted and (self.trailer or not could_be(action.body, held[0][1])):
                continue
            if self._manager(case) not in (None, self.case_name):
                continue  # another case file's case with the same text (trailer off): not ours
            if held[0][0] == wanted or just_now:
                found.append(case)
            else:
                raise SupportApiError(
                    f"{self.source}: AWS holds case {case['caseId']}, whose description may be this file's "
                    "with part of it redacted by AWS; without the reference trailer the provider cannot tell "
                    "whether an interrupted run opened it. Nothing was sent. Adopt it (`caseId: "
                    f"{case['caseId']}` in the case file) or reword the description",
                    "AmbiguousMatch",
                )
        usable = [case for case in found if case.get("status") != "resolved" or resolved]
        usable.sort(key=lambda case: str(case.get("timeCreated", "")), reverse=True)  # the newest first,
        if not resolved:  # an open one before any resolved; for recover, the newest: the killed run's
            usable.sort(key=lambda case: case.get("status") == "resolved")
        return usable[0] if usable else None

    def _created_after(self, moment: datetime) -> list[Mapping[str, Any]]:
        after = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return list(
            self.api.pages(
                "look for the case just opened",
                "describe_cases",
                "cases",
                afterTime=after,
                includeResolvedCases=True,
                includeCommunications=True,
            )
        )

    def _open(self, action: Action) -> str | None:
        """CreateCase within the hourly quota (S20: 10 per hour); None when its answer was lost and AWS
        shows no such case. Parallel creates of one process claim their place in the quota first."""
        full = self.book.claim(self.recovery_hours, self.cases_per_hour)
        if full is not None:
            opens = _time(full) + timedelta(hours=1)
            raise SupportApiError(
                f"{self.source}: not opened: {self.cases_per_hour} cases were created in this account in the "
                f"last hour and AWS allows {self.cases_per_hour} per hour; run again after "
                f"{opens.strftime('%H:%M UTC')} to open it (nothing was sent for this case)",
                "HourlyCaseQuota",
            )
        case_id = None
        try:
            params = dict(action.create)
            if action.attachments:
                params["attachmentSetId"] = self._upload(action.attachments)
            started = datetime.now(UTC) - CLOCK_SKEW
            try:
                case_id = str(self.api.write("open the case", "create_case", **params)["caseId"])
            except AmbiguousWrite:
                found = self._opened_earlier(action, self._created_after(started), just_now=True)
                case_id = None if found is None else str(found["caseId"])
        finally:
            if case_id is None:
                self.book.release()
        if case_id is not None:
            self.book.opened(case_id, str(params["subject"]), action.body)
        return case_id

    def _finish(self, record: CaseRecord, actions: Sequence[Action]) -> CaseRecord:
        """The record as AWS reports it once the actions are done. The checkpoint moves to the newest
        message of this run's read; what was sent after that read stays accounted for."""
        checkpoint, accounted = record.checkpoint, self._accounted
        if any(action.op == "create" for action in actions) and self._case is None:
            case = self.book.case(record.case_id, fresh=True)
            if case is None:
                raise SupportApiError(
                    f"{self.source}: AWS does not show the case it just opened, {record.case_id}"
                )
            record = record.seen(case)
            checkpoint, accounted = newest(case), Counter()  # read after every write of the run
        elif self._case is not None:
            record = record.seen(self._case)
            checkpoint = max(checkpoint, self._newest)
            accounted = accounted - (self._window or Counter())
        status, sent = record.status, record.sent
        sends = any(action.op == "send" for action in actions)
        if actions and actions[-1].op == "resolve":
            status = "resolved"
        elif record.status == "resolved" and sends and not self._sent and sent.status == "open":
            # Every planned message was said by an interrupted run, and the case is resolved after them
            # (that run resolved it, or AWS did): nothing this run said reopened it. Recorded as resolved,
            # so the next plan reopens the case, as any plan of a resolved case declared open does.
            sent = replace(sent, status="resolved")
        elif record.status == "resolved" and sends:
            status = "reopened"  # a customer message reopens a resolved case (S19)
        return replace(
            record,
            sent=sent,
            status=status,
            checkpoint=checkpoint,
            accounted=tuple(sorted(accounted.elements())),
            account=self.api.alias,
        )

    # --- recover -------------------------------------------------------------------------------------

    def interrupted(self, actions: Sequence[Action], checked_at: str = "") -> CaseRecord | None:
        """After a killed run (``recover``): the case its create opened for ``actions`` (a create's plan),
        open or resolved, as the record a create that got that far leaves: the description, then the
        planned messages AWS holds, in order, and the resolve if AWS shows the case resolved after all of
        them. None when AWS holds no such case (the create never reached it). Reads only.

        ``checked_at``: when that run checked the create (before it could open anything). A case with
        the file's reference created before, less the clock margin, is an earlier life of the file
        (removed, then restored), never the killed run's."""
        create = actions[0]
        # With the trailer off, a description AWS holds redacted is the killed run's too (its lock kept
        # other runs out), as after a lost answer; the newest such case is taken.
        cases = self.book.recent_and_opened(self.recovery_hours)
        if checked_at:
            since = _time(checked_at) - CLOCK_SKEW
            cases = [case for case in cases if _time(str(case.get("timeCreated", ""))) >= since]
        found = self._opened_earlier(create, cases, just_now=True, resolved=True)
        if found is None:
            return None
        said = self._all_communications(str(found["caseId"]), "")
        said = sorted(said, key=lambda item: str(item.get("timeCreated", "")))
        ours = iter(item for item in said if item.get("submittedBy") != AWS_SENDER)
        first = next(ours, {})
        then, checkpoint, sent_at = create.then, str(first.get("timeCreated", "")), []
        for action in actions[1:]:
            if action.op == "resolve":
                then = action.then if found.get("status") == "resolved" else then
                break
            item = next((item for item in ours if self._said(action, str(item.get("body", "")))), None)
            if item is None:
                break  # not said yet: the next `up` says it (and every message after it)
            then, checkpoint = action.then, str(item.get("timeCreated", ""))
            sent_at.append(checkpoint)
        record = CaseRecord(str(found["caseId"]), then, sent_at=tuple(sent_at), checkpoint=checkpoint)
        return replace(record.seen(found), account=self.api.alias)

    # --- refresh -------------------------------------------------------------------------------------

    def observe(self, record: CaseRecord) -> CaseRecord:
        """Refresh: what AWS reports about the case now, and its replies. The checkpoint stays."""
        case = self.book.case(record.case_id, record.time_created)
        if case is None:
            if past_retention(record.time_created):
                return replace(record, status=UNREACHABLE)  # kept; `status` and the sync say it plainly
            raise self._missing(record, "Nothing changed")
        recent = _recent(case)
        newer = [item for item in recent if str(item.get("timeCreated", "")) > record.last_seen]
        if len(newer) == RECENT:
            newer = list(self._all_communications(record.case_id, record.last_seen))
        replies = [*record.replies, *_replies(newer)]
        last_seen = max(record.last_seen, newest(case))
        return replace(record.seen(case), replies=tuple(replies), last_seen=last_seen)


def _missing_reason(record: CaseRecord) -> str:
    if past_retention(record.time_created):
        return (
            f"it was created {record.time_created}, more than 12 months ago, and AWS keeps cases for 12 to "
            "24 months. Open the issue anew in a new case file; removing this one sends nothing"
        )
    return (
        "the account's credentials may reach another AWS account than the case's (check the stack "
        "config's account for this file)"
    )


def _replies(communications: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """AWS's side of ``communications``, oldest first."""
    return [
        {
            "body": str(item.get("body", "")),
            "timeCreated": str(item.get("timeCreated", "")),
            "attachments": [str(a.get("fileName", "")) for a in item.get("attachmentSet") or []],
        }
        for item in sorted(communications, key=lambda item: str(item.get("timeCreated", "")))
        if item.get("submittedBy") == AWS_SENDER
    ]
