"""Fixtures: one supportlocal per test module; boto3 clients reach it through AWS_ENDPOINT_URL_SUPPORT."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config

from supportlocal.launcher import Endpoint, running_server

_accounts = itertools.count(100000000001)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """One server per module, quotas off: these tests make many calls quickly (test_quotas.py proves them)."""
    with running_server(tmp_path_factory.mktemp("supportlocal"), quotas=False) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def hermetic_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No shared config, profile or generic endpoint from the machine running the tests."""
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))


@pytest.fixture
def account() -> str:
    """A fresh account id, so tests sharing a server never see each other's cases."""
    return str(next(_accounts))


@pytest.fixture
def support(server, account, monkeypatch):
    """Make boto3 Support clients for the server; the default one belongs to ``account``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", server.url)

    def make(account_id=account, *, attempts=None, key_id=None):
        config = Config(retries={"total_max_attempts": attempts}) if attempts else None
        return boto3.client(
            "support",
            region_name="us-east-1",
            aws_access_key_id=key_id or f"AKIA{account_id}",
            aws_secret_access_key="local-secret-key",
            config=config,
        )

    return make


@pytest.fixture
def client(support):
    """A Support client of the test's own account."""
    return support()


@pytest.fixture
def faults(server: Endpoint) -> Iterator[Endpoint]:
    """The server, with every injected fault cleared after the test."""
    try:
        yield server
    finally:
        server.control.clear_faults()


@pytest.fixture
def new_case(client):
    """Create a case (sensible defaults, overridable) with the test's client; returns its id."""

    def create(via=None, **overrides):
        params = {"subject": "Throughput drops", "communicationBody": "Our table throttles.", **overrides}
        return (via or client).create_case(**params)["caseId"]

    return create
