"""The Pulumi engine, as far as the provider can tell: the program, preview, up, refresh and a kill.

What it does, as the Pulumi engine does it (pulumi/dynamic/__main__.py for what each call receives):

- The program is the real one (:func:`provider.stack.program.declare_cases`); each resource it declares
  is captured where it would be registered (``pulumi.dynamic.Resource.__init__``) with its name, inputs
  and aliases. A ``None`` input is dropped, as the SDK's serializer drops it.
- ``check(old inputs, new inputs)``, ``diff(id, old outputs, checked inputs)``, ``create(checked)``,
  ``update(id, old outputs, checked)``, ``delete(id, old outputs)``, ``read(id, old outputs)``; each
  operation unpickles the provider afresh from the resource's ``__provider`` (a new process per run).
- A resource declared under a new name with an alias naming one in the state takes that one over.
- A step with no changes keeps the old outputs and stores the new inputs (the engine's "same" step).
- State is saved only when an operation completes; a kill leaves the rest as it was. An operation is
  written as pending before it starts and cleared when it ends (a failed one too): a killed create
  leaves a pending ``creating`` operation with its checked inputs and no resource, kept through later
  runs until ``recover`` (:meth:`Engine.recover`, which runs the real
  :func:`provider.stack.interrupted.complete_interrupted` on the export) clears it. A failed operation
  leaves its resource as it was; the other creates and updates still run (the engine starts them all at
  once), and once any step failed no delete runs.
- Each run is a new provider process: the process-wide books, the cases managed in this run, the state
  view it read and the call clients' state start empty (the boto3 sessions are kept, they hold no case
  state). Preview and plan see the state as ``pulumi stack export`` shows it, pending operations
  included; ``python -m provider plan`` is :func:`provider.review.stackplan.stack_plan`.

Steps run one after another (the engine runs them in parallel); deletes run after every create and update,
in reverse order of the state.
"""

from __future__ import annotations

import base64
import copy
import json
import pickle
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.dynamic import Config as DynamicConfig
from pulumi.dynamic import ConfigureRequest

import provider.aws.calls as calls
import provider.aws.casebook as casebook
import provider.stack.program as program
import provider.stack.resource as resource
from provider.aws.support_api import ApiSettings
from provider.casefiles.loader import load_cases
from provider.planning.reference import normalise
from provider.review.stackplan import stack_plan
from provider.review.state import revealed
from provider.stack.interrupted import complete_interrupted
from provider.stack.types import SUPPORT_CASE_TYPE
from tests.model.inprocess import Killed, Wire

PROJECT = STACK = "model"
PROVIDER_KEY = "__provider"

# (API call, normalised body or "") for one Support API write.
Call = tuple[str, str]


@dataclass
class Resource:
    """One resource of the state: its id, the inputs check returned and the outputs last saved."""

    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Pending:
    """An operation the engine began and has not ended: ``creating``, ``updating`` or ``deleting``."""

    type: str
    name: str
    inputs: dict[str, Any]


@dataclass
class Declared:
    """One resource the program declared."""

    name: str
    inputs: dict[str, Any]
    aliases: list[str]


@dataclass
class Program:
    """What one run of the program declared, or why it stopped (its errors, as it logged them)."""

    declared: list[Declared] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """What ``pulumi preview`` and ``python -m provider plan`` say ``up`` will write, per case name."""

    refused: list[str] = field(default_factory=list)  # program errors and check failures
    plan_refused: list[str] = field(default_factory=list)  # the refusals of ``python -m provider plan``
    outbox: dict[str, list[Call]] = field(default_factory=dict)  # the preview's outbox per changed case
    plan: dict[str, list[Call]] = field(default_factory=dict)  # the review plan per case

    def refusals(self) -> list[str]:
        """Why preview or ``plan`` refuse (empty: ``up`` may run)."""
        return [*self.refused, *self.plan_refused]


