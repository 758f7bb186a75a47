"""A team's state in a shared S3 backend (moto's S3 API on 127.0.0.1), through the real `pulumi` CLI.

Two checkouts of one repository share one stack in one bucket: their `up`s at the same moment, what
`preview` does while the stack is locked, the bucket's own credentials, and how recover reads an S3
backend URL (the kill and recover tests run on S3 in tests/e2e/test_recovery.py).
"""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from provider.backends import S3Backend, StackLock
from provider.backends.locks import Holder
from provider.backends.s3 import S3BackendError
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.s3_server import S3_ACCESS_KEY, S3_SECRET_KEY
from tests.helpers.staged_project import staged_project
from tests.helpers.state_backends import KINDS, S3_PREFIX, StateBackend, second_checkout, state_backend
from tests.helpers.support_calls import opened_subjects, sent

ACCESS_KEY = "AKIA444444444444"
ACCOUNT = "444444444444"
SUPPORT_SECRET = "staged-secret"  # what staged_project gives the Support client
CASES = {
    "queue": {
        "subject": "SQS messages delivered twice",
        "communicationBody": "orders-queue delivers about 1 in 1000 messages twice since Monday.",
        "communications": [{"communicationBody": "It also happens with a FIFO queue."}],
    },
    "cert": {
        "subject": "ACM certificate stuck in pending validation",
        "communicationBody": "The DNS record is in place since yesterday.",
    },
}
SENT = Counter({"CreateCase": len(CASES), "AddCommunicationToCase": 1})
LOCKED = "the stack is currently locked by 1 lock(s)"


@dataclass
class Team:
    """Two checkouts of one repository (``alice``'s and ``bob``'s), one stack, one backend."""

    alice: PulumiProject
    bob: PulumiProject
    endpoint: Endpoint
    backend: StateBackend


def team_of(kind: str, tmp_path: Path) -> Iterator[Team]:
    with (
        running_server(tmp_path / "supportlocal", quotas=False) as endpoint,
        state_backend(kind, tmp_path / "state") as backend,
    ):
        alice = staged_project(
            tmp_path / "alice", endpoint.url, ACCESS_KEY, stack="team", extra_env=backend.env
        )
        for name, document in CASES.items():
            (alice.workdir / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document))
        yield Team(alice, second_checkout(alice, tmp_path / "bob"), endpoint, backend)
        assert {call["account"] for call in endpoint.control.calls()} <= {ACCOUNT}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    yield from team_of("s3", tmp_path)


@pytest.fixture(params=KINDS)
def any_team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Team]:
    yield from team_of(request.param, tmp_path)


def test_two_ups_at_the_same_moment_one_fails_on_the_lock_and_nothing_is_sent_twice(team: Team) -> None:
    endpoint = team.endpoint
    # Each CreateCase takes 3 s, so the two runs overlap whichever takes the lock first.
    endpoint.control.set_faults(latency_ms=3000, operations=["CreateCase"])
    endpoint.control.reset_calls()
    logs = [
        checkout.workdir.parent / f"{checkout.workdir.name}-up.log" for checkout in (team.alice, team.bob)
    ]
    runs = [
        checkout.start("up", "--yes", "--skip-preview", log=log)
        for checkout, log in zip((team.alice, team.bob), logs, strict=True)
    ]
    codes = [run.wait(timeout=300) for run in runs]
    outputs = [log.read_text() for log in logs]

    # Pulumi's DIY lock does not wait: a run that finds the other's lock fails at once, sending nothing.
    # (Both can fail, when each sees the other's lock after writing its own; neither sent anything then.)
    for code, output in zip(codes, outputs, strict=True):
        assert code == 0 or LOCKED in output, output
    assert codes.count(0) <= 1, outputs  # they overlapped: at least one met the other's lock
    assert sent(endpoint) == (SENT if 0 in codes else Counter())

    endpoint.control.clear_faults()
    retried = [checkout for checkout, code in zip((team.alice, team.bob), codes, strict=True) if code != 0]
    for checkout in retried:  # the failed pipeline is run again
        checkout.up()
    assert sent(endpoint) == SENT
    assert opened_subjects(endpoint, ACCESS_KEY) == Counter(case["subject"] for case in CASES.values())
    for checkout in (team.alice, team.bob):
        checkout.preview("--expect-no-changes")
    assert team.backend.lock_keys("team") == []


