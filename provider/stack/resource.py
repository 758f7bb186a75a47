"""The Pulumi shell: a dynamic provider whose every decision comes from the planning core.

The provider object is pickled by the Pulumi SDK (dill) into the stack state and unpickled in a separate
provider process. It pickles as the stable entry point :func:`provider.entry.support_case_provider` and
nothing else: the settings come from the stack configuration in :meth:`SupportCaseProvider.configure`, and
clients, pacing and the case book live in the provider process (``provider.aws.calls``,
``provider.aws.casebook``), shared by all its operations.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.dynamic.dynamic import PROVIDER_KEY

from provider.aws.accounts import case_account_mismatch
from provider.aws.calls import support_api
from provider.aws.casebook import case_book
from provider.aws.execute import CaseRecord, Executor, now, past_retention
from provider.aws.record import UNREACHABLE
from provider.aws.support_api import ApiSettings, SupportApiError
from provider.casefiles.loader import Case, check_spec
from provider.entry import support_case_provider
from provider.planning.plan import Action, Sent, account_edits, plan, refused_edits, retire
from provider.review.cases import INTERRUPTED
from provider.review.state import (
    Recorded,
    StateError,
    export_state,
    interrupted_creates,
    records_from_state,
)
from provider.stack.types import LEGACY_TYPE

# Outputs set by the provider, declared as inputs too (unknown) so the program can read them.
OUTPUT_KEYS = tuple(CaseRecord(case_id="", sent=Sent({}, (), "open")).to_outputs())
CHECKED_AT = "checkedAt"  # an input: when the run that opened the case checked it
# Outputs that hold message text: Pulumi secrets for a case file marked `sensitive: true`.
SENSITIVE_OUTPUTS = ["spec", "outbox", "sent", "replies"]

# caseId -> the case name that opened, adopted or wrote to it in this run: a case file removed in the same
# run never resolves a case another file now manages (one provider process serves the whole `pulumi up`).
_MANAGED: dict[str, str] = {}
_MANAGED_LOCK = threading.Lock()


def _pointer(pointer: tuple[str | int, ...]) -> str:
    """``("communications", 2, "communicationBody")`` -> ``communications[2].communicationBody``."""
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "spec"


def _failure(prop: str, source: str, reason: str) -> CheckFailure:
    return CheckFailure(prop, f"{source}: {reason}")


def _managed(case_id: str, props: Mapping[str, Any]) -> None:
    with _MANAGED_LOCK:
        _MANAGED[case_id] = str(props.get("caseName"))


class SupportCaseProvider(ResourceProvider):
    """Opens, messages, resolves and reads one AWS Support case per case file."""

    def __init__(self, settings: ApiSettings | None = None) -> None:
        super().__init__()
        self._settings = settings

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        """Pickled as the stable entry point alone (:mod:`provider.entry`): no module path of this release
        and no settings land in the state. (One value for every resource also keeps the SDK's serializer
        from nesting a frame per resource, a RecursionError past ~238 cases.)"""
        return support_case_provider, ()

    def configure(self, req: ConfigureRequest) -> None:
        """The stack configuration as it is now (every ``supportcases:*`` key), for every operation."""
        self._settings = ApiSettings.from_config(
            {key: req.config.get(f"supportcases:{key}") for key in ApiSettings.CONFIG_KEYS}
        )

    @property
    def settings(self) -> ApiSettings:
        """The settings ``configure`` read (or the ones given, in tests)."""
        if self._settings is None:
            raise SupportApiError("the provider was used before the engine configured it")
        return self._settings

    def _plan(self, sent: Sent | None, props: Mapping[str, Any]) -> list[Action]:
        key = str(props.get("key") or props.get("caseName")) if self.settings.reference_trailer else None
        return plan(sent, props["spec"], key=key)

    def _alias(self, props: Mapping[str, Any]) -> str:
        """The account alias a case file resolves to under the stack config as it is now."""
        spec = props.get("spec") or {}
        return str(props.get("accountAlias") or self.settings.accounts.alias_of(spec) or "")

    def _executor(self, props: Mapping[str, Any], record: CaseRecord | None = None) -> Executor:
        """The executor in the case's account: the one it lives in (its record), else the file's."""
        alias = (record.account if record else "") or self._alias(props) or None
        api = support_api(self.settings, alias)
        if record is not None:
            mismatch = case_account_mismatch(record.case_id, api.account)
            if mismatch:
                raise SupportApiError(f"{props.get('source', '?')}: {mismatch}; nothing was sent")
        return Executor(
            api,
            case_book(api),
            Path.cwd(),
            str(props["source"]),
            trailer=self.settings.reference_trailer,
            recovery_hours=self.settings.recovery_hours,
            cases_per_hour=self.settings.cases_per_hour,
        )

    def _opening(self, props: Mapping[str, Any]) -> Executor:
        """The executor of a case being opened: it never takes over a case the stack manages already."""
        executor = self._executor(props)
        executor.managed_elsewhere = lambda case_id: _managed_in_state(props, case_id)
        executor.case_name = str(props.get("caseName") or "")
        return executor

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate like ``python -m provider validate``, refuse unsendable edits, and render the outbox.

        The engine gives check the old inputs only, while diff, update and ``python -m provider plan``
        plan from the record in the old outputs, which can say more than the inputs (what an interrupted
        run said, a reopen AWS undid): an existing case is planned from that record, read from the
        state the run started from (:func:`_last_applied`), so the preview shows what ``up`` will say."""
        source = str(news.get("source", "?"))
        spec = news.get("spec") or {}
        failures = [
            _failure(_pointer(problem.pointer), source, problem.message)
            for problem in check_spec(spec, source=source, root=Path.cwd(), name=news.get("caseName"))
        ]
        before = _last_applied(olds, news) if olds.get("spec") else None
        sent = before.record.sent if before else None
        if sent is None and not failures:  # a create: refused while a killed run's create is pending
            failures += [_failure("caseName", source, why) for why in _interrupted(news)]
        inputs = dict(news)
        # When the run that opens the case checked it (kept after): recover tells that run's case from
        # an earlier life of the file by it (Executor.interrupted).
        if not olds.get("spec"):
            inputs[CHECKED_AT] = now()
        elif olds.get(CHECKED_AT):
            inputs[CHECKED_AT] = olds[CHECKED_AT]
        if before is not None:
            refused = refused_edits(before.record.sent, before.spec, spec)
            was = before.record.account or str(olds.get("accountAlias") or "")
            refused += account_edits(was, str(news.get("accountAlias") or ""))
            failures += [_failure(_pointer(p), source, why) for p, why in refused]
        if not failures:
            outbox = [action.outbox_entry() for action in self._plan(sent, news)]
            # With nothing to say, the inputs stay as the last run stored them: a changed outbox alone
            # made the engine write the whole state once per case (42% of its CPU in an unchanged
            # preview of 1,000 cases, bench/RESULTS.md). diff() decides from the plan, not from this.
            inputs["outbox"] = outbox or olds.get("outbox") or []
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Changes exactly when the plan has actions; a new support case is never opened implicitly."""
        record = CaseRecord.from_outputs(olds)
        actions = self._plan(record.sent, news)
        return DiffResult(changes=bool(actions), replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Open the case (or adopt the named one) and send the messages the file already lists. A case that
        the stack manages already is neither adopted nor taken over: such a create is a second file for
        one case, or a replacement (``pulumi up --replace``, which the engine checks with no old inputs
        and creates before deleting the original), refused before any write."""
        name = str(props.get("caseName") or "")
        if name in _state_cases(props).values():
            raise SupportApiError(
                f"{props.get('source', '?')}: the stack manages this case already, as '{name}': this "
                "create would replace it (`pulumi up --replace`), and a replacement would open a second "
                "support case or resolve this one. Nothing was sent; run `pulumi up` without --replace"
            )
        record = self._opening(props).run(self._plan(None, props), None)
        _managed(record.case_id, props)
        return CreateResult(record.case_id, self._outputs(props, record))

    def interrupted(self, props: dict[str, Any]) -> dict[str, Any] | None:
        """For ``recover``: the outputs a create of ``props`` that a killed run began would have left, for
        the case it opened (:meth:`Executor.interrupted`); None when AWS holds none, or for an adoption
        (which writes nothing: the next ``up`` adopts the case again). Reads only."""
        actions = self._plan(None, props)
        if not actions or actions[0].op != "create":
            return None
        record = self._opening(props).interrupted(actions, str(props.get(CHECKED_AT) or ""))
        if record is None:
            return None
        # As last applied: what was said (the messages AWS holds, the status it was brought to), so that
        # preview, plan and up all plan the rest from it.
        spec = {**props["spec"], "communications": [dict(m) for m in record.sent.messages]}
        return self._outputs({**props, "spec": {**spec, "status": record.sent.status}, "outbox": []}, record)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Say what changed: new messages, stated field edits, resolve or reopen."""
        record = CaseRecord.from_outputs(olds)
        refused = account_edits(record.account, self._alias(news))
        if refused:
            raise SupportApiError(f"{news.get('source', '?')}: {refused[0][1]}; nothing was sent")
        _managed(record.case_id, news)
        record = self._executor(news, record).run(self._plan(record.sent, news), record)
        return UpdateResult(self._outputs(news, record))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Resolve the case, unless another case file of this run manages it now; nothing is deleted."""
        record = CaseRecord.from_outputs(props)
        with _MANAGED_LOCK:
            manager = _MANAGED.get(record.case_id, props.get("caseName"))
        if manager != props.get("caseName"):
            pulumi.log.warn(
                f"{props['source']} was removed; its case {record.case_id} stays open: {manager} manages it"
            )
        elif record.status == UNREACHABLE or not self._retired(props, record):
            pulumi.log.warn(
                f"{props['source']} was removed; AWS no longer returns its case {record.case_id} (created "
                f"{record.time_created}): nothing to resolve"
            )

    def _retired(self, props: Mapping[str, Any], record: CaseRecord) -> bool:
        """Resolve the case of a removed file; False when AWS no longer returns it, past its retention."""
        try:
            self._executor(props, record).run(retire(record.sent), record)
        except SupportApiError as error:
            if error.code == "CaseIdNotFound" and past_retention(record.time_created):
                return False
            raise
        return True

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: the status and severity AWS reports now, and AWS's replies. The record of what was sent
        (and the executor's checkpoint) is kept as it is, so a refresh never makes the next ``up`` send
        anything, nor send again what an interrupted run already sent."""
        record = CaseRecord.from_outputs(props)
        record = self._executor(props, record).observe(record)
        return ReadResult(id_, self._outputs(props, record))

    @staticmethod
    def _outputs(props: Mapping[str, Any], record: CaseRecord) -> dict[str, Any]:
        kept = {key: value for key, value in props.items() if key not in (*OUTPUT_KEYS, PROVIDER_KEY)}
        return {**kept, **record.to_outputs()}


def _interrupted(props: Mapping[str, Any]) -> list[str]:
    """Why a create cannot run while the state holds creates a killed run left pending (any of them: a
    case of a file removed since may be open at AWS, and only ``recover`` can tell). The state is the one
    read once per process, at the first create's check: before any create of this run began, so this
    run's own pending creates are never among them."""
    pending = _state_of(props).interrupted
    if not pending:
        return []
    if props.get("caseName") in pending:
        return [INTERRUPTED]
    names = ", ".join(sorted(pending))
    return [
        f"the stack state holds the unfinished create of {names} (a killed `pulumi up`): once no run is "
        "left, run `python -m provider recover`, which records the case it opened if AWS holds one"
    ]


def _managed_in_state(props: Mapping[str, Any], case_id: str) -> str | None:
    """The name under which the stack manages ``case_id`` already: a create or update of this process, or
    the state the run started from. None when nothing does."""
    with _MANAGED_LOCK:
        if case_id in _MANAGED:
            return _MANAGED[case_id]
    return _state_cases(props).get(case_id)


def _state_cases(props: Mapping[str, Any]) -> dict[str, str]:
    """caseId -> case name of the state the run started from."""
    return _state_of(props).cases


class _StateView(NamedTuple):
    records: dict[str, Recorded]  # case name -> the record and the case file as last applied
    cases: dict[str, str]  # caseId -> case name
    interrupted: frozenset[str]  # the names of cases whose create a killed run left pending


def _last_applied(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Recorded:
    """The record of an existing case as diff and update receive it (the old outputs of the state the run
    started from, under the name the old inputs carry: the resource's name in its URN), with the
    account it lives in. Where the state cannot be read (Pulumi's mocks, a provider called alone), the
    old inputs stand for it: they declare what the run that stored them was told to say."""
    known = _state_of(news).records.get(str(olds.get("caseName")))
    if known is not None:
        return known
    declared = CaseRecord(
        case_id="", sent=Sent.declared(olds["spec"]), account=str(olds.get("accountAlias") or "")
    )
    return Recorded(declared, olds["spec"])


def _state_of(props: Mapping[str, Any]) -> _StateView:
    """The state the run started from, read once per process with an export (the DIY backend does not
    lock exports, docs/pipelines.md); empty when there is no state to read."""
    parts = str(props.get("key") or "").split("/", 2)  # project/stack/name; a name may hold "/"
    if len(parts) < 3:
        return _StateView({}, {}, frozenset())
    stack = parts[1]
    with _STATE_LOCK:
        if stack not in _STATE_VIEWS:
            try:
                state = export_state(stack)
            except StateError:
                state = {}  # no state to read (a stack never deployed): nothing manages it
            records = records_from_state(state)
            cases = {known.record.case_id: name for name, known in records.items()}
            _STATE_VIEWS[stack] = _StateView(records, cases, frozenset(interrupted_creates(state)))
        return _STATE_VIEWS[stack]


_STATE_VIEWS: dict[str, _StateView] = {}  # stack -> the state as the run began
_STATE_LOCK = threading.Lock()


def _provider_from(_settings: bytes) -> SupportCaseProvider:
    """The entry point that states written by 0.1.0 pickle (with their settings, now ignored: the stack
    configuration as it is now applies). Kept so those states refresh and destroy without an ``up``."""
    return SupportCaseProvider()


def case_inputs(case: Case, key: str = "", account: str = "") -> dict[str, Any]:
    """The resource inputs for one case file (outputs declared unknown, so the program can read them).
    ``key`` names the case within its stack (``project/stack/name``) for its reference trailer;
    ``account`` is the account alias the file resolves to."""
    props: dict[str, Any] = dict.fromkeys(OUTPUT_KEYS)
    props.update(caseName=case.name, key=key or case.name, source=case.source, spec=case.spec, outbox=None)
    props.update(accountAlias=account or None)
    if case.spec.get("sensitive"):  # the engine keeps what check returns for these as secrets too
        props.update(spec=pulumi.Output.secret(case.spec), outbox=pulumi.Output.secret(None))
    return props


def case_options(case: Case) -> pulumi.ResourceOptions:
    """Aliases for the case's earlier names (``aliases:``) and for the generic type of older stacks, and
    secret outputs for a sensitive case."""
    names = [case.name, *case.spec.get("aliases", [])]
    aliases: list[Any] = [pulumi.Alias(name=name, type_=LEGACY_TYPE) for name in names]
    aliases += [pulumi.Alias(name=name) for name in names[1:]]
    secrets = SENSITIVE_OUTPUTS if case.spec.get("sensitive") else None
    return pulumi.ResourceOptions(aliases=aliases, additional_secret_outputs=secrets)


class SupportCase(Resource, module="supportcases", name="SupportCase"):
    """One AWS Support case, declared by one case file."""

    caseId: pulumi.Output[str]
    displayId: pulumi.Output[str]
    caseStatus: pulumi.Output[str]
    replies: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, case: Case, key: str = "", account: str = "") -> None:
        inputs = case_inputs(case, key, account)
        super().__init__(SupportCaseProvider(), case.name, inputs, case_options(case))
