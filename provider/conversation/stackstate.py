"""The stack as the commands see it: the exported state, the stack config, each case with its account.

The state is read as ``plan`` reads it (``pulumi stack export``, or a file exported earlier); the config
with ``pulumi config --json`` (or from a ``Pulumi.<stack>.yaml`` file). Neither ever holds credentials.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from provider.aws.accounts import AccountConfigError, Accounts
from provider.aws.record import CaseRecord
from provider.aws.support_api import ApiSettings, SupportApiError, support_clients
from provider.review.state import StateError, export_state, read_state, records_from_state

NAMESPACE = "supportcases:"


class StackArgs(Protocol):
    """Where a stack is read from: ``--stack NAME`` | ``--state FILE``, and ``--config FILE`` (any may be
    None)."""

    stack: str | None
    state: str | None
    config: str | None


@dataclass(frozen=True)
class StackRef:
    """A stack named in code rather than on the command line (as :class:`StackArgs`)."""

    stack: str | None = None
    state: str | None = None
    config: str | None = None


def stack_state(args: StackArgs) -> dict[str, Any]:
    """The exported stack state named by ``--state`` / ``--stack`` (default: the selected stack)."""
    return read_state(args.state) if args.state else export_state(args.stack)


def _stack_config(stack: str | None) -> dict[str, Any]:
    """``pulumi config --json``: each key maps to {"value": text, "objectValue": structured values
    parsed, "secret": bool}; secrets stay hidden (the accounts hold none)."""
    command = ["pulumi", "config", "--json", *(["--stack", stack] if stack else [])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        raise StateError(f"`{' '.join(command)}` could not run: {error}") from None
    if done.returncode != 0:
        raise StateError(f"`{' '.join(command)}` failed: {done.stderr.strip()}")
    entries = json.loads(done.stdout)
    return {key: entry.get("objectValue", entry.get("value")) for key, entry in entries.items()}


def read_config(args: StackArgs) -> dict[str, Any]:
    """The ``supportcases:*`` stack config, keys without the namespace: from ``--config``, else from
    ``pulumi config --json`` for the stack, else (with ``--state``) none."""
    if args.config:
        document = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) or {}
        values = document.get("config") or {}
    elif args.state:
        return {}
    else:
        values = _stack_config(args.stack)
    return {key.removeprefix(NAMESPACE): value for key, value in values.items() if key.startswith(NAMESPACE)}


@dataclass(frozen=True)
class StackCase:
    """One case of the stack: its name, case file, account alias and the provider's record."""

    name: str
    source: str
    account: str
    record: CaseRecord
    spec: Mapping[str, Any]


def stack_cases(state: Mapping[str, Any], accounts: Accounts) -> list[StackCase]:
    """Every case of the stack state, by name, with the account the provider recorded (for states
    written before accounts: the case file's ``account``, else the default)."""
    sources = {
        resource["outputs"]["caseName"]: resource["outputs"].get("source", "")
        for resource in (state.get("deployment") or {}).get("resources") or []
        if "caseName" in (resource.get("outputs") or {})
    }
    return [
        StackCase(name, sources.get(name, ""), record.account or accounts.alias_of(spec) or "", record, spec)
        for name, (record, spec) in sorted(records_from_state(state).items())
    ]


if TYPE_CHECKING:
    from provider.aws.sessions import Sessions


def _sessions() -> Sessions:
    from provider.aws.sessions import Sessions

    return Sessions()


@dataclass(frozen=True)
class Stack:
    """A stack's cases and how to reach the Support API in each of its accounts."""

    settings: ApiSettings
    cases: list[StackCase]
    sessions: Sessions = field(default_factory=_sessions)

    def client(self, alias: str) -> Any:
        """A Support API client (for reads) of an account alias, made from the account's one session."""
        return support_clients(self.settings, alias, self.sessions).reader


def load_stack(args: StackArgs) -> Stack:
    """The stack named by ``--stack`` / ``--state`` / ``--config``; :class:`StateError` says what is wrong."""
    try:
        settings = ApiSettings.from_config(read_config(args))
    except (OSError, yaml.YAMLError, AccountConfigError, SupportApiError) as error:
        raise StateError(f"cannot read the stack config: {error}") from None
    return Stack(settings, stack_cases(stack_state(args), settings.accounts))
