"""Fixtures for provider tests: a running supportlocal, and a throwaway repository of case files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from provider.casefiles.loader import Case, load_cases
from supportlocal.launcher import Endpoint, running_server

ACCESS_KEY = "AKIA111111111111"
SECRET_KEY = "s3cr3t-never-in-state-or-logs"


@pytest.fixture
def support(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    """A fresh supportlocal; boto3 reaches it through AWS_ENDPOINT_URL_SUPPORT with test credentials."""
    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", endpoint.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield endpoint


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository (the provider's working directory) with a cases/ folder."""
    root = tmp_path / "repo"
    (root / "cases").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: test\nruntime: python\n")
    monkeypatch.chdir(root)
    return root


def write_case(root: Path, name: str, document: dict[str, Any]) -> Case:
    """Write ``cases/<name>.yaml`` and load it back through the loader."""
    path = root / "cases" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    cases, problems = load_cases([root / "cases"], root=root)
    assert problems == []
    return next(case for case in cases if case.name == name)


def client() -> Any:
    """A plain boto3 Support client, as a user's script would make it."""
    return boto3.client("support", region_name="us-east-1")


def operations(endpoint: Endpoint) -> Counter[str]:
    """How many times each Support API operation was called, successfully or not."""
    return Counter(call["operation"] for call in endpoint.control.calls())
