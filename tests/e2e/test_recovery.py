"""After a killed `pulumi up`: the stale lock, the pending operations, and `python -m provider recover`.

Each test kills a real `pulumi up` (its whole process tree, SIGKILL) just after its first CreateCase
reached supportlocal, as a cancelled CI job would.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

from supportlocal.launcher import Endpoint, running_server
from tests.helpers.process_tree import freeze_tree, kill_tree
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.staged_project import staged_project

ACCESS_KEY = "AKIA333333333333"
READS = {"DescribeCases", "DescribeCommunications"}
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


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[PulumiProject, Endpoint]]:
    """A staged project with two case files and its own supportlocal (quotas off)."""
    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        project = staged_project(tmp_path / "project", endpoint.url, ACCESS_KEY, stack="recovery")
        for name, document in CASES.items():
            (project.workdir / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document))
        yield project, endpoint


def start_up_until_first_create(project: PulumiProject, endpoint: Endpoint) -> subprocess.Popen[bytes]:
    """Start `pulumi up` and return once its first CreateCase reached supportlocal."""
    endpoint.control.reset_calls()
    process = project.start("up", "--yes", "--skip-preview", log=project.workdir.parent / "up.log")
    while process.poll() is None:
        if any(call["operation"] == "CreateCase" for call in endpoint.control.calls()):
            return process
        time.sleep(0.01)
    raise AssertionError(
        f"`pulumi up` ended before any CreateCase:\n{(project.workdir.parent / 'up.log').read_text()}"
    )


def killed_up(project: PulumiProject, endpoint: Endpoint) -> None:
    process = start_up_until_first_create(project, endpoint)
    kill_tree(process.pid)
    assert process.wait() == -signal.SIGKILL


def recover(project: PulumiProject, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "provider", "recover", "--stack", project.stack, *extra],
        cwd=project.workdir,
        env=project.env,
        capture_output=True,
        text=True,
        check=False,
    )


def calls(endpoint: Endpoint) -> Counter[str]:
    return Counter(call["operation"] for call in endpoint.control.calls())


def lock_files(project: PulumiProject) -> list[Path]:
    return sorted((project.backend_dir / ".pulumi" / "locks").glob(f"*/*/{project.stack}/*.json"))


def opened_subjects(endpoint: Endpoint) -> Counter[str]:
    client = boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=endpoint.url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="test-secret",
    )
    cases = client.describe_cases(includeResolvedCases=True)["cases"]
    return Counter(case["subject"] for case in cases)


def test_recover_removes_the_lock_and_pending_creates_without_calling_aws(world):
    project, endpoint = world
    killed_up(project, endpoint)

    # What the kill left: a lock naming the dead pulumi, and pending creates in the checkpoint.
    with pytest.raises(PulumiCommandError) as locked:
        project.up()
    assert "the stack is currently locked by 1 lock(s)" in locked.value.result.stderr
    assert len(lock_files(project)) == 1
    pending = project.export_state()["deployment"]["pending_operations"]
    assert {op["type"] for op in pending} == {"creating"}

    resources = project.export_state()["deployment"]["resources"]
    endpoint.control.reset_calls()
    done = recover(project)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "recover: no Pulumi process of this project is running"
    assert any(line.startswith("recover: removed the stale lock taken by pulumi pid ") for line in lines)
    for op in pending:
        assert f"recover: cleared the pending operation: creating {op['resource']['urn']}" in lines
    assert lines[-1] == "recover: stack recovery is ready: run `pulumi up`"
    assert calls(endpoint) == Counter()  # without --refresh, nothing reaches AWS
    assert lock_files(project) == []
    after = project.export_state()["deployment"]
    assert not after.get("pending_operations")
    assert after["resources"] == resources  # imported back unchanged

    project.up()
    assert opened_subjects(endpoint) == Counter(case["subject"] for case in CASES.values())
    project.preview("--expect-no-changes")


def test_recover_stops_while_a_process_of_the_killed_run_still_runs(world):
    project, endpoint = world
    process = start_up_until_first_create(project, endpoint)
    frozen = freeze_tree(process.pid)  # alive but stopped: the CLI, language host and provider
    try:
        done = recover(project)
        assert done.returncode == 1
        running = {int(pid) for pid in re.findall(r"still running: pid (\d+):", done.stdout)}
        assert process.pid in running
        assert running <= frozen
        assert f"still running: pulumi pid {process.pid} of " in done.stdout  # the lock's own holder
        assert "nothing was changed" in done.stdout
        assert len(lock_files(project)) == 1
    finally:
        kill_tree(process.pid)
        process.wait()
    done = recover(project)
    assert done.returncode == 0, done.stdout
    project.up()


def test_recover_repairs_a_metadata_file_cut_short_by_the_kill(world):
    """A kill while the file backend rewrites a checkpoint's ``.attrs`` sidecar leaves it empty (seen in
    1 of 20 crash-harness trials); every pulumi command then fails to load the checkpoint."""
    project, endpoint = world
    killed_up(project, endpoint)
    sidecar = project.backend_dir / ".pulumi" / "stacks" / "support-cases" / f"{project.stack}.json.attrs"
    sidecar.write_text("")
    with pytest.raises(PulumiCommandError, match="failed to load checkpoint: EOF"):
        project.run("cancel", "--yes")

    done = recover(project)
    assert done.returncode == 0, done.stdout
    assert f"recover: removed {sidecar.name}, a metadata file the kill left unreadable" in done.stdout
    project.up()
    assert sum(opened_subjects(endpoint).values()) == len(CASES)


def test_recover_leaves_a_lock_from_another_machine_unless_forced(world):
    project, endpoint = world
    killed_up(project, endpoint)
    (lock,) = lock_files(project)
    lock.write_text(json.dumps({**json.loads(lock.read_text()), "hostname": "ci-runner-7"}))

    done = recover(project)
    assert done.returncode == 1
    assert "on another machine" in done.stdout
    assert "run recover --force" in done.stdout
    assert lock_files(project) == [lock]

    done = recover(project, "--force")
    assert done.returncode == 0, done.stdout
    assert lock_files(project) == []


def test_recover_refresh_only_reads_from_aws(world):
    project, endpoint = world
    killed_up(project, endpoint)
    endpoint.control.reset_calls()
    done = recover(project, "--refresh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recover: refreshed" in done.stdout
    assert set(calls(endpoint)) <= READS
    project.up()
    assert sum(opened_subjects(endpoint).values()) == len(CASES)
