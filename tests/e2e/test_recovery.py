"""After a killed `pulumi up`: the stale lock, the pending operations, and `python -m provider recover`.

Each test kills a real `pulumi up` (its whole process tree, SIGKILL) just after its first CreateCase
reached supportlocal, as a cancelled CI job would, or keeps one running. Most run twice: on a DIY file
backend and on an S3 backend served by moto on 127.0.0.1 (tests/helpers/s3_server.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider.commands import recover as recover_command
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.process_tree import freeze_tree, kill_tree
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.s3_server import S3_ACCESS_KEY
from tests.helpers.staged_project import staged_project
from tests.helpers.state_backends import KINDS, StateBackend, second_checkout, state_backend
from tests.helpers.support_calls import READS, calls, held_cases, opened_subjects, sent

ACCESS_KEY = "AKIA333333333333"
ACCOUNT = "333333333333"
CASES = {
    "disk": {
        "subject": "EBS volume stuck in optimizing",
        "communicationBody": "vol-0123 has been optimizing for 30 hours.",
        "communications": [{"communicationBody": "Still optimizing this morning."}],
    },
    "dns": {
        "subject": "Route 53 health check flapping",
        "communicationBody": "The health check of api.example.com flaps every 10 minutes.",
    },
}
SENT = Counter({"CreateCase": len(CASES), "AddCommunicationToCase": 1})  # all the cases ask for, once


@dataclass
class World:
    """A staged project with two case files, its own supportlocal, and its state in ``backend``."""

    project: PulumiProject
    endpoint: Endpoint
    backend: StateBackend

    def lock_keys(self) -> list[str]:
        return self.backend.lock_keys(self.project.stack)


@pytest.fixture(params=KINDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    with (
        running_server(tmp_path / "supportlocal", quotas=False) as endpoint,
        state_backend(request.param, tmp_path / "state") as backend,
    ):
        project = staged_project(
            tmp_path / "project", endpoint.url, ACCESS_KEY, stack="recovery", extra_env=backend.env
        )
        for name, document in CASES.items():
            (project.workdir / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document))
        yield World(project, endpoint, backend)
        if backend.s3 is not None:  # the state's credentials reached the bucket, and no other
            assert set(backend.s3.access_key_ids) == {S3_ACCESS_KEY}
        assert {call["account"] for call in endpoint.control.calls()} <= {ACCOUNT}


def start_up(project: PulumiProject, log: Path) -> subprocess.Popen[bytes]:
    return project.start("up", "--yes", "--skip-preview", log=log)


def start_up_until_first_create(
    world: World, project: PulumiProject | None = None
) -> subprocess.Popen[bytes]:
    """Start `pulumi up` and return once its first CreateCase reached supportlocal."""
    project = project or world.project
    log = project.workdir.parent / f"{project.workdir.name}-up.log"
    world.endpoint.control.reset_calls()
    process = start_up(project, log)
    while process.poll() is None:
        if any(call["operation"] == "CreateCase" for call in world.endpoint.control.calls()):
            return process
        time.sleep(0.01)
    raise AssertionError(f"`pulumi up` ended before any CreateCase:\n{log.read_text()}")


def killed_up(world: World) -> None:
    process = start_up_until_first_create(world)
    kill_tree(process.pid)
    assert process.wait() == -signal.SIGKILL


def recover(project: PulumiProject, *extra: str) -> subprocess.CompletedProcess[str]:
    return project.provider("recover", "--stack", project.stack, *extra)


def pending(project: PulumiProject) -> list[dict[str, Any]]:
    return project.export_state()["deployment"].get("pending_operations") or []


def opened(endpoint: Endpoint) -> list[dict[str, Any]]:
    return held_cases(endpoint, ACCESS_KEY)


def test_recover_removes_the_lock_and_records_the_killed_runs_case(world: World) -> None:
    project, endpoint = world.project, world.endpoint
    killed_up(world)

    # What the kill left: a lock naming the dead pulumi, and pending creates in the checkpoint.
    with pytest.raises(PulumiCommandError) as locked:
        project.up()
    assert "the stack is currently locked by 1 lock(s)" in locked.value.result.stderr
    assert len(world.lock_keys()) == 1
    left = pending(project)
    assert {op["type"] for op in left} == {"creating"}
    (case,) = opened(endpoint)  # the one CreateCase that reached AWS before the kill
    name = next(name for name, spec in CASES.items() if spec["subject"] == case["subject"])

    resources = project.export_state()["deployment"]["resources"]
    endpoint.control.reset_calls()
    done = recover(project)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "recover: no Pulumi process of this project is running"
    assert any(line.startswith("recover: removed the stale lock taken by pulumi pid ") for line in lines)
    assert any(
        line.startswith(f"recover: {name}: the killed run opened case {case['caseId']} ") for line in lines
    ), lines
    for op in left:
        assert f"recover: cleared the pending operation: creating {op['resource']['urn']}" in lines
    assert lines[-1] == "recover: stack recovery is ready: run `pulumi up`"
    assert set(calls(endpoint)) <= READS  # it only read, to find the case the killed run opened
    assert world.lock_keys() == []
    after = project.export_state()["deployment"]
    assert not after.get("pending_operations")
    assert after["resources"][: len(resources)] == resources  # kept as they were
    (recorded,) = after["resources"][len(resources) :]
    assert recorded["id"] == case["caseId"] and recorded["urn"].endswith(f"::{name}")

    endpoint.control.reset_calls()
    project.up()
    assert opened_subjects(endpoint, ACCESS_KEY) == Counter(case["subject"] for case in CASES.values())
    assert sent(endpoint) == SENT - Counter({"CreateCase": 1})  # each message once, the case once
    project.preview("--expect-no-changes")


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_a_killed_create_whose_case_aws_resolved_is_not_opened_again(world: World) -> None:
    """Model finding F2: AWS (or a person) resolves the case a killed run opened; the retry opened a
    second one."""
    project, endpoint = world.project, world.endpoint
    killed_up(world)
    (case,) = opened(endpoint)
    endpoint.control.set_status(case["caseId"], "resolved")
    assert recover(project).returncode == 0
    project.up()
    assert opened_subjects(endpoint, ACCESS_KEY) == Counter(case["subject"] for case in CASES.values())


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_a_file_removed_after_its_create_was_killed_resolves_the_case(world: World) -> None:
    """Model finding F5: the file whose create was killed is removed (or renamed) before the retry; its
    case stayed open with no file and no resource."""
    project, endpoint = world.project, world.endpoint
    killed_up(world)
    (case,) = opened(endpoint)
    name = next(name for name, spec in CASES.items() if spec["subject"] == case["subject"])
    (project.workdir / "cases" / f"{name}.yaml").unlink()
    assert recover(project).returncode == 0
    endpoint.control.reset_calls()
    project.up()
    assert calls(endpoint)["ResolveCase"] == 1
    statuses = {item["caseId"]: item["status"] for item in opened(endpoint)}
    assert statuses[case["caseId"]] == "resolved"
    assert len(statuses) == len(CASES)  # the other file's case, opened once
    project.preview("--expect-no-changes")


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_an_up_without_recover_refuses_new_cases_before_any_call(world: World) -> None:
    """`pulumi cancel` then `pulumi up` keeps the killed run's pending creates (this engine); until recover
    looked at AWS for them, plan, preview and up open no case."""
    project, endpoint = world.project, world.endpoint
    killed_up(world)
    project.run("cancel", "--yes")
    endpoint.control.reset_calls()
    with pytest.raises(PulumiCommandError) as refused:
        project.up()
    assert "python -m provider recover" in refused.value.result.stdout + refused.value.result.stderr
    assert sent(endpoint) == Counter()
    planned = project.provider("plan", "--stack", project.stack)
    assert planned.returncode != 0
    assert "a `pulumi up` was opening this case and did not finish" in planned.stdout
    assert recover(project).returncode == 0
    project.up()
    assert opened_subjects(endpoint, ACCESS_KEY) == Counter(case["subject"] for case in CASES.values())


def test_recover_stops_while_a_process_of_the_killed_run_still_runs(world: World) -> None:
    project = world.project
    process = start_up_until_first_create(world)
    frozen = freeze_tree(process.pid)  # alive but stopped: the CLI, language host and provider
    try:
        done = recover(project)
        assert done.returncode == 1
        running = {int(pid) for pid in re.findall(r"still running: pid (\d+):", done.stdout)}
        assert process.pid in running
        assert running <= frozen
        assert f"still running: pulumi pid {process.pid} of " in done.stdout  # the lock's own holder
        assert "nothing was changed" in done.stdout
        assert len(world.lock_keys()) == 1
    finally:
        kill_tree(process.pid)
        process.wait()
    done = recover(project)
    assert done.returncode == 0, done.stdout
    project.up()


def test_recover_refuses_while_another_checkout_holds_the_lock(world: World, tmp_path: Path) -> None:
    """Issue 16, item 13: on an S3 backend, recover in one checkout removed the lock of a live `up` in
    another, and the two `up`s then sent the same message twice."""
    project, endpoint = world.project, world.endpoint
    other = second_checkout(project, tmp_path / "other-checkout")
    # The `up` is still at work after its first CreateCase (its follow-up message takes 3 s), and is
    # paused there (SIGSTOP, its whole tree) for as long as the checks take: a live run, holding the lock.
    endpoint.control.set_faults(latency_ms=3000, operations=["AddCommunicationToCase"])
    process = start_up_until_first_create(world)
    paused = freeze_tree(process.pid)
    try:
        (held,) = world.lock_keys()
        holder = json.loads(world.backend.read(held))
        assert holder["pid"] == process.pid

        done = recover(other)
        assert done.returncode == 1, done.stdout
        assert f"recover: still running: pulumi pid {process.pid} of " in done.stdout
        assert "which holds the stack's lock" in done.stdout
        assert done.stdout.splitlines()[-1].endswith("nothing was changed")
        assert world.lock_keys() == [held]
        with pytest.raises(PulumiCommandError, match="the stack is currently locked by 1 lock"):
            other.up()
    finally:
        for pid in paused:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        assert process.wait(timeout=300) == 0, (project.workdir.parent / "project-up.log").read_text()
    endpoint.control.clear_faults()
    other.up()
    assert sent(endpoint) == SENT
    assert opened_subjects(endpoint, ACCESS_KEY) == Counter(case["subject"] for case in CASES.values())


@pytest.mark.parametrize("lock", ["another machine", "unreadable"])
def test_recover_leaves_a_lock_it_cannot_check_unless_forced(world: World, lock: str) -> None:
    project = world.project
    killed_up(world)
    (key,) = world.lock_keys()
    if lock == "another machine":
        lock_content = json.loads(world.backend.read(key))
        world.backend.write(key, json.dumps({**lock_content, "hostname": "ci-runner-7"}).encode())
    else:
        world.backend.write(key, b"{")

    done = recover(project)
    assert done.returncode == 1
    name = key.rpartition("/")[2]
    expected = "on another machine" if lock == "another machine" else f"{name}), which names no process"
    assert expected in done.stdout
    assert "run recover --force" in done.stdout
    assert world.lock_keys() == [key]
    assert pending(project)  # nothing was changed

    done = recover(project, "--force")
    assert done.returncode == 0, done.stdout
    assert "recover: removed the forced lock taken by " in done.stdout
    assert world.lock_keys() == []
    project.up()
    assert sum(opened_subjects(world.endpoint, ACCESS_KEY).values()) == len(CASES)


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_recover_repairs_a_metadata_file_cut_short_by_the_kill(world: World) -> None:
    """A kill while the file backend rewrites a checkpoint's ``.attrs`` sidecar leaves it empty (seen in
    1 of 20 crash-harness trials); every pulumi command then fails to load the checkpoint."""
    project = world.project
    killed_up(world)
    assert world.backend.root is not None
    sidecar = world.backend.root / ".pulumi" / "stacks" / "support-cases" / f"{project.stack}.json.attrs"
    sidecar.write_text("")
    with pytest.raises(PulumiCommandError, match="failed to load checkpoint: EOF"):
        project.run("cancel", "--yes")

    done = recover(project)
    assert done.returncode == 0, done.stdout
    assert f"recover: removed {sidecar.name}, a metadata file the kill left unreadable" in done.stdout
    project.up()
    assert sum(opened_subjects(world.endpoint, ACCESS_KEY).values()) == len(CASES)


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_recover_refresh_only_reads_from_aws(world: World) -> None:
    project, endpoint = world.project, world.endpoint
    killed_up(world)
    endpoint.control.reset_calls()
    done = recover(project, "--refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recover: refreshed" in done.stdout
    assert set(calls(endpoint)) <= READS
    project.up()
    assert sum(opened_subjects(endpoint, ACCESS_KEY).values()) == len(CASES)


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_on_a_backend_recover_cannot_read_it_removes_no_lock_without_force(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pulumi Cloud, gs://, azblob://, postgres://: recover sees no lock there, so it never runs `pulumi
    cancel` unless forced, and the import that clears pending operations refuses a locked stack. Played
    on a file backend that recover is told it cannot read."""
    project = world.project
    killed_up(world)
    (key,) = world.lock_keys()
    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(project.workdir)
    monkeypatch.setattr(recover_command, "open_backend", lambda url: None)

    said: list[str] = []
    with pytest.raises(recover_command.RecoverError) as stopped:
        said.extend(recover_command.recover(project.stack, project.workdir, refresh=False, force=False))
    assert "recover cannot read the locks of a file backend" in said
    assert "the stack is currently locked by 1 lock(s)" in str(stopped.value)
    assert str(stopped.value).endswith("run recover --force; nothing was changed")
    assert world.lock_keys() == [key]
    assert pending(project)

    said = list(recover_command.recover(project.stack, project.workdir, refresh=False, force=True))
    assert "removed the stack's lock, if any (pulumi cancel, as --force asked)" in said
    assert any(line.startswith("cleared the pending operation: creating ") for line in said)
    assert world.lock_keys() == []
    project.up()
    assert sum(opened_subjects(world.endpoint, ACCESS_KEY).values()) == len(CASES)


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_recover_keeps_a_sensitive_cases_text_secret(world: World) -> None:
    """A case file marked `sensitive: true` keeps its text as Pulumi secrets in the state: the resource
    recover writes for its interrupted create too."""
    project, endpoint = world.project, world.endpoint
    for name, document in CASES.items():
        (project.workdir / "cases" / f"{name}.yaml").write_text(
            yaml.safe_dump({**document, "sensitive": True})
        )
    killed_up(world)
    (case,) = opened(endpoint)
    assert recover(project).returncode == 0
    stored = json.loads(project.run("stack", "export").stdout)  # secrets as the backend keeps them
    (recorded,) = [r for r in stored["deployment"]["resources"] if r.get("id") == case["caseId"]]
    for key in ("spec", "sent", "outbox", "replies"):
        assert "ciphertext" in recorded["outputs"][key], key
    assert case["subject"] not in json.dumps(recorded)
    project.up()
    assert opened_subjects(endpoint, ACCESS_KEY) == Counter(case["subject"] for case in CASES.values())
    project.preview("--expect-no-changes")


@pytest.mark.parametrize("world", ["file"], indirect=True)
def test_the_creates_a_run_has_begun_never_refuse_its_later_creates(world: World) -> None:
    """The state holds this run's own creates as pending while they run; a later create's check must
    not take them for a killed run's (only a case's own pending create refuses it)."""
    project, endpoint = world.project, world.endpoint
    endpoint.control.set_faults(latency_ms=300, operations=["CreateCase"])  # creates overlap the checks
    for n in range(8):  # with the two of the world, the 10 new cases an hour AWS allows
        document = {"subject": f"Queue {n} backs up", "communicationBody": f"Queue {n} holds 10k messages."}
        (project.workdir / "cases" / f"queue{n}.yaml").write_text(yaml.safe_dump(document))
    project.up()
    assert sent(endpoint)["CreateCase"] == 8 + len(CASES)
