"""The model: random histories of case-file edits, AWS-side events, faults, kills, refreshes and ``up``s,
with the exactly-once invariant checked against supportlocal after every step.

The model keeps what a person did to the files and what AWS was told to hold; supportlocal (its
DescribeCases, DescribeCommunications and call log) is the truth. After every step:

- every AWS case belongs to exactly one case life the model knows (one file opening one case; a
  rename without ``aliases``, a restore or a move to another account starts a new life), in that
  life's account: no duplicate, no stray case;
- each case's description is the declared one, and its follow-up messages are a prefix of those
  declared, each once, in order; once the last operation on the case completed, exactly those declared;
- a case whose file is gone is resolved once its delete completed (and a case nobody declares any
  more is never left open);
- a case declared resolved is resolved, a case declared open is not (unless AWS itself resolved it
  since the provider last wrote to it).

After every ``up``: what was planned before it (the preview's outbox and the review plan of
``python -m provider plan``, which must agree) equals the writes of supportlocal's call log for that
``up``, case by case, call by call, body by body; where a run was killed or a write's answer lost for
good, the writes are a subsequence of the plan. A refusal is expected only where the provider must
refuse (an existing case moved to another account, or a create a killed run left pending): then nothing
is written.

After a killed run the person runs ``python -m provider recover`` before the next ``up`` or ``refresh``
(docs/guarantees.md, "After a killed pipeline"): it writes nothing, and each killed create's life takes
the case recover records (or none, when AWS holds none). A rule tries ``up`` without it: ``plan`` must
refuse each pending create, preview every new case, with no Support API call.

Flags (module constants) switch off a rule that triggers a known, reported defect, while it is fixed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from provider.aws.support_api import SupportApiError
from provider.planning.reference import normalise, without_trailer
from provider.review.cases import INTERRUPTED
from supportlocal.service.redaction import redact
from supportlocal.web.faults import FaultPlan
from tests.model.engine import Engine, Preview, Run
from tests.model.inprocess import ACCOUNTS, Wire, wired

# --- flags: rules switched off while a reported defect is fixed (findings: docs/guarantees.md) ---
#: A whitespace-only edit of a sent follow-up message (F-whitespace): refused today.
WHITESPACE_EDIT_OF_SENT_MESSAGE = True
#: Whitespace-only edits of the subject (F7, fixed: the next real edit was previewed with another body).
WHITESPACE_SUBJECT_EDITS = True
#: Restoring a removed case file (F-restore, issue 16 #5).
RESTORE = True
#: Card numbers in subjects and messages (F-redaction, issue 16 #1).
CARD_NUMBERS = True
#: With the trailer off, card numbers (text AWS redacts) in descriptions and messages (F6: refused
#: after the run's own lost answer, the file stuck; fixed in 529dd0e).
TRAILER_OFF_REDACTED_TEXT = True
#: A pasted ``[ref …]`` in a message or a description (F-pasted-ref, issue 16 #4).
PASTED_REFERENCES = True
#: Moving an existing case to another account in place (issue 16 #2, #11).
ACCOUNT_MOVES = True
#: Status toggles (issue 16 #3: a second reopen is never sent).
STATUS_TOGGLES = True
#: ``pulumi up --replace`` (F3, fixed in f416c9c: past the recovery window it opened a second case).
REPLACE = True
#: recover's documented limit (docs/guarantees.md, "Limits"): a restored file's create killed before its
#: CreateCase, within 15 minutes of its earlier case's creation, gets that earlier case recorded.
RECOVER_MARGIN = 15 * 60.0
#: With the trailer off, a rename without alias (F1, fixed by 02:45: the new file took the old case over).
TRAILER_OFF_RENAME_WITHOUT_ALIAS = True

SERVICE = {"serviceCode": "amazon-elastic-compute-cloud-linux", "categoryCode": "instance-issue"}
SEVERITIES = ("low", "normal", "high")
SUBJECTS = ("EC2 instance unreachable after reboot", "Status checks fail on i-0abc", "Slow EBS volume")
CARD_SUBJECT = "Refund for card payment 4111 1111 1111 1111"
TEXTS = (
    "Any update? We still see the failure.",
    "It happened again at 04:40 UTC; writes stopped for 12 minutes.",
    "The instance is back after a stop and start.",
)
CARD_TEXT = "Please refund card 4242 4242 4242 4242, charged twice on 1 March."
FAKE_REF_TEXT = "As written in the earlier thread [ref 0123456789], the issue persists."
TOKEN = re.compile(r"^Case (T\d+):")
_TRAILER = re.compile(r"\s*\[\s*ref\s+[0-9a-f]{10}\s*\]\s*$")
DAY = 86400.0


class Violation(AssertionError):
    """The invariant does not hold."""


@dataclass
class Life:
    """One AWS case that one case file opens (a case life); a rename keeps it, a restore starts another."""

    number: int
    token: str
    account: str
    description: str
    case_id: str | None = None
    state_name: str | None = None  # the resource of the engine's state that holds it
    attempted: bool = False  # a create was started for it
    applied: tuple[str, ...] | None = None  # follow-ups as of the last completed operation
    offered: tuple[str, ...] = ()  # follow-ups its file declared when the last up began
    applied_status: str = "open"
    retired: bool = False  # its file is gone and its delete completed
    dirty: bool = False  # an operation on it was interrupted since the last one that completed
    aws_closed: bool = False  # AWS resolved it after the provider last wrote to it
    unsure: bool = False  # retired after a killed run: it holds up to what that run was told to say


@dataclass
class CaseFile:
    """One case file as a person wrote it."""

    name: str
    token: str
    subject: str
    description: str
    severity: str
    account: str
    status: str = "open"
    messages: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    life: Life | None = None

    def document(self) -> dict[str, Any]:
        """The YAML document."""
        doc: dict[str, Any] = {
            "subject": self.subject,
            **SERVICE,
            "severityCode": self.severity,
            "communicationBody": self.description,
            "account": self.account,
        }
        if self.status != "open":
            doc["status"] = self.status
        if self.messages:
            doc["communications"] = [{"communicationBody": text} for text in self.messages]
        if self.aliases:
            doc["aliases"] = list(self.aliases)
        return doc


def text_of(body: str, trailer: bool) -> str:
    """What a person wrote, from a body AWS holds: normalised, the reference trailer taken off."""
    return normalise(_TRAILER.sub("", body) if trailer else body)


def declared_text(text: str) -> str:
    """What AWS holds of a declared text (redacted as AWS redacts), normalised."""
    return normalise(redact(text))


@contextmanager
def model_world() -> Iterator[tuple[Path, Wire]]:
    """A working directory with ``cases/`` and an in-process supportlocal, for one test module."""
    folder = Path(tempfile.mkdtemp(prefix="support-model-"))
    cwd = Path.cwd()  # each history works in folder/repo; the caller's directory is given back
    try:
        with wired(folder) as wire:
            yield folder, wire
    finally:
        os.chdir(cwd)
        shutil.rmtree(folder, ignore_errors=True)


class CaseModel(RuleBasedStateMachine):
    """The state machine; :func:`bind` gives it its world before a run."""

    folder: Path
    wire: Wire
    steps = 0  # steps taken by every instance (the bench counts them)
    trailer = True

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []
        self.files: dict[str, CaseFile] = {}
        self.removed: dict[str, CaseFile] = {}
        self.lives: list[Life] = []
        self.counter = 0
        self.kill_after: int | None = None
        self.faults: FaultPlan | None = None
        self.fault_seed = 0
        self.faults_were_on = False
        self.lenient: set[str] = set()  # the names of the current up whose last operation was interrupted
        self.needs_recover = False  # a run was killed: the person runs recover before the next one
        self.killed_creates: dict[str, Life] = {}  # name -> the life a killed create was opening
        self.cases = self.folder / "repo" / "cases"
        self._reset_world()

    # --- world ---------------------------------------------------------------------------------------

    def _reset_world(self) -> None:
        repo = self.cases.parent
        shutil.rmtree(repo, ignore_errors=True)
        self.cases.mkdir(parents=True)
        (repo / "Pulumi.yaml").write_text("name: model\nruntime: python\n")
        os.chdir(repo)
        server = self.wire.server
        with server.store.transaction():
            db = server.store._db  # a fresh AWS for each history (supportlocal has no reset route)
            for table in ("communication_attachments", "attachments", "attachment_sets", "communications"):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM cases")
            db.execute("DELETE FROM calls")
        self.wire.sent.clear()
        self.complete = False  # whether the last up ran to its end
        config = {
            "supportcases:accounts": json.dumps({alias: {"profile": alias} for alias in ACCOUNTS}),
            "supportcases:defaultAccount": "prod",
            "supportcases:callsPerSecond": "0",  # no pacing: the wire moves the clock instead
            "supportcases:casesPerHour": "100000",  # the hourly quota is off in supportlocal too
            "supportcases:referenceTrailer": "true" if self.trailer else "false",
        }
        self.engine = Engine(config, self.wire)

    def _note(self, text: str) -> None:
        self.log.append(text)

    def fail(self, what: str) -> None:
        """Raise a violation with the history so far."""
        history = "\n".join(f"  {number}. {step}" for number, step in enumerate(self.log, 1))
        raise Violation(f"{what}\nhistory:\n{history}")

    def _write(self, case: CaseFile) -> None:
        path = self.cases / f"{case.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(case.document(), sort_keys=False, allow_unicode=True, width=1000))

    def _unlink(self, name: str) -> None:
        (self.cases / f"{name}.yaml").unlink()

    def _new_name(self) -> str:
        self.counter += 1
        return f"c{self.counter}"

    def _new_life(self, case: CaseFile) -> Life:
        life = Life(len(self.lives) + 1, case.token, case.account, case.description)
        self.lives.append(life)
        return life

    def _pending_create(self, case: CaseFile) -> bool:
        """Whether the file's create was killed or failed before the state knew its case."""
        life = case.life
        return life is not None and life.attempted and life.state_name is None and not life.retired

    def _interrupted(self) -> set[str]:
        """The names whose create a killed ``up`` left pending in the state (until ``recover``)."""
        return {op.name for op in self.engine.pending if op.type == "creating"}

    def _aws_bodies(self) -> list[str]:
        bodies = []
        for account_id in ACCOUNTS.values():
            for case in self.wire.cases(account_id):
                bodies += [c["body"] for c in self.wire.communications(account_id, case["caseId"])]
        return bodies

    def _editable(self, data: st.DataObject) -> CaseFile | None:
        names = sorted(self.files)
        return self.files[data.draw(st.sampled_from(names), label="file")] if names else None

    # --- case files ----------------------------------------------------------------------------------

    @initialize(data=st.data(), files=st.integers(1, 3))
    def start(self, data: st.DataObject, files: int) -> None:
        """A repository with a few case files already."""
        self.log.append(f"start (trailer {'on' if self.trailer else 'off'})")
        for _ in range(files):
            self.new_file(data)

    @precondition(lambda self: len(self.files) < 4)
    @rule(data=st.data())
    def new_file(self, data: st.DataObject) -> None:
        """A new case file (sometimes with messages, a card number or another case's text pasted)."""
        name = self._new_name()
        token = f"T{self.counter}"
        cards = CARD_NUMBERS and (self.trailer or TRAILER_OFF_REDACTED_TEXT)
        subjects = [*SUBJECTS, *([CARD_SUBJECT] if cards else [])]
        subject = data.draw(st.sampled_from(subjects), label="subject")
        kinds = ["plain", *(["card"] if cards else []), *(["paste"] if PASTED_REFERENCES else [])]
        kind = data.draw(st.sampled_from(kinds), label="description")
        text = {"plain": "the instance fails its status checks.", "card": CARD_TEXT}.get(kind, "")
        if kind == "paste":
            bodies = self._aws_bodies()
            pasted = data.draw(st.sampled_from(bodies), label="pasted") if bodies else FAKE_REF_TEXT
            text = "the same as the other case, quoted: " + pasted
        messages = data.draw(st.lists(st.sampled_from(TEXTS), max_size=2), label="messages")
        case = CaseFile(
            name,
            token,
            subject,
            f"Case {token}: {text}",
            data.draw(st.sampled_from(SEVERITIES), label="severity"),
            data.draw(st.sampled_from(sorted(ACCOUNTS)), label="account"),
            messages=list(messages),
        )
        case.life = self._new_life(case)
        self.files[name] = case
        self._write(case)
        self._note(f"new file {name}: {case.document()}")

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def edit_field(self, data: st.DataObject) -> None:
        """Edit the subject, severity or description; sometimes in whitespace only."""
        case = self._editable(data)
        if case is None:
            return
        which = data.draw(st.sampled_from(["subject", "severity", "description"]), label="field")
        spaces = data.draw(st.booleans(), label="whitespace only")
        if which == "severity":
            case.severity = data.draw(st.sampled_from([s for s in SEVERITIES if s != case.severity]))
        elif which == "subject":
            spaces = spaces and WHITESPACE_SUBJECT_EDITS
            case.subject = case.subject + " " if spaces else case.subject.rstrip() + " (still failing)"
        elif spaces:
            case.description = data.draw(
                st.sampled_from([case.description + "\n", case.description.replace(": ", ":  ", 1)])
            )
        else:
            case.description = case.description.rstrip() + " Also on a second instance."
        self._write(case)
        self._note(
            f"edit {case.name}: {which}{' (whitespace only)' if spaces and which != 'severity' else ''}"
        )

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def append_message(self, data: st.DataObject) -> None:
        """Append a message: new text, an earlier one again, a card number or a pasted reference."""
        case = self._editable(data)
        if case is None:
            return
        cards = CARD_NUMBERS and (self.trailer or TRAILER_OFF_REDACTED_TEXT)
        kinds = ["plain", *(["again"] if case.messages else [])]
        kinds += [*(["card"] if cards else []), *(["fake-ref", "quote"] if PASTED_REFERENCES else [])]
        kind = data.draw(st.sampled_from(kinds), label="kind")
        if kind == "plain":
            text = data.draw(st.sampled_from(TEXTS))
        elif kind == "again":
            text = data.draw(st.sampled_from(case.messages))
        elif kind == "card":
            text = CARD_TEXT
        elif kind == "fake-ref":
            text = FAKE_REF_TEXT
        else:
            bodies = self._aws_bodies()
            text = "Quoting: " + (data.draw(st.sampled_from(bodies)) if bodies else FAKE_REF_TEXT)
        case.messages.append(text)
        self._write(case)
        self._note(f"append to {case.name} ({kind}): {text!r}")

    @precondition(
        lambda self: WHITESPACE_EDIT_OF_SENT_MESSAGE and any(c.messages for c in self.files.values())
    )
    @rule(data=st.data())
    def edit_message_whitespace(self, data: st.DataObject) -> None:
        """A whitespace-only edit of a message (sent or not)."""
        names = sorted(name for name, case in self.files.items() if case.messages)
        case = self.files[data.draw(st.sampled_from(names))]
        index = data.draw(st.integers(0, len(case.messages) - 1), label="message")
        case.messages[index] = case.messages[index] + "\n"
        self._write(case)
        self._note(f"whitespace edit of message {index + 1} of {case.name}")

    @precondition(lambda self: self.files)
    @rule(data=st.data(), alias=st.booleans())
    def rename(self, data: st.DataObject, alias: bool) -> None:
        """Rename (move) a file, listing the old name under ``aliases`` or not."""
        alias = alias or not (self.trailer or TRAILER_OFF_RENAME_WITHOUT_ALIAS)
        case = self._editable(data)
        if case is None:
            return
        old = case.name
        self._unlink(old)
        del self.files[old]
        case.name = self._new_name()
        if alias:
            case.aliases = [*case.aliases, old]
        else:
            case.aliases = []  # none of its earlier names: it is another case
            case.life = self._new_life(case)  # the old case is resolved, a new one opened
        self.files[case.name] = case
        self._write(case)
        self._note(f"rename {old} -> {case.name} ({'with' if alias else 'without'} alias)")

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        """Remove a case file (its case is resolved)."""
        case = self._editable(data)
        if case is None:
            return
        self._unlink(case.name)
        del self.files[case.name]
        self.removed[case.name] = replace(case, messages=list(case.messages), aliases=list(case.aliases))
        self._note(f"remove {case.name}")

    def _restorable(self) -> list[str]:
        taken = set(self.files) | {alias for case in self.files.values() for alias in case.aliases}
        return sorted(
            name
            for name, case in self.removed.items()
            if name not in taken and not ({name, *case.aliases} & taken) and len(self.files) < 4
        )

    @precondition(lambda self: RESTORE and self._restorable())
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        """Restore a removed file as it was (``git revert``)."""
        name = data.draw(st.sampled_from(self._restorable()))
        case = self.removed.pop(name)
        assert case.life is not None
        if case.life.retired:
            case.life = self._new_life(case)
        self.files[name] = case
        self._write(case)
        self._note(f"restore {name}")

    @precondition(lambda self: STATUS_TOGGLES and self.files)
    @rule(data=st.data())
    def toggle_status(self, data: st.DataObject) -> None:
        """``status: open`` <-> ``resolved``."""
        case = self._editable(data)
        if case is None:
            return
        case.status = "resolved" if case.status == "open" else "open"
        self._write(case)
        self._note(f"status of {case.name}: {case.status}")

    def _in_state(self, case: CaseFile) -> bool:
        return any(name in self.engine.state for name in (case.name, *case.aliases))

    @precondition(lambda self: ACCOUNT_MOVES and self.files)
    @rule(data=st.data(), how=st.sampled_from(["in place", "rename with alias", "rename without alias"]))
    def move_account(self, data: st.DataObject, how: str) -> None:
        """Move a case to the other account: in place or renamed with its alias (refused for a case that
        exists: preview names the file and nothing is sent; the person then puts it back), or renamed
        without alias (the old case is resolved and a new one opened in the other account)."""
        case = self._editable(data)
        if case is None:
            return
        other = next(alias for alias in ACCOUNTS if alias != case.account)
        if how == "rename without alias" and not (self.trailer or TRAILER_OFF_RENAME_WITHOUT_ALIAS):
            how = "in place"
        if how == "rename without alias":
            self.rename_to_account(case, other)
            return
        if {case.name, *case.aliases} & self._interrupted():
            self._recover()  # whether the case exists: only recover can tell, and the person runs it
        before = (case.name, case.account, list(case.aliases))
        existing = self._in_state(case)
        if how == "rename with alias":
            self._unlink(case.name)
            del self.files[case.name]
            case.aliases = [*case.aliases, case.name]
            case.name = self._new_name()
            self.files[case.name] = case
        case.account = other
        self._write(case)
        self._note(f"move {before[0]} to account {other} ({how}{', an existing case' if existing else ''})")
        if not existing:
            if case.life is not None and not case.life.attempted:
                case.life.account = other
                return
            if case.life is not None and self._pending_create(case):
                case.life = self._new_life(case)  # a create in the other account, the first one killed
            return
        calls = len(self.wire.calls())
        shown = self.engine.preview()
        if not shown.refusals():
            self.fail(
                f"moving existing case {before[0]} to account {other} ({how}) was not refused by preview"
            )
        source = f"cases/{case.name}.yaml"
        if not any(source in line for line in shown.refusals()):
            self.fail(f"the refusal does not name {source}: {shown.refusals()}")
        if len(self.wire.calls()) != calls:
            self.fail("the refused preview called AWS")
        self._unlink(case.name)
        del self.files[case.name]
        case.name, case.account, case.aliases = before
        self.files[case.name] = case
        self._write(case)
        self._note(f"  refused as expected; {case.name} put back")

    def rename_to_account(self, case: CaseFile, other: str) -> None:
        old = case.name
        self._unlink(old)
        del self.files[old]
        case.name = self._new_name()
        case.aliases = []  # none of its earlier names: it is another case
        case.account = other
        case.life = self._new_life(case)
        self.files[case.name] = case
        self._write(case)
        self._note(f"rename {old} -> {case.name} into account {other} (without alias)")

    # --- AWS's side ----------------------------------------------------------------------------------

    def _live_cases(self) -> list[Life]:
        shown = {case["caseId"] for account_id in ACCOUNTS.values() for case in self.wire.cases(account_id)}
        return [life for life in self.lives if life.case_id in shown]

    @precondition(lambda self: self._live_cases())
    @rule(data=st.data(), quote=st.booleans(), ask=st.booleans())
    def aws_reply(self, data: st.DataObject, quote: bool, ask: bool) -> None:
        """The engineer answers (quoting the customer's last message, reference and all), maybe asking
        for information (pending-customer-action, which AWS auto-resolves after 5 days)."""
        life = data.draw(st.sampled_from(self._live_cases()))
        assert life.case_id is not None
        body = "Please send the system log of the instance."
        if quote:
            said = [c for c in self.wire.communications(ACCOUNTS[life.account], life.case_id)]
            body += "\n\n> " + said[-1]["body"].replace("\n", "\n> ")
        payload: dict[str, Any] = {"caseId": life.case_id, "body": body}
        truth = self._truth_case(life)
        ask = ask and truth is not None and truth["status"] != "resolved"  # no question on a closed case
        if ask:
            payload["status"] = "pending-customer-action"
        self.wire.control("reply", payload)
        how = (" quoting" if quote else "") + (" asking" if ask else "")
        self._note(f"AWS replies on {life.case_id} (life {life.number}){how}")

    @precondition(lambda self: self._live_cases())
    @rule(data=st.data())
    def aws_resolve(self, data: st.DataObject) -> None:
        """AWS resolves a case by itself."""
        life = data.draw(st.sampled_from(self._live_cases()))
        self.wire.control("set-status", {"caseId": life.case_id, "status": "resolved"})
        life.aws_closed = True
        self._note(f"AWS resolves {life.case_id} (life {life.number})")

    @precondition(lambda self: not any(life.dirty for life in self.lives))
    @rule(days=st.sampled_from([6, 15, 800]))
    def age(self, days: int) -> None:
        """Time passes: auto-resolve (5 days waiting on the customer), past the 14-day reopen window,
        past the 24 months AWS keeps a case. (Never while a run is interrupted: a retry later than the
        recovery window may open a case again, a documented limit.)"""
        self.wire.control("advance-clock", {"seconds": days * DAY})
        self._note(f"{days} days pass")
        self._observe_aws_closes()

    def _observe_aws_closes(self) -> None:
        for life in self._live_cases():
            case = self._truth_case(life)
            if case is not None and case["status"] == "resolved" and life.applied_status != "resolved":
                life.aws_closed = True

    # --- runs ----------------------------------------------------------------------------------------

    @rule(
        kill=st.none() | st.integers(0, 12),
        throttle=st.booleans(),
        lost=st.booleans(),
        drop=st.booleans(),
        seed=st.integers(0, 2**16),
    )
    def next_run(self, kill: int | None, throttle: bool, lost: bool, drop: bool, seed: int) -> None:
        """The next run is killed after ``kill`` Support API calls, and/or meets throttling and lost
        answers (HTTP 500 or a dropped connection) on its writes."""
        self.kill_after = kill
        self.faults = None
        if throttle or lost:
            self.faults = FaultPlan(
                throttle_rate=0.3 if throttle else 0.0,
                lost_answer_rate=0.3 if lost else 0.0,
                lost_answer="drop" if drop else "500",
                operations=("CreateCase", "AddCommunicationToCase", "ResolveCase"),
            )
        self.fault_seed = seed
        faults = f"throttle={throttle} lost={lost} ({'drop' if drop else '500'}) seed={seed}"
        self._note(f"next run: kill after {kill} calls, faults {faults}")

    def _start_run(self) -> None:
        self.faults_were_on = self.faults is not None
        self.wire.start_run(self.kill_after, self.faults, self.fault_seed)
        self.kill_after = None
        self.faults = None

    def _recover(self) -> None:
        """``python -m provider recover`` after a killed run: it reads AWS only; each killed create is
        recorded with the case AWS holds for it (the life's case) or dropped (AWS holds none)."""
        self.wire.start_run(None, None, 0)
        first = len(self.wire.calls())
        try:
            lines = self.engine.recover()
        except SupportApiError as error:
            self._note(f"recover stopped: {error}")
            self.fail(f"recover stopped: {error}")
        finally:
            self.wire.end_run()
        self.needs_recover = False
        self._note("recover" + "".join(f"; {line}" for line in lines))
        writes = [c for c in self.wire.calls()[first:] if c["operation"] in _WRITES]
        if writes:
            self.fail(f"recover wrote: {writes}")
        for name, life in sorted(self.killed_creates.items()):
            if life.state_name is not None or life.retired:
                continue  # a replacement: the stack held the case already
            res = self.engine.state.get(name)
            if res is None:
                life.attempted = False  # AWS holds no case for it: the next create is the first
                continue
            case_id = str(res.outputs.get("caseId"))
            if life.case_id is not None and life.case_id != case_id:
                self.fail(f"recover recorded case {case_id} for {name}, but its case is {life.case_id}")
            if life.case_id is None:
                self._claim(life, case_id, name, recovered=True)
            said = len(res.outputs["sent"]["messages"])
            declared = [m["communicationBody"] for m in res.inputs["spec"].get("communications") or []]
            life.state_name, life.applied, life.dirty = name, tuple(declared[:said]), False
            life.applied_status = str(res.outputs["sent"]["status"])
        self.killed_creates.clear()
        self._observe_aws_closes()

    @precondition(lambda self: self._interrupted())
    @rule()
    def up_without_recover(self) -> None:
        """``pulumi up`` after a killed one without ``recover``: ``plan`` refuses every case whose create is
        pending, preview refuses any new case, and nothing reaches AWS."""
        first = len(self.wire.calls())
        shown = self.engine.preview()
        self._note(f"up without recover: refused {shown.refusals()}")
        if len(self.wire.calls()) != first:
            self.fail(f"the refused preview called AWS: {self.wire.calls()[first:]}")
        for name in sorted(self._interrupted()):
            if not any(line.startswith(f"{name}: ") and INTERRUPTED in line for line in shown.plan_refused):
                self.fail(f"plan does not refuse {name}, whose create is pending: {shown.plan_refused}")
        new = [name for name, case in self.files.items() if not self._in_state(case)]
        if new and not any("recover" in line for line in shown.refused):
            self.fail(f"preview does not refuse the new cases {new}: {shown.refused}")

    @rule()
    def refresh(self) -> None:
        """``pulumi refresh``: it never writes."""
        if self.needs_recover:
            self._recover()
        self._start_run()
        try:
            run = self.engine.refresh()
        finally:
            self.wire.end_run()
        self.needs_recover = run.killed
        self._note(f"refresh{' (killed)' if run.killed else ''}")
        writes = [c for c in self.wire.calls()[run.first_call :] if c["operation"] in _WRITES]
        if writes:
            self.fail(f"refresh wrote: {writes}")
        for outcome in run.failed():
            if not self._may_fail(outcome.name, outcome.error, wrote=True):
                self.fail(
                    f"refresh of {outcome.name} failed: {type(outcome.error).__name__}: {outcome.error}"
                )

    @precondition(lambda self: REPLACE and any(self._in_state(case) for case in self.files.values()))
    @rule(data=st.data())
    def up_replace(self, data: st.DataObject) -> None:
        """``pulumi up --replace <urn>`` of a case the stack holds: refused before any call for it (a
        replacement would open a second case, or resolve the one the file declares)."""
        names = sorted(name for name, case in self.files.items() if name in self.engine.state)
        if not names:
            return
        self.up(replace=data.draw(st.sampled_from(names), label="replace"))

    @rule(kill=st.integers(0, 10))
    def up_killed(self, kill: int) -> None:
        """``pulumi up`` killed after ``kill`` Support API calls (the faults drawn for it kept)."""
        self.kill_after = kill
        self.up()

    @rule()
    def up(self, replace: str | None = None) -> None:
        """``pulumi up``: preview first (refused: nothing is written), then the run."""
        if self.needs_recover:
            self._recover()
        self.replacing = replace
        shown = self.engine.preview()
        if shown.refusals():
            self._note(f"up refused by preview: {shown.refusals()}")
            self.fail(f"preview refused an up the model expects to pass: {shown.refusals()}")
        self._agree(shown)
        snapshot = {name: (list(c.messages), c.status) for name, c in self.files.items()}
        for case in self.files.values():
            if case.life is not None:
                case.life.offered = tuple(case.messages)
            if case.life is not None and not case.life.attempted:
                case.life.description, case.life.account = case.description, case.account
        by_state = {life.state_name: life for life in self.lives if life.state_name}
        ids_before = {name: res.outputs.get("caseId") for name, res in self.engine.state.items()}
        lenient = {name for name, case in self.files.items() if case.life and case.life.dirty}
        lenient |= {name for name, life in by_state.items() if life.dirty}
        self.lenient = lenient
        self._start_run()
        try:
            run = self.engine.up(replace)
        finally:
            self.wire.end_run()
        self._note(
            ("up" if replace is None else f"up --replace {replace}")
            + (" (killed)" if run.killed else "")
            + "".join(f"; {o.name} {o.op} failed: {o.error}" for o in run.failed())
        )
        self._after_up(run, shown, snapshot, by_state, ids_before, lenient)
        self.complete = not run.killed and not run.failed()
        self.needs_recover = run.killed

    def _agree(self, shown: Preview) -> None:
        """The preview's outbox and ``python -m provider plan`` say the same of every declared case."""
        for name in sorted(set(shown.outbox) | {n for n in shown.plan if n in self.files}):
            if shown.outbox.get(name, []) != shown.plan.get(name, []):
                self.fail(
                    f"preview and plan disagree on {name}:\n  preview: {shown.outbox.get(name)}\n"
                    f"  plan:    {shown.plan.get(name)}"
                )

    # --- after an up ---------------------------------------------------------------------------------

    def _after_up(
        self,
        run: Run,
        shown: Preview,
        snapshot: dict[str, tuple[list[str], str]],
        by_state: dict[str, Life],
        ids_before: dict[str, Any],
        lenient: set[str],
    ) -> None:
        calls = self.wire.calls()[run.first_call :]
        sent = self.wire.sent[run.first_call :]
        retained = {
            case["caseId"] for account_id in ACCOUNTS.values() for case in self.wire.cases(account_id)
        }
        effective = [
            (call, request)
            for call, request in zip(calls, sent, strict=True)
            if call["operation"] in _WRITES
            and (call["outcome"] in ("ok", "lost-answer") or _past_retention(call, retained))
        ]
        outcome_of = {outcome.name: outcome for outcome in run.outcomes}
        # Which case name each write belongs to: the state before (renames through aliases included) and
        # after the run.
        owner: dict[str, str] = {}
        for name, case_id in ids_before.items():
            if case_id:
                owner[case_id] = name
        for case in self.files.values():
            for alias in case.aliases:
                if alias in ids_before and ids_before[alias] and alias not in self.files:
                    owner[ids_before[alias]] = case.name
        for name, res in self.engine.state.items():
            owner.setdefault(str(res.outputs.get("caseId")), name)
        done: dict[str, list[tuple[str, str]]] = {}
        stray: list[dict[str, Any]] = []
        for call, request in effective:
            name = owner.get(call["caseId"])
            entry = (call["operation"], normalise(request.get("communicationBody", "")))
            if name is None:
                stray.append({**call, "body": entry[1]})
            else:
                done.setdefault(name, []).append(entry)
        # The lives each outcome concerns, and what became of them.
        for outcome in run.outcomes:
            life = by_state.get(outcome.name) if outcome.op == "delete" else self._life_of(outcome.name)
            if life is None:
                continue
            refused = getattr(outcome.error, "code", None) == "AmbiguousMatch"  # trailer off: nothing sent
            if outcome.op == "create" and not (refused and not self.trailer):
                life.attempted = True
                if outcome.killed:
                    self.killed_creates[outcome.name] = life
            if outcome.killed or outcome.error is not None:
                life.dirty = (
                    life.dirty or outcome.killed or bool(done.get(outcome.name)) or outcome.op == "create"
                )
                continue
            if outcome.op == "delete":
                life.unsure = life.unsure or life.dirty
                life.retired, life.state_name, life.dirty = True, None, False
                continue
            messages, status = snapshot[outcome.name]
            res = self.engine.state[outcome.name]
            case_id = str(res.outputs.get("caseId"))
            if life.case_id is not None and life.case_id != case_id:
                self.fail(
                    f"{outcome.name}: its case is {case_id} in the state, but AWS already held "
                    f"{life.case_id} for this file (a second case)"
                )
            if life.case_id is None:
                self._claim(life, case_id, outcome.name)
            if any(op == "AddCommunicationToCase" for op, _ in done.get(outcome.name, [])):
                life.aws_closed = False
            life.state_name, life.applied, life.applied_status, life.dirty = (
                outcome.name,
                tuple(messages),
                status,
                False,
            )
        for name, life in by_state.items():  # renamed through an alias: the life moves with it
            if name not in self.engine.state and not life.retired:
                new = next((n for n, c in self.files.items() if c.life is life), None)
                if new in self.engine.state:
                    life.state_name = new
        if stray and not run.killed:
            self.fail(f"writes to cases no resource of the state holds: {stray}")
        self._plan_is_done(run, shown, done, outcome_of, lenient, by_state)

    def _life_of(self, name: str) -> Life | None:
        case = self.files.get(name)
        return case.life if case else None

    def _claim(self, life: Life, case_id: str, name: str, *, recovered: bool = False) -> None:
        holder = next((other for other in self.lives if other.case_id == case_id), None)
        if holder is not None and not (recovered and self._within_margin(holder, life)):
            # a restored file opens a new case: its old one is an earlier life's
            self.fail(f"{name}: the state's case {case_id} belongs to life {holder.number}")
        if holder is not None:
            holder.case_id = None  # recover's documented limit: the earlier life's case is this one's
        life.case_id = case_id

    def _within_margin(self, holder: Life, life: Life) -> bool:
        """Whether ``holder``'s case is an earlier life of ``life``'s file, created within recover's
        margin (then recover may take it for a killed create: a documented limit)."""
        case = self._truth_case(holder)
        if case is None or not (holder.retired and holder.token == life.token):
            return False
        created = datetime.fromisoformat(str(case["timeCreated"]).replace("Z", "+00:00")).timestamp()
        return self.wire.now() - created <= RECOVER_MARGIN

    def _plan_is_done(
        self,
        run: Run,
        shown: Preview,
        done: dict[str, list[tuple[str, str]]],
        outcome_of: dict[str, Any],
        lenient: set[str],
        by_state: dict[str, Life],
    ) -> None:
        names = set(shown.plan) | set(done)
        for name in sorted(names):
            planned = shown.plan.get(name, [])
            did = done.get(name, [])
            outcome = outcome_of.get(name)
            life = self._life_of(name) or by_state.get(name)
            if outcome is None and (run.killed or run.failed()):
                if did:
                    self.fail(f"{name}: its step never ran, yet it was written to: {did}")
                continue  # the run stopped before its step (a kill, or no deletes after a failure)
            if outcome is not None and outcome.error is not None:
                if not self._may_fail(name, outcome.error, wrote=bool(did)):
                    self.fail(f"{name}: {outcome.op} failed: {type(outcome.error).__name__}: {outcome.error}")
                if not did:
                    continue
            if did == planned:
                continue
            skipped_resolve = (
                [c for c in planned if c[0] != "ResolveCase"] == did and life and life.aws_closed
            )
            if skipped_resolve:
                continue  # AWS had resolved it already: the planned ResolveCase is not needed
            interrupted = run.killed or (outcome is not None and outcome.error is not None)
            if (interrupted or name in lenient) and _subsequence(did, planned):
                continue
            self.fail(f"{name}: planned is not done\n  planned: {planned}\n  done:    {did}")

    def _may_fail(self, name: str, error: BaseException | None, *, wrote: bool) -> bool:
        """Whether an operation may fail here: a clear error (never a bare traceback) where AWS cannot take
        the call (the case resolved more than 14 days ago, or older than 12 months) or the faults wore
        the provider's patience out."""
        if not isinstance(error, SupportApiError):
            return False
        text = str(error)
        if name == getattr(self, "replacing", None) and not wrote:
            return True  # --replace refused: nothing was written for it
        if self.faults_were_on and re.search(r"lost|gave up|attempts", text):
            return True
        life = self._life_of(name) or next((other for other in self.lives if other.state_name == name), None)
        if not self.trailer and error.code == "AmbiguousMatch" and (not wrote or name in self.lenient):
            # trailer off, a text AWS holds redacted (from before the run, or an interrupted one): provider
            # cannot tell, and refuses (docs/guarantees.md, "Limits")
            return True
        if life is None or life.case_id is None:
            return False
        if self._truth_case(life) is None:
            return True  # past the 24 months AWS keeps a case: it no longer shows it
        store = self.wire.server.store
        with store.transaction():
            stored = store.case(life.case_id)
        assert stored is not None
        resolved_at = stored["resolved_at"] if stored["status"] == "resolved" else None
        return resolved_at is not None and self.wire.now() - resolved_at > 14 * DAY

    # --- the invariant -------------------------------------------------------------------------------

    def _truth_case(self, life: Life | None) -> dict[str, Any] | None:
        if life is None or life.case_id is None:
            return None
        for case in self.wire.cases(ACCOUNTS[life.account]):
            if case["caseId"] == life.case_id:
                return case
        return None

    @invariant()
    def aws_holds_what_was_declared(self) -> None:
        """The invariant, against supportlocal's DescribeCases and DescribeCommunications."""
        CaseModel.steps += 1
        held = {life.case_id: life for life in self.lives if life.case_id}
        for alias, account_id in ACCOUNTS.items():
            for case in self.wire.cases(account_id):
                said = [c for c in self.wire.communications(account_id, case["caseId"]) if not _aws(c)]
                if not said:
                    self.fail(f"case {case['caseId']} holds no customer message")
                match = TOKEN.match(text_of(said[0]["body"], self.trailer))
                token = match.group(1) if match else None
                life = held.get(case["caseId"])
                if life is None:
                    life = next(
                        (
                            other
                            for other in self.lives
                            if other.token == token
                            and other.account == alias
                            and other.attempted
                            and other.case_id is None
                            and not other.retired
                        ),
                        None,
                    )
                    if life is None:
                        self.fail(
                            f"AWS holds case {case['caseId']} in {alias} ({token}, {case['status']}) that no "
                            f"case file accounts for: a second case, or one in the wrong account\n"
                            f"  first message: {said[0]['body']!r}"
                        )
                    life.case_id = case["caseId"]
                    held[case["caseId"]] = life
                if life.account != alias:
                    self.fail(
                        f"case {case['caseId']} of life {life.number} is in {alias}, not {life.account}"
                    )
                self._check_case(life, case, said)

    def _declaring(self, life: Life) -> CaseFile | None:
        return next((case for case in self.files.values() if case.life is life), None)

    def _check_case(self, life: Life, case: dict[str, Any], said: list[dict[str, Any]]) -> None:
        where = f"case {life.case_id} (life {life.number}, {life.token})"
        if text_of(said[0]["body"], self.trailer) != declared_text(life.description):
            self.fail(f"{where}: its description is {said[0]['body']!r}, not {life.description!r}")
        declaring = self._declaring(life)
        # No file declares it any more: what the last up was told to say (a killed one may have said
        # more than the last completed one).
        gone = life.offered if life.dirty or life.unsure else (life.applied or ())
        declared = list(declaring.messages) if declaring else list(gone)
        wanted = [declared_text(text) for text in declared]
        follow = [text_of(c["body"], self.trailer) for c in said[1:]]
        follow = [text for text in follow if text in set(wanted)]
        if follow != wanted[: len(follow)]:
            self.fail(f"{where}: AWS holds the messages {follow}, declared {wanted}")
        orphan = not life.retired and declaring is None and life.state_name is None
        if orphan and self.complete and case["status"] != "resolved":
            self.fail(f"{where}: no case file declares it and nothing will resolve it ({case['status']})")
        if life.dirty or life.applied is None:
            return
        applied = [declared_text(text) for text in life.applied]
        if follow != applied and not life.unsure:
            self.fail(f"{where}: AWS holds the messages {follow}; the last up declared {applied}")
        resolved = case["status"] == "resolved"
        if life.retired and not resolved:
            self.fail(f"{where}: its file is gone but the case is {case['status']}")
        if not life.retired and life.applied_status == "resolved" and not resolved:
            self.fail(f"{where}: declared resolved, AWS has it {case['status']}")
        if not life.retired and life.applied_status == "open" and resolved and not life.aws_closed:
            self.fail(f"{where}: declared open, AWS has it resolved")


_WRITES = ("CreateCase", "AddCommunicationToCase", "ResolveCase", "AddAttachmentsToSet")


def _aws(communication: dict[str, Any]) -> bool:
    return communication.get("submittedBy") == "Amazon Web Services"


def _past_retention(call: dict[str, Any], retained: set[str]) -> bool:
    """A planned ResolveCase that AWS refused because it no longer keeps the case (24 months): attempted
    as planned, which counts as done (the provider then ends the resource with a warning)."""
    return (
        call["operation"] == "ResolveCase"
        and call["outcome"] == "CaseIdNotFound"
        and call["caseId"] not in retained
    )


def _subsequence(small: list[Any], big: list[Any]) -> bool:
    items = iter(big)
    return all(any(item == wanted for item in items) for wanted in small)


def bind(folder: Path, wire: Wire, *, trailer: bool = True) -> type[CaseModel]:
    """The machine class bound to one world (hypothesis makes a new instance per history)."""
    return type("BoundCaseModel", (CaseModel,), {"folder": folder, "wire": wire, "trailer": trailer})


def without_reference(body: str) -> str:
    """A body as its author wrote it (re-exported for the CLI model)."""
    return without_trailer(body)
