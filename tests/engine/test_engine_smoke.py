"""Smoke test of the real Pulumi engine with a Python dynamic provider.

A throwaway project (smoke_project/) with one dynamic resource goes through the real CLI:
up -> preview (no changes) -> update -> refresh -> destroy, checking outputs, the provider's journal
and the exported checkpoint. It needs `bash tools/setup.sh` to have built or found the engine and
fails (never skips) when it has not.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import pulumi_cli
from tests.helpers.pulumi_cli import (
    EngineMissingError,
    PulumiCommandError,
    PulumiProject,
    copy_project,
    offline_env,
    require_engine,
)

FIXTURE = Path(__file__).parent / "smoke_project"
DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
# Marker of a secret value in Pulumi's JSON state encoding.
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
MIN_VERSION = (3, 272, 0)


def _journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _events(entries: list[dict]) -> list[str]:
    return [e["event"] for e in entries if e["event"] != "diff"]


def _only_dynamic_resource(project: PulumiProject, show_secrets: bool = True) -> dict:
    args = ("stack", "export", *(["--show-secrets"] if show_secrets else []))
    state = json.loads(project.run(*args).stdout)
    resources = [r for r in state["deployment"].get("resources") or [] if r["type"] == DYNAMIC_TYPE]
    assert len(resources) == 1, resources
    return resources[0]


def test_engine_is_installed_and_offline() -> None:
    env = offline_env()
    pulumi = require_engine(env)  # raises EngineMissingError("... Run: bash tools/setup.sh")
    out = subprocess.run([pulumi, "version"], env=env, capture_output=True, text=True, check=True).stdout
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)\S*", out.strip())
    assert match, f"unexpected `pulumi version` output: {out!r}"
    assert tuple(int(g) for g in match.groups()) >= MIN_VERSION
    assert env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    assert env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"
    assert env["PULUMI_BACKEND_URL"].startswith("file://")
    assert "PULUMI_CONFIG_PASSPHRASE" in env
    assert env["PULUMI_HOME"] == str(pulumi_cli.ROOT / ".pulumi" / "home")


def test_missing_engine_fails_with_the_setup_command(tmp_path: Path) -> None:
    env = offline_env({"PATH": str(tmp_path)})
    with pytest.raises(EngineMissingError, match=re.escape("Run: bash tools/setup.sh")):
        require_engine(env)


def test_dynamic_resource_lifecycle_through_the_real_cli(tmp_path: Path) -> None:
    workdir = copy_project(FIXTURE, tmp_path / "project")
    journal_file = tmp_path / "journal.jsonl"
    project = PulumiProject(workdir, stack="smoke")
    assert project.backend_dir == tmp_path / "project-state"
    project.init()
    project.config_set("journal", str(journal_file))
    project.config_set("message", "hello")

    # --- up: create ---------------------------------------------------------------------------------
    up = project.up()
    assert "recorder: create 'hello'" in up.stdout, up.stdout  # pulumi.log from inside the provider
    outputs = project.outputs()
    assert outputs["message"] == "hello"
    assert outputs["length"] == 5
    assert outputs["id"] == "rec-5"
    assert outputs["secret_message"] == "hello"
    journal = _journal(journal_file)
    assert _events(journal) == ["program", "create"]
    program, create = journal[0], journal[1]
    # The provider runs in its own process (unpickled from __provider), not in the program's.
    assert create["pid"] != program["pid"] != os.getpid()
    assert outputs["provider_pid"] == create["pid"]
    assert create["cwd"] == str(workdir) == outputs["provider_cwd"]
    assert create["log"] == "ok"

    resource = _only_dynamic_resource(project)
    assert resource["id"] == "rec-5"
    assert {k: resource["outputs"][k] for k in ("message", "length", "journal")} == {
        "message": "hello",
        "length": 5,
        "journal": str(journal_file),
    }
    # The pickled provider is stored as a secret, in inputs and outputs.
    for section in ("inputs", "outputs"):
        provider = resource[section]["__provider"]
        assert provider[SECRET_SIG_KEY] == SECRET_SIG, provider
        assert isinstance(provider.get("plaintext"), str) and provider["plaintext"]
    encrypted = _only_dynamic_resource(project, show_secrets=False)
    assert "ciphertext" in encrypted["outputs"]["__provider"]
    assert "plaintext" not in encrypted["outputs"]["__provider"]

    # --- preview: nothing to do ---------------------------------------------------------------------
    project.preview("--expect-no-changes")
    summary = project.preview_json()["changeSummary"]
    assert set(summary) == {"same"}, summary
    assert all(e["event"] in {"program", "diff"} for e in _journal(journal_file)[2:])
    assert not any(e.get("changed") for e in _journal(journal_file) if e["event"] == "diff")

    # --- change an input: update in place -----------------------------------------------------------
    project.config_set("message", "hello, world")
    preview = project.preview_json()["changeSummary"]
    assert preview.get("update") == 1 and "create" not in preview and "delete" not in preview, preview
    with pytest.raises(PulumiCommandError, match="no changes were expected for preview but changes"):
        project.preview("--expect-no-changes")
    project.up()
    outputs = project.outputs()
    assert outputs["message"] == "hello, world"
    assert outputs["length"] == 12
    assert outputs["id"] == "rec-5"  # updated, not replaced
    updates = [e for e in _journal(journal_file) if e["event"] == "update"]
    assert len(updates) == 1 and updates[0]["old"] == "hello" and updates[0]["message"] == "hello, world"
    assert "create" not in _events(_journal(journal_file))[2:]
    resource = _only_dynamic_resource(project)
    assert resource["outputs"]["message"] == "hello, world"
    assert resource["outputs"]["length"] == 12

    # --- refresh: read through the unpickled provider -----------------------------------------------
    project.refresh()
    reads = [e for e in _journal(journal_file) if e["event"] == "read"]
    assert len(reads) == 1 and reads[0]["id"] == "rec-5" and reads[0]["message"] == "hello, world"
    assert project.outputs()["message"] == "hello, world"
    project.preview("--expect-no-changes")

    # --- destroy ------------------------------------------------------------------------------------
    project.destroy()
    deletes = [e for e in _journal(journal_file) if e["event"] == "delete"]
    assert len(deletes) == 1 and deletes[0]["id"] == "rec-5" and deletes[0]["message"] == "hello, world"
    state = project.export_state()
    assert not (state["deployment"].get("resources") or [])
    assert project.outputs() == {}
    project.remove_stack()
