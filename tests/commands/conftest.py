"""Fixtures for the commands: supportlocal with two accounts reached by profile, a repository, a stack."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from provider.aws.record import CaseRecord
from provider.planning.plan import Sent
from supportlocal.launcher import Endpoint, running_server

_account_ids = itertools.count(310000000001)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    with running_server(tmp_path_factory.mktemp("supportlocal")) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS config or credentials from the machine."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@dataclass(frozen=True)
class Aws:
    """supportlocal with the profiles ``prod`` and ``staging``, each its own fresh account."""

    endpoint: Endpoint
    ids: Mapping[str, str]  # profile -> 12-digit account id

    def client(self, profile: str) -> Any:
        """A plain boto3 Support client of that profile's account, as a teammate would make it."""
        return boto3.Session(profile_name=profile).client("support", region_name="us-east-1")

    def open_case(self, profile: str, subject: str, body: str = "It broke.") -> dict[str, Any]:
        """Open a case in the profile's account; its DescribeCases entry."""
        client = self.client(profile)
        case_id = client.create_case(subject=subject, communicationBody=body)["caseId"]
        return client.describe_cases(caseIdList=[case_id], includeResolvedCases=True)["cases"][0]


@pytest.fixture
def aws(server: Endpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Aws:
    ids = {"prod": str(next(_account_ids)), "staging": str(next(_account_ids))}
    credentials = tmp_path / "aws-credentials"
    credentials.write_text(
        "".join(
            f"[{profile}]\naws_access_key_id = AKIA{number}\naws_secret_access_key = local-{profile}\n"
            for profile, number in ids.items()
        )
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", server.url)
    return Aws(server, ids)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository (the working directory) with a cases/ folder."""
    root = tmp_path / "repo"
    (root / "cases").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: test\nruntime: python\n")
    monkeypatch.chdir(root)
    return root


TWO_ACCOUNTS = {
    "accounts": {"prod": {"profile": "prod"}, "staging": {"profile": "staging"}},
    "defaultAccount": "prod",
}


def write_stack(
    root: Path, cases: Mapping[str, tuple[CaseRecord, dict[str, Any]]], config: Mapping[str, Any]
) -> None:
    """Write each case file, ``state.json`` (a `pulumi stack export` holding their records) and
    ``Pulumi.test.yaml`` (the stack config, keys under supportcases:)."""
    resources: list[dict[str, Any]] = [{"type": "pulumi:pulumi:Stack", "outputs": {}}]
    for name, (record, spec) in cases.items():
        source = f"cases/{name}.yaml"
        (root / source).parent.mkdir(parents=True, exist_ok=True)
        (root / source).write_text(yaml.safe_dump(spec, sort_keys=False))
        outputs = {"caseName": name, "source": source, "spec": spec, **record.to_outputs()}
        resources.append({"type": "pulumi-python:dynamic:Resource", "outputs": outputs})
    (root / "state.json").write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    settings = {f"supportcases:{key}": value for key, value in config.items()}
    (root / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": settings}))


def record_of(details: Mapping[str, Any], spec: Mapping[str, Any], **fields: Any) -> CaseRecord:
    """The provider's record of a case AWS describes with ``details``."""
    return CaseRecord(
        case_id=details["caseId"],
        sent=Sent.declared(dict(spec)),
        display_id=details["displayId"],
        status=details["status"],
        severity=details["severityCode"],
        **fields,
    )


STACK_ARGS = ("--state", "state.json", "--config", "Pulumi.test.yaml")