def test_the_bucket_sees_its_own_credentials_only_and_the_state_holds_none(team: Team) -> None:
    team.alice.up()
    assert team.backend.s3 is not None
    assert set(team.backend.s3.access_key_ids) == {S3_ACCESS_KEY}  # never the Support API's
    # supportlocal only saw the Support API's key (the account its key id names); see team_of.
    keys = team.backend.keys(".pulumi/")
    assert ".pulumi/stacks/support-cases/team.json" in keys
    everything = team.backend.s3.keys(team.backend.bucket)
    assert everything and all(key.startswith(S3_PREFIX) for key in everything)  # the URL's path
    for key in keys:
        content = team.backend.read(key).decode()
        for secret in (S3_ACCESS_KEY, S3_SECRET_KEY, SUPPORT_SECRET):
            assert secret not in content, f"{secret} is in {key}"


def test_preview_runs_while_the_stack_is_locked_and_up_does_not(any_team: Team) -> None:
    """What docs/guarantees.md and docs/state-backends.md say: Pulumi's DIY backend takes the lock for
    `up` (and refresh, destroy, import), not for `preview` (pkg/backend/diy/backend.go, Preview)."""
    team = any_team
    team.alice.up()
    lock = {"pid": 4242, "username": "ci", "hostname": "ci-runner-7", "timestamp": "2026-12-02T01:00:00Z"}
    key = f"{team.backend.lock_folder('team')}/c0ffee.json"
    team.backend.write(key, json.dumps(lock).encode())
    team.endpoint.control.reset_calls()

    previewed = team.bob.preview("--expect-no-changes")
    assert LOCKED not in previewed.stderr
    with pytest.raises(PulumiCommandError) as refused:
        team.bob.up()
    assert LOCKED in refused.value.result.stderr
    assert "created by ci@ci-runner-7 (pid 4242)" in refused.value.result.stderr
    assert sent(team.endpoint) == Counter()
    assert team.backend.lock_keys("team") == [key]


def test_recover_reads_the_lock_of_a_running_up_in_the_bucket(team: Team) -> None:
    """recover's S3 reader, on the URL the CLI was given (key prefix, v1-style options, profile)."""
    team.endpoint.control.set_faults(latency_ms=4000, operations=["CreateCase"])
    run = team.alice.start("up", "--yes", "--skip-preview", log=team.alice.workdir.parent / "up.log")
    try:
        store = S3Backend.from_url(team.alice.env["PULUMI_BACKEND_URL"])
        deadline = time.monotonic() + 120
        while not (locks := store_locks(store, team)) and time.monotonic() < deadline:
            time.sleep(0.05)
        (lock,) = locks
        assert (lock.pid, lock.hostname) == (run.pid, socket.gethostname())
        assert lock.key.startswith(f"teams/support/{team.backend.lock_folder('team')}/")
        assert lock.holder() is Holder.RUNNING
    finally:
        assert run.wait(timeout=300) == 0
    assert store_locks(store, team) == []
    assert lock.holder() is Holder.DEAD  # the same lock, once its process ended: stale


def store_locks(store: S3Backend, team: Team) -> list[StackLock]:
    """The locks recover sees, with the environment the CLI had (the bucket's credentials files)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in team.backend.env.items():
            patch.setenv(name, value)
        return store.locks("support-cases", "team")


@pytest.mark.parametrize(
    ("url", "bucket", "prefix", "endpoint"),
    [
        ("s3://state", "state", "", None),
        ("s3://state/teams/support/?region=eu-west-1", "state", "teams/support/", None),
        (
            "s3://state?endpoint=127.0.0.1:9000&disableSSL=true&s3ForcePathStyle=true",
            "state",
            "",
            "http://127.0.0.1:9000",
        ),
        ("s3://state?endpoint=minio.internal:9000", "state", "", "https://minio.internal:9000"),
        ("s3://state?endpoint=https://s3.example.com&disableSSL=true", "state", "", "https://s3.example.com"),
    ],
)
def test_the_s3_url_is_read_as_pulumi_reads_it(
    url: str, bucket: str, prefix: str, endpoint: str | None
) -> None:
    backend = S3Backend.from_url(url)
    assert (backend.bucket, backend.prefix, backend.endpoint_url()) == (bucket, prefix, endpoint)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://state?endpoint=x&use_path_styel=true", "unknown query parameter 'use_path_styel'"),
        ("s3://state?s3ForcePathStyle=yes", "invalid value for query parameter 's3ForcePathStyle'"),
        ("s3:///nobucket", "no bucket"),
    ],
)
def test_an_s3_url_pulumi_would_refuse_stops_recover(url: str, message: str) -> None:
    with pytest.raises(S3BackendError, match=message):
        S3Backend.from_url(url)


def test_a_bucket_recover_cannot_read_stops_it(team: Team) -> None:
    """Never "not locked" when the locks could not be listed."""
    url = team.alice.env["PULUMI_BACKEND_URL"].replace("s3://state-", "s3://missing-", 1)
    with pytest.raises(S3BackendError, match=r"reading the locks in s3://missing-.*NoSuchBucket"):
        store_locks(S3Backend.from_url(url), team)
