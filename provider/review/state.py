"""The stack state a plan starts from: ``pulumi stack export``, read by the CLI and by the program alike."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from provider.aws.record import CaseRecord


class StateError(Exception):
    """The stack state could not be read."""


class Recorded(NamedTuple):
    """One case as the stack state holds it: the provider's record and the case file as last applied."""

    record: CaseRecord
    spec: Mapping[str, Any]


def records_from_state(state: Mapping[str, Any]) -> dict[str, Recorded]:
    """The cases of a ``pulumi stack export`` document, by case name.

    A case is any resource whose outputs carry the provider's record (``caseName`` and ``sent``), so the
    generic dynamic type and a named resource type are read alike. Its name is the resource's name in
    its URN: after a rename through ``aliases:`` that sends nothing, Pulumi renames the resource but
    keeps its outputs, ``caseName`` included, as they were.
    """
    resources = (state.get("deployment") or {}).get("resources") or []
    return {
        _name(resource, outputs): Recorded(CaseRecord.from_outputs(outputs), outputs.get("spec") or {})
        for resource in resources
        if not resource.get("delete")
        and "sent" in (outputs := revealed(resource.get("outputs") or {}))
        and "caseName" in outputs
    }


def interrupted_creates(state: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The creates of cases a killed ``pulumi up`` left pending in a ``pulumi stack export`` document: case
    name -> the inputs (secrets shown where the export shows them). The engine keeps them through later
    updates until they are cleared (checked with this engine: `pulumi cancel` then `pulumi up` leaves
    them), and only ``recover`` can tell whether AWS holds a case for one."""
    pending = (state.get("deployment") or {}).get("pending_operations") or []
    found = {}
    for operation in pending:
        if (inputs := pending_create(operation)) is not None:
            found[_name(operation["resource"], inputs)] = inputs
    return found


def pending_create(operation: Mapping[str, Any]) -> dict[str, Any] | None:
    """The inputs of a pending operation that creates a case (secrets shown where the export shows
    them), or None for any other pending operation."""
    inputs = revealed((operation.get("resource") or {}).get("inputs") or {})
    return inputs if operation.get("type") == "creating" and "caseName" in inputs else None


def _name(resource: Mapping[str, Any], outputs: Mapping[str, Any]) -> str:
    """The resource's name as the engine reads its URN: everything after the third '::' past the prefix
    (pulumi/pulumi, sdk/go/common/resource/urn/urn.go, URN.Name())."""
    urn = str(resource.get("urn", ""))
    parts = urn.removeprefix("urn:pulumi:").split("::", 3)
    return parts[3] if urn.startswith("urn:pulumi:") and len(parts) == 4 else str(outputs["caseName"])


# How `pulumi stack export --show-secrets` writes a secret value: {SECRET_SIG: SECRET, "plaintext": JSON}.
SECRET_SIG, SECRET = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def revealed(value: Any) -> Any:
    """``value`` with every secret shown by ``--show-secrets`` replaced by the value it holds (a sensitive
    case keeps its spec, what was sent and AWS's replies as secrets)."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET and "plaintext" in value:
            return revealed(json.loads(value["plaintext"]))
        return {key: revealed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [revealed(item) for item in value]
    return value


def stack_of(state: Mapping[str, Any]) -> tuple[str, str] | None:
    """(project, stack) of an export, from its resources' URNs (``urn:pulumi:STACK::PROJECT::...``);
    None for a stack that has no resource yet."""
    for resource in (state.get("deployment") or {}).get("resources") or []:
        urn = str(resource.get("urn", ""))
        if urn.startswith("urn:pulumi:"):
            stack, project = urn.removeprefix("urn:pulumi:").split("::")[:2]
            return project, stack
    return None


def selected_stack(*, cwd: Path | None = None) -> str:
    """The name of the selected stack (``pulumi stack --show-name``), for a state that has no resource yet
    to tell it by: a stack created and never deployed."""
    shown = "pulumi stack --show-name"
    named = _pulumi(["stack", "--show-name"], cwd)
    if named.returncode != 0 or not named.stdout.strip():
        why = named.stderr.strip() or "no stack is selected"
        raise StateError(f"`{shown}` failed: {why}; give --stack NAME")
    return named.stdout.strip().rsplit("/", 1)[-1]


def _pulumi(arguments: list[str], cwd: Path | None) -> subprocess.CompletedProcess[str]:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise StateError("`pulumi` is not on the PATH (source tools/env.sh, or install the Pulumi CLI)")
    return subprocess.run([pulumi, *arguments], capture_output=True, text=True, check=False, cwd=cwd)


def export_state(stack: str | None = None, *, cwd: Path | None = None) -> dict[str, Any]:
    """``pulumi stack export --show-secrets`` of ``stack`` (default: the selected stack).

    Secrets are shown because a sensitive case keeps what was sent as a Pulumi secret, and the plan is
    computed from it; the document stays in memory and is never printed.
    """
    arguments = ["stack", "export", "--show-secrets", *(["--stack", stack] if stack else [])]
    shown = " ".join(["pulumi", *arguments])
    exported = _pulumi(arguments, cwd)
    if exported.returncode != 0:
        raise StateError(f"`{shown}` failed: {exported.stderr.strip()}")
    try:
        return json.loads(exported.stdout)
    except json.JSONDecodeError as error:
        raise StateError(f"`{shown}` printed no JSON document: {error}") from None


def read_state(path: str) -> dict[str, Any]:
    """A ``pulumi stack export`` document saved in a file (``-`` for standard input)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, json.JSONDecodeError) as error:
        raise StateError(f"cannot read the stack state from {path}: {error}") from None
