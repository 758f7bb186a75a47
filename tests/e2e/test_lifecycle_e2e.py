"""The whole case lifecycle through the real `pulumi` CLI, on a throwaway copy of the project and stack.

supportlocal's call log asserts every Support API call each step makes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from provider.planning.reference import trailing_reference, without_trailer
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import ROOT, PulumiCommandError, PulumiProject, copy_project

ACCESS_KEY = "AKIA222222222222"
SCHEMA = "# yaml-language-server: $schema=../schemas/case.schema.json\n"

RDS = {
    "subject": "RDS Multi-AZ failover took 20 minutes",
    "communicationBody": "db-prod failed over at 03:10 UTC; writes were unavailable for 20 minutes.",
    "serviceCode": "amazon-relational-database-service-postgresql",
    "categoryCode": "general-guidance",
    "severityCode": "normal",
}
LAMBDA = {
    "subject": "Lambda cold starts doubled after runtime update",
    "communicationBody": "p99 init duration went from 400 ms to 900 ms on python3.11 functions.",
    "serviceCode": "aws-lambda",
    "categoryCode": "other",
    "severityCode": "low",
    "attachments": ["logs/init-1.log", "logs/init-2.log", "logs/init-3.log", "logs/init-4.log"],
}
BILLING = {
    "subject": "Refund for duplicate Savings Plan purchase",
    "communicationBody": "We bought the same Compute Savings Plan twice on 2026-11-02.",
    "issueType": "customer-service",
    "serviceCode": "billing",
    "categoryCode": "other",
}


def calls(endpoint: Endpoint) -> Counter[str]:
    """Support API calls since the last reset, by operation."""
    return Counter(call["operation"] for call in endpoint.control.calls())


def write(project: Path, name: str, document: dict[str, Any]) -> None:
    path = project / "cases" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCHEMA + yaml.safe_dump(document, sort_keys=False))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[PulumiProject, Endpoint]]:
    """A copy of the project (program, provider, schemas) with its own cases, stack and supportlocal."""
    stage = tmp_path / "stage"
    stage.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, stage / name)
    for name in ("provider", "schemas", "catalogue"):
        shutil.copytree(ROOT / name, stage / name, ignore=shutil.ignore_patterns("__pycache__"))
    workdir = copy_project(stage, tmp_path / "project")
    (workdir / "cases" / "logs").mkdir(parents=True)
    for index in range(1, 5):
        (workdir / "cases" / "logs" / f"init-{index}.log").write_text(f"INIT_REPORT {index}\n" * 50)
    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        env = {
            "AWS_ENDPOINT_URL_SUPPORT": endpoint.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": "e2e-secret",
        }
        project = PulumiProject(workdir, stack="e2e", env_overrides=env)
        project.env.pop("AWS_PROFILE", None)  # only the test credentials above
        project.init()
        yield project, endpoint


def support_client(endpoint: Endpoint) -> Any:
    return boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=endpoint.url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="e2e-secret",
    )


def test_case_lifecycle_through_the_real_engine(world):
    project, support = world
    work = project.workdir
    aws = support_client(support)
    write(work, "prod/rds", RDS)
    write(work, "lambda", LAMBDA)
    write(work, "billing", BILLING)

    # 1. up opens exactly three cases; the fourth attachment goes out in a follow-up message.
    project.up()
    # One listing of recent cases per run (where an interrupted earlier attempt would be), and the new
    # cases read back by caseId, up to 100 in one DescribeCases when they wait for the same call slot.
    counted = calls(support)
    assert 2 <= counted.pop("DescribeCases") <= 4
    assert counted == Counter({"AddAttachmentsToSet": 2, "CreateCase": 3, "AddCommunicationToCase": 1})
    cases = project.outputs()["cases"]
    assert sorted(cases) == ["billing", "lambda", "prod/rds"]
    assert {case["status"] for case in cases.values()} == {"unassigned"}  # S19: new cases start unassigned
    rds_id = cases["prod/rds"]["caseId"]

    # 2. Nothing changed: preview shows no changes and calls nothing.
    support.control.reset_calls()
    project.preview("--expect-no-changes")

    # 3. Append a message: the preview shows its exact text, still without calling AWS.
    message = "It happened again at 04:40 UTC.\nThis time writes were unavailable for 12 minutes.\n"
    rds = {**RDS, "communications": [{"communicationBody": message}]}
    write(work, "prod/rds", rds)
    preview = project.preview("--diff").stdout
    assert '"AddCommunicationToCase"' in preview
    assert '"message 1 of communications"' in preview
    assert '"It happened again at 04:40 UTC."' in preview
    assert '"This time writes were unavailable for 12 minutes."' in preview
    # The pull-request plan, from the exported state, says the same.
    (work / "state.json").write_text(json.dumps(project.export_state()))
    pr_plan = subprocess.run(
        [sys.executable, "-m", "provider", "plan", "--state", "state.json"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (
        "1. AddCommunicationToCase: message 1 of communications\n  | It happened again at 04:40 UTC.\n"
        in pr_plan
    )
    assert pr_plan.endswith("1 step(s) for 1 case(s); 2 unchanged\n")
    assert calls(support) == Counter()

    # 4. up sends exactly one AddCommunicationToCase.
    project.up()
    assert calls(support)["AddCommunicationToCase"] == 1
    assert calls(support)["CreateCase"] == 0
    newest = aws.describe_communications(caseId=rds_id)["communications"][0]
    assert without_trailer(newest["body"]) == message.rstrip()
    assert trailing_reference(newest["body"])  # recognised at AWS by its reference, should a retry come

    # 5. AWS replies and waits on us; refresh brings both back; the next preview is empty.
    support.control.reply(rds_id, "Please enable Enhanced Monitoring and send the event log.")
    support.control.set_status(rds_id, "pending-customer-action")
    project.refresh("--run-program")  # the program runs too, so the stack outputs follow
    state = {
        r["outputs"].get("caseName"): r["outputs"] for r in project.resources() if "caseName" in r["outputs"]
    }
    assert state["prod/rds"]["caseStatus"] == "pending-customer-action"
    assert [r["body"] for r in state["prod/rds"]["replies"]] == [
        "Please enable Enhanced Monitoring and send the event log."
    ]
    assert project.outputs()["cases"]["prod/rds"]["status"] == "pending-customer-action"
    support.control.reset_calls()
    project.preview("--expect-no-changes")
    assert calls(support) == Counter()

    # 6. Edit the severity: one message states the change.
    write(work, "prod/rds", {**rds, "severityCode": "high"})
    assert '"- Requested severity change: normal -> high"' in project.preview("--diff").stdout
    project.up()
    assert calls(support)["AddCommunicationToCase"] == 1
    newest = aws.describe_communications(caseId=rds_id)["communications"][0]
    assert "Requested severity change: normal -> high" in newest["body"]

    # 6b. Rename a file, naming its earlier name: the preview and up keep the case and send nothing.
    lambda_id = project.outputs()["cases"]["lambda"]["caseId"]
    (work / "cases" / "lambda.yaml").unlink()
    (work / "cases" / "serverless" / "logs").mkdir(parents=True)
    for log in (work / "cases" / "logs").iterdir():
        shutil.copy(log, work / "cases" / "serverless" / "logs" / log.name)
    write(work, "serverless/lambda", {**LAMBDA, "aliases": ["lambda"]})
    support.control.reset_calls()
    assert "CreateCase" not in project.preview("--diff").stdout
    project.up()
    assert calls(support) == Counter()
    assert project.outputs()["cases"]["serverless/lambda"]["caseId"] == lambda_id

    # 6c. A case file marked sensitive: its text is a secret in the state, in plain text nowhere.
    secret_text = "The customer database dump is at s3://example-private/dump-2026-11.sql.gz"
    write(
        work,
        "sensitive",
        {**BILLING, "subject": "Private", "communicationBody": secret_text, "sensitive": True},
    )
    project.up()
    encrypted = project.run("stack", "export").stdout  # as stored: secrets encrypted
    assert secret_text not in encrypted
    shown = project.export_state()  # --show-secrets: the text is there, marked secret
    assert secret_text in json.dumps(shown)
    assert project.outputs()["cases"]["sensitive"]["caseId"].startswith("case-")

    # 7. A file that adopts an existing case sends nothing.
    existing = aws.create_case(
        subject="Opened in the console", communicationBody="VPC peering drops packets."
    )
    support.control.reset_calls()
    write(
        work,
        "adopted",
        {"subject": "VPC peering drops", "communicationBody": "See the case.", "caseId": existing["caseId"]},
    )
    project.up()
    assert calls(support)["CreateCase"] == 0
    assert calls(support)["AddCommunicationToCase"] == 0
    assert project.outputs()["cases"]["adopted"]["caseId"] == existing["caseId"]

    # 8. Remove a file: its case is resolved, not deleted.
    support.control.reset_calls()
    (work / "cases" / "billing.yaml").unlink()
    project.up()
    assert calls(support) == Counter({"ResolveCase": 1})
    assert "billing" not in project.outputs()["cases"]

    # 9. destroy resolves the rest.
    support.control.reset_calls()
    project.destroy()
    assert calls(support)["ResolveCase"] == 4
    listed = aws.describe_cases(includeResolvedCases=True)["cases"]
    assert len(listed) == 5
    assert {case["status"] for case in listed} == {"resolved"}


def test_broken_case_file_fails_preview_with_its_line_and_calls_nothing(world):
    project, support = world
    write(project.workdir, "ok", RDS)
    (project.workdir / "cases" / "broken.yaml").write_text(
        SCHEMA + "subject: Broken\ncommunicationBody: x\nseverityCode: apocalyptic\n"
    )
    with pytest.raises(PulumiCommandError) as error:
        project.preview()
    output = error.value.result.stdout + error.value.result.stderr
    assert "cases/broken.yaml:4:15:" in output
    assert calls(support) == Counter()
