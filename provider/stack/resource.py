"""The Pulumi shell: a dynamic provider whose every decision comes from the planning core.

The provider object is pickled by the Pulumi SDK (dill) into the stack state and unpickled in a separate
provider process, so it holds only plain settings: boto3 clients are made inside each method.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from provider.aws.execute import CaseRecord, Executor
from provider.aws.support_api import ApiSettings, support_client
from provider.casefiles.loader import Case, check_spec
from provider.planning.plan import Sent, plan, refused_edits, retire

# Outputs set by the provider, declared as inputs too (unknown) so the program can read them.
OUTPUT_KEYS = tuple(CaseRecord(case_id="", sent=Sent({}, (), "open")).to_outputs())


def _pointer(pointer: tuple[str | int, ...]) -> str:
    """``("communications", 2, "communicationBody")`` -> ``communications[2].communicationBody``."""
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "spec"


def _failure(prop: str, source: str, reason: str) -> CheckFailure:
    return CheckFailure(prop, f"{source}: {reason}")


class SupportCaseProvider(ResourceProvider):
    """Opens, messages, resolves and reads one AWS Support case per case file."""

    def __init__(self, settings: ApiSettings) -> None:
        super().__init__()
        self.settings = settings

    def _executor(self, source: str) -> Executor:
        return Executor(support_client(self.settings), Path.cwd(), source)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate like ``python -m provider validate``, refuse unsendable edits, and render the outbox."""
        source = str(news.get("source", "?"))
        spec = news.get("spec") or {}
        failures = [
            _failure(_pointer(problem.pointer), source, problem.message)
            for problem in check_spec(spec, source=source, root=Path.cwd())
        ]
        sent = Sent.declared(olds["spec"]) if olds.get("spec") else None
        if sent is not None:
            refused = refused_edits(sent, olds["spec"], spec)
            failures += [_failure(_pointer(p), source, why) for p, why in refused]
        inputs = dict(news)
        if not failures:
            inputs["outbox"] = [action.outbox_entry() for action in plan(sent, spec)]
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Changes exactly when the plan has actions; a new support case is never opened implicitly."""
        record = CaseRecord.from_outputs(olds)
        actions = plan(record.sent, news["spec"])
        return DiffResult(changes=bool(actions), replaces=[], stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Open the case (or adopt the named one) and send the messages the file already lists."""
        record = self._executor(props["source"]).run(plan(None, props["spec"]), None)
        return CreateResult(record.case_id, self._outputs(props, record))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Say what changed: new messages, stated field edits, resolve or reopen."""
        record = CaseRecord.from_outputs(olds)
        record = self._executor(news["source"]).run(plan(record.sent, news["spec"]), record)
        return UpdateResult(self._outputs(news, record))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Resolve the case; nothing at AWS is ever deleted."""
        record = CaseRecord.from_outputs(props)
        if record.status != "resolved":
            self._executor(props["source"]).run(retire(record.sent), record, observe=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: the status and severity AWS reports now, and AWS's replies. The record of what was sent
        is kept as it is, so a refresh never makes the next ``up`` send anything."""
        record = CaseRecord.from_outputs(props)
        record = self._executor(props["source"]).observe(record, with_replies=True)
        return ReadResult(id_, self._outputs(props, record))

    @staticmethod
    def _outputs(props: Mapping[str, Any], record: CaseRecord) -> dict[str, Any]:
        kept = {key: value for key, value in props.items() if key not in (*OUTPUT_KEYS, "__provider")}
        return {**kept, **record.to_outputs()}


def case_inputs(case: Case) -> dict[str, Any]:
    """The resource inputs for one case file (outputs declared unknown, so the program can read them)."""
    props: dict[str, Any] = dict.fromkeys(OUTPUT_KEYS)
    props.update(caseName=case.name, source=case.source, spec=case.spec, outbox=None)
    return props


class SupportCase(Resource):
    """One AWS Support case, declared by one case file."""

    caseId: pulumi.Output[str]
    displayId: pulumi.Output[str]
    caseStatus: pulumi.Output[str]
    replies: pulumi.Output[list[dict[str, str]]]

    def __init__(self, case: Case, settings: ApiSettings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SupportCaseProvider(settings), case.name, case_inputs(case), opts)
