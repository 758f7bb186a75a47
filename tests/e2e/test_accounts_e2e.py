"""Two accounts in one stack, through the real engine: each case lands in its own account."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from supportlocal.launcher import running_server
from tests.helpers.pulumi_cli import PulumiCommandError
from tests.helpers.staged_project import staged_project

# supportlocal tells accounts apart by the 12 digits in the access key id (docs/supportlocal.md).
PROFILES = {"prod": "AKIA111111111111", "sandbox": "AKIA222222222222"}
CASE = {
    "subject": "S3 replication lag",
    "communicationBody": "Replication to eu-west-1 lags by 6 hours.",
    "serviceCode": "amazon-simple-storage-service",
    "categoryCode": "general-guidance",
}


def write(workdir: Path, name: str, document: dict) -> None:
    (workdir / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def test_each_case_lands_in_its_own_account(tmp_path: Path) -> None:
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text("".join(f"[profile {name}]\nregion = us-east-1\n" for name in PROFILES))
    (aws / "credentials").write_text(
        "".join(f"[{n}]\naws_access_key_id = {k}\naws_secret_access_key = s\n" for n, k in PROFILES.items())
    )
    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        project = staged_project(tmp_path / "project", endpoint.url, "AKIA999999999999")
        project.env.update(
            {"AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}
        )
        for name in PROFILES:
            project.run("config", "set", "--path", f"supportcases:accounts.{name}.profile", name)
        project.run("config", "set", "supportcases:defaultAccount", "prod")
        write(project.workdir, "replication", CASE)
        write(project.workdir, "sandbox-test", {**CASE, "subject": "Sandbox lag", "account": "sandbox"})

        # An unknown alias is a path:line:col error before any call.
        write(project.workdir, "typo", {**CASE, "subject": "Typo", "account": "prdo"})
        with pytest.raises(PulumiCommandError) as error:
            project.preview()
        output = error.value.result.stdout + error.value.result.stderr
        assert "cases/typo.yaml:5:1: unknown account 'prdo'" in output
        assert endpoint.control.calls() == []
        (project.workdir / "cases" / "typo.yaml").unlink()

        project.up()
        created = Counter(c["account"] for c in endpoint.control.calls() if c["operation"] == "CreateCase")
        assert created == Counter({"111111111111": 1, "222222222222": 1})
        cases = project.outputs()["cases"]
        assert cases["replication"]["caseId"].startswith("case-111111111111-")
        assert cases["sandbox-test"]["caseId"].startswith("case-222222222222-")
        accounts = {
            r["outputs"]["caseName"]: r["outputs"]["account"]
            for r in project.resources()
            if "caseName" in r["outputs"]
        }
        assert accounts == {"replication": "prod", "sandbox-test": "sandbox"}