@dataclass
class Outcome:
    """One resource operation of a run."""

    name: str
    op: str  # create, update, same, delete, read
    error: BaseException | None = None
    killed: bool = False


@dataclass
class Run:
    """What one ``up`` or ``refresh`` did."""

    outcomes: list[Outcome] = field(default_factory=list)
    killed: bool = False
    first_call: int = 0  # index of its first entry in supportlocal's call log

    def failed(self) -> list[Outcome]:
        """The operations that raised (a kill excluded)."""
        return [outcome for outcome in self.outcomes if outcome.error is not None]


def wire_form(value: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as the engine receives them: JSON, top-level ``None`` values dropped."""
    return json.loads(json.dumps({key: item for key, item in value.items() if item is not None}))


def _declaring(into: Program) -> Callable[..., None]:
    """Stand-in for ``pulumi.dynamic.Resource.__init__``: records the registration instead."""

    def register(res: Any, provider: Any, name: str, props: Any, opts: Any = None) -> None:
        inputs = wire_form(props)
        inputs[PROVIDER_KEY] = base64.b64encode(pickle.dumps(provider)).decode()
        aliases = [alias.name for alias in (getattr(opts, "aliases", None) or []) if alias.name != name]
        into.declared.append(Declared(name, inputs, list(dict.fromkeys(aliases))))
        for key in getattr(type(res), "__annotations__", {}):
            setattr(res, key, None)

    return register


class _Log:
    def __init__(self, into: Program) -> None:
        self.into = into

    def error(self, message: str, *_: Any, **__: Any) -> None:
        self.into.errors.append(message)

    def warn(self, message: str, *_: Any, **__: Any) -> None:
        pass

    def info(self, message: str, *_: Any, **__: Any) -> None:
        pass

    debug = info


def _pulumi_for(into: Program) -> Any:
    """The ``pulumi`` module as the program sees it, with the engine's side stubbed out."""
    shim = type("PulumiShim", (), {})()
    for name in dir(pulumi):
        if not name.startswith("__"):
            setattr(shim, name, getattr(pulumi, name))
    shim.export = lambda *_args, **_kwargs: None
    shim.get_project = lambda: PROJECT
    shim.get_stack = lambda: STACK
    shim.log = _Log(into)
    return shim


def run_program(settings: ApiSettings) -> Program:
    """Run the Pulumi program in the working directory (its errors recorded, as the engine shows them)."""
    ran = Program()
    saved = (pulumi.dynamic.Resource.__init__, program.pulumi)
    pulumi.dynamic.Resource.__init__ = _declaring(ran)  # type: ignore[method-assign]
    program.pulumi = _pulumi_for(ran)
    try:
        program.declare_cases("cases", settings)
    except pulumi.RunError as error:
        ran.errors.append(str(error))
        ran.declared = []
    finally:
        pulumi.dynamic.Resource.__init__, program.pulumi = saved  # type: ignore[method-assign]
    return ran


_PROVIDERS: dict[str, Any] = {}  # the provider process's providers, by their pickled form (as the SDK's)


def _provider(props: Mapping[str, Any], config: Mapping[str, str]) -> resource.SupportCaseProvider:
    """The provider of a resource, unpickled from its ``__provider`` and configured with the stack config
    (as ``pulumi.dynamic.__main__.get_provider`` does)."""
    key = props[PROVIDER_KEY]
    found = _PROVIDERS.get(key)
    if found is None:
        found = _PROVIDERS[key] = pickle.loads(base64.b64decode(key))
        found.configure(ConfigureRequest(DynamicConfig(raw_config=dict(config), project_name=PROJECT)))
    return found


def new_process() -> None:
    """The next run is a new provider process: nothing of the last one is remembered."""
    for module, cache in (
        (casebook, "_BOOKS"),
        (resource, "_MANAGED"),
        (resource, "_STATE_VIEWS"),  # the state as the run began, read once per process
        (calls, "_APIS"),
    ):
        getattr(module, cache, {}).clear()
    _PROVIDERS.clear()


@contextmanager
def _provider_process(engine: Engine) -> Iterator[None]:
    """What the provider process reaches of the engine: ``pulumi.log`` (warnings go to the engine; outside
    one they would print) and ``pulumi stack export`` (the state as saved so far in this run)."""
    saved = resource.pulumi.log.warn, getattr(resource, "export_state", None)
    resource.pulumi.log.warn = lambda *_args, **_kwargs: None
    if saved[1] is not None:
        resource.export_state = lambda *_args, **_kwargs: engine.export()
    try:
        yield
    finally:
        resource.pulumi.log.warn = saved[0]
        if saved[1] is not None:
            resource.export_state = saved[1]


def body_of(entry: Mapping[str, Any]) -> str:
    """An outbox entry's body as one normalised string."""
    lines = entry.get("communicationBody") or []
    return normalise("\n".join(lines) if isinstance(lines, list) else str(lines))


@dataclass
class Engine:
    """One stack: its state, and the runs made on it."""

    config: dict[str, str]  # the stack config, ``supportcases:*`` keys, values as the engine gives them
    wire: Wire
    state: dict[str, Resource] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)  # the deployment's pending operations
    _replace: str | None = None
    _replaced: list[Resource] = field(default_factory=list)

    @property
    def settings(self) -> ApiSettings:
        """What the program reads of the stack config."""
        prefix = "supportcases:"
        return ApiSettings.from_config({k.removeprefix(prefix): v for k, v in self.config.items()})

    # --- helpers -------------------------------------------------------------------------------------

    def _match(self, declared: Declared, claimed: set[str]) -> str | None:
        """The state resource a declared one is: its own name, else the first alias found."""
        for name in (declared.name, *declared.aliases):
            if name in self.state and name not in claimed:
                return name
        return None

    def export(self) -> dict[str, Any]:
        """The state as ``pulumi stack export`` writes it (what ``python -m provider plan`` reads), its
        pending operations included."""
        resources = [
            {"urn": _URN + name, "type": SUPPORT_CASE_TYPE, "id": res.id, "inputs": res.inputs}
            | {"outputs": res.outputs}
            for name, res in self.state.items()
        ]
        pending = [
            {
                "type": op.type,
                "resource": {"urn": _URN + op.name, "type": SUPPORT_CASE_TYPE, "inputs": op.inputs},
            }
            for op in self.pending
        ]
        deployment: dict[str, Any] = {"resources": copy.deepcopy(resources)}
        if pending:
            deployment["pending_operations"] = copy.deepcopy(pending)
        return {"deployment": deployment}

    def _begin(self, kind: str, name: str, inputs: Mapping[str, Any]) -> Pending:
        operation = Pending(kind, name, copy.deepcopy(dict(inputs)))
        self.pending.append(operation)
        return operation

    def _end(self, operation: Pending) -> None:
        self.pending = [op for op in self.pending if op is not operation]

    def _pending_while(
        self, kind: str, name: str, inputs: Mapping[str, Any], action: Callable[[], None]
    ) -> None:
        """Run ``action`` as the engine runs a step: pending while it runs, cleared when it ends, kept
        when the process is killed."""
        operation = self._begin(kind, name, inputs)
        try:
            action()
        except Killed:
            raise
        except BaseException:
            self._end(operation)
            raise
        self._end(operation)

    # --- preview -------------------------------------------------------------------------------------

    def preview(self) -> Preview:
        """``pulumi preview`` (check, diff) and ``python -m provider plan`` (the review) of the files now."""
        new_process()
        shown = Preview()
        ran = run_program(self.settings)
        if ran.errors:
            shown.refused = ran.errors
            return shown
        with _provider_process(self):
            self._check_all(ran, shown)
        cases, problems = load_cases(["cases"], root=Path.cwd())
        assert not problems, problems  # the program ran without errors
        document = stack_plan(
            cases, self.export(), self.settings, f"{PROJECT}/{STACK}", Path.cwd(), stack=STACK
        )
        for entry in document["cases"]:
            if entry["refusals"]:
                shown.plan_refused += [f"{entry['name']}: {why}" for why in entry["refusals"]]
            elif entry["actions"]:
                shown.plan[entry["name"]] = [
                    (action["call"], normalise(action.get("communicationBody") or ""))
                    for action in entry["actions"]
                ]
        return shown

    def _check_all(self, ran: Program, shown: Preview) -> None:
        """The preview's check and diff of every declared resource."""
        claimed: set[str] = set()
        for declared in ran.declared:
            old_name = self._match(declared, claimed)
            old = self.state.get(old_name) if old_name else None
            if old_name:
                claimed.add(old_name)
            prov = _provider(declared.inputs, self.config)
            checked = prov.check(copy.deepcopy(old.inputs) if old else {}, copy.deepcopy(declared.inputs))
            if checked.failures:
                shown.refused += [f"{failure.property}: {failure.reason}" for failure in checked.failures]
                continue
            news = wire_form(checked.inputs)
            changes = True
            if old is not None:
                changes = bool(prov.diff(old.id, copy.deepcopy(old.outputs), news).changes)
            if changes:
                shown.outbox[declared.name] = [
                    (entry["call"], body_of(entry)) for entry in news.get("outbox") or []
                ]

    # --- up ------------------------------------------------------------------------------------------

    def up(self, replace: str | None = None) -> Run:
        """``pulumi up`` of the files now (after its preview passed), killed where the wire says;
        ``replace`` names a resource to replace (``--replace <urn>``: create it anew, then delete the old)."""
        new_process()
        self._replace, self._replaced = replace, []
        run = Run(first_call=len(self.wire.calls()))
        ran = run_program(self.settings)
        assert not ran.errors, ran.errors  # the preview passed: the program runs the same
        claimed: set[str] = set()
        try:
            with _provider_process(self):
                for declared in ran.declared:
                    old_name = self._match(declared, claimed)
                    if old_name:
                        claimed.add(old_name)
                    self._register(declared, old_name, run)
                if not run.failed():
                    for old in self._replaced:
                        replaced = f"{replace} (replaced)"
                        self._step(run, replaced, "delete", lambda old=old: self._delete_old(replace, old))
                    for name in reversed([name for name in self.state if name not in claimed]):
                        if name in {declared.name for declared in ran.declared}:
                            continue
                        self._step(run, name, "delete", lambda name=name: self._delete(name))
        except Killed:
            run.killed = True
        return run

    def _step(self, run: Run, name: str, op: str, action: Callable[[], None]) -> None:
        outcome = Outcome(name, op)
        run.outcomes.append(outcome)
        try:
            action()
        except Killed:
            outcome.killed = True
            raise
        except Exception as error:  # the engine reports it and goes on with the other resources
            outcome.error = error

    def _register(self, declared: Declared, old_name: str | None, run: Run) -> None:
        old = self.state.get(old_name) if old_name else None
        prov = _provider(declared.inputs, self.config)
        checked = prov.check(copy.deepcopy(old.inputs) if old else {}, copy.deepcopy(declared.inputs))
        assert not checked.failures, checked.failures  # the preview passed
        news = wire_form(checked.inputs)
        if old is None:

            def create() -> None:
                result = _provider(news, self.config).create(copy.deepcopy(news))
                self.wire.maybe_kill()
                outputs = wire_form({**result.outs, PROVIDER_KEY: news[PROVIDER_KEY]})
                self.state[declared.name] = Resource(str(result.id), news, outputs)

            self._step(
                run,
                declared.name,
                "create",
                lambda: self._pending_while("creating", declared.name, news, create),
            )
            return
        assert old_name is not None
        if declared.name == self._replace:
            # A replacement is checked again with no old inputs (the engine's step generator), then
            # created before the old one is deleted.
            fresh = wire_form(prov.check({}, copy.deepcopy(declared.inputs)).inputs)

            def replace() -> None:
                result = _provider(fresh, self.config).create(copy.deepcopy(fresh))
                self.wire.maybe_kill()
                outputs = wire_form({**result.outs, PROVIDER_KEY: fresh[PROVIDER_KEY]})
                self._replaced.append(old)
                self._rename(old_name, declared.name, Resource(str(result.id), fresh, outputs))

            self._step(
                run,
                declared.name,
                "replace",
                lambda: self._pending_while("creating", declared.name, fresh, replace),
            )
            return
        changes = bool(prov.diff(old.id, copy.deepcopy(old.outputs), news).changes)
        if not changes:
            self._rename(old_name, declared.name, Resource(old.id, news, old.outputs))
            run.outcomes.append(Outcome(declared.name, "same"))
            return

        def update() -> None:
            result = _provider(news, self.config).update(
                old.id, copy.deepcopy(old.outputs), copy.deepcopy(news)
            )
            self.wire.maybe_kill()
            outputs = wire_form({**result.outs, PROVIDER_KEY: news[PROVIDER_KEY]})
            self._rename(old_name, declared.name, Resource(old.id, news, outputs))

        self._step(
            run, declared.name, "update", lambda: self._pending_while("updating", declared.name, news, update)
        )

    def _rename(self, old_name: str, name: str, res: Resource) -> None:
        if old_name != name:
            del self.state[old_name]
        self.state[name] = res

    def _delete_old(self, name: str, old: Resource) -> None:
        def delete() -> None:
            _provider(old.outputs, self.config).delete(old.id, copy.deepcopy(old.outputs))
            self.wire.maybe_kill()

        self._pending_while("deleting", name, old.inputs, delete)

    def _delete(self, name: str) -> None:
        old = self.state[name]

        def delete() -> None:
            _provider(old.outputs, self.config).delete(old.id, copy.deepcopy(old.outputs))
            self.wire.maybe_kill()
            del self.state[name]

        self._pending_while("deleting", name, old.inputs, delete)

    # --- refresh -------------------------------------------------------------------------------------

    def refresh(self) -> Run:
        """``pulumi refresh``: read every resource; outputs saved as each read completes."""
        new_process()
        with _provider_process(self):
            return self._refresh()

    def _refresh(self) -> Run:
        run = Run(first_call=len(self.wire.calls()))
        try:
            for name in list(self.state):
                old = self.state[name]

                def read(name: str = name, old: Resource = old) -> None:
                    result = _provider(old.outputs, self.config).read(old.id, copy.deepcopy(old.outputs))
                    self.wire.maybe_kill()
                    outputs = wire_form({**result.outs, PROVIDER_KEY: old.outputs[PROVIDER_KEY]})
                    self.state[name] = Resource(str(result.id), old.inputs, outputs)

                self._step(run, name, "read", read)
        except Killed:
            run.killed = True
        return run

    # --- recover -------------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """``python -m provider recover`` as it changes the state: the real
        :func:`complete_interrupted` on the export (a new provider process, as the CLI's), then the import,
        which keeps the resources and drops the pending operations. Its lines, as it prints them."""
        new_process()
        exported = self.export()
        lines: list[str] = []
        with _provider_process(self):
            provider = resource.SupportCaseProvider(self.settings)
            lines += complete_interrupted(exported, copy.deepcopy(exported), provider)
        state: dict[str, Resource] = {}
        for res in exported["deployment"]["resources"]:
            name = str(res["urn"]).removeprefix(_URN)
            state[name] = Resource(str(res["id"]), res["inputs"], wire_form(revealed(res["outputs"])))
        self.state, self.pending = state, []
        return lines


_URN = f"urn:pulumi:{STACK}::{PROJECT}::{SUPPORT_CASE_TYPE}::"
