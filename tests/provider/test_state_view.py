"""The stack state a provider process reads once: from the stack its case's key names."""

from __future__ import annotations

from typing import Any

import pytest

import provider.stack.resource as resource


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resource, "_STATE_VIEWS", {})


def test_the_state_is_read_from_the_keys_stack_when_the_case_name_holds_a_slash(monkeypatch):
    """A case in `cases/prod/rds.yaml` is named `prod/rds`: its key `proj/e2e/prod/rds` names stack e2e
    (it was read as stack `prod`, which hid the state: replacements and pending creates went unseen)."""
    asked: list[str | None] = []

    def export(stack: str | None = None, **_: Any) -> dict[str, Any]:
        asked.append(stack)
        pending = [
            {
                "type": "creating",
                "resource": {"urn": "urn:pulumi:e2e::proj::t::prod/rds", "inputs": {"caseName": "prod/rds"}},
            }
        ]
        return {"deployment": {"resources": [], "pending_operations": pending}}

    monkeypatch.setattr(resource, "export_state", export)
    assert resource._state_of({"key": "proj/e2e/prod/rds"}).interrupted == {"prod/rds"}
    assert resource._state_of({"key": "proj/e2e/billing"}).interrupted == {"prod/rds"}
    assert asked == ["e2e"]  # once per process
