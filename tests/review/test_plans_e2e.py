"""Each kind of change through the real engine: the plan (Markdown and JSON, against golden files), then
`pulumi up` given the plan's fingerprint does exactly what the plan said, call for call and word for word
(supportlocal's call log and its stored messages). A plan that changed after review makes `up` refuse
with zero Support API calls.

One project and stack, one sequence of edits, to keep it to a handful of `pulumi up` runs.
Golden files: tests/review/golden/ (tests/review/golden.py says how to regenerate them).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.staged_project import staged_project
from tests.review.golden import check

ACCESS_KEY = "AKIA333333333333"
STACK = "review"
WRITES = ("AddAttachmentsToSet", "CreateCase", "AddCommunicationToCase", "ResolveCase")

RDS = {
    "subject": "RDS Multi-AZ failover took 20 minutes",
    "communicationBody": "db-prod failed over at 03:10 UTC; writes were unavailable for 20 minutes.",
    "serviceCode": "amazon-relational-database-service-postgresql",
    "categoryCode": "other",
    "severityCode": "normal",
    "ccEmailAddresses": ["dba@example.com"],
    "attachments": ["logs/failover.log"],
}
BILLING = {
    "subject": "Refund for duplicate Savings Plan purchase",
    "communicationBody": "We bought the same Compute Savings Plan twice on 2026-11-02.",
    "issueType": "customer-service",
    "serviceCode": "billing",
    "categoryCode": "other",
}


class Review:
    """The staged project, its supportlocal, and the steps a pipeline runs: plan, then up."""

    def __init__(self, project: PulumiProject, support: Endpoint) -> None:
        self.project = project
        self.support = support
        self.aws = boto3.client(
            "support",
            region_name="us-east-1",
            endpoint_url=support.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key="review-secret",
        )
        self.said: dict[str, list[str]] = {}

    def write(self, name: str, document: dict[str, Any]) -> None:
        path = self.project.workdir / "cases" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

    def provider(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "provider", *args],
            cwd=self.project.workdir,
            env=self.project.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def plan(self, golden: str | None = None, *, exit_code: int = 2) -> dict[str, Any]:
        """`plan --format json --detailed-exitcode`, its Markdown rendering, both checked against golden."""
        planned = self.provider("plan", "--stack", STACK, "--format", "json", "--detailed-exitcode")
        assert planned.returncode == exit_code, planned.stdout + planned.stderr
        (self.project.workdir / "plan.json").write_text(planned.stdout)
        markdown = self.provider("plan", "--from-plan", "plan.json", "--format", "markdown")
        assert markdown.returncode == 0, markdown.stderr
        if golden:
            check(f"{golden}.json", planned.stdout)
            check(f"{golden}.md", markdown.stdout)
        return json.loads(planned.stdout)

    def up(self, approved: str | None) -> subprocess.CompletedProcess[str]:
        self.support.control.reset_calls()
        env = {"SUPPORTCASES_APPROVED_PLAN": approved} if approved else {}
        self.project.env.update(env)
        try:
            return self.project.up()
        finally:
            self.project.env.pop("SUPPORTCASES_APPROVED_PLAN", None)

    def calls(self) -> list[dict[str, Any]]:
        return self.support.control.calls()

    def case_ids(self) -> dict[str, str]:
        return {name: case["caseId"] for name, case in self.project.outputs()["cases"].items()}

    def customer_bodies(self, case_id: str) -> list[str]:
        """What the customer side said on the case, oldest first (the description included)."""
        listed = self.aws.describe_communications(caseId=case_id)["communications"]
        return [item["body"] for item in reversed(listed) if item["submittedBy"] != "Amazon Web Services"]

    def applied_as_planned(self, plan: dict[str, Any]) -> None:
        """The call log's writes are the plan's, case by case, and AWS holds exactly the bodies said
        before and the planned ones, in order (``self.said`` keeps what each case was told so far)."""
        done = [call for call in self.calls() if call["operation"] in WRITES and call["outcome"] == "ok"]
        assert Counter(call["operation"] for call in done) == Counter(plan["totals"]["calls"])
        ids = self.case_ids()
        for case in plan["cases"]:
            case_id = case["caseId"] or ids[case["name"]]
            on_case = Counter(c["operation"] for c in done if c["caseId"] == case_id)
            planned = Counter({k: v for k, v in case["calls"].items() if k != "AddAttachmentsToSet"})
            assert on_case == planned, case["name"]
            said = self.said.setdefault(case_id, [])
            said += [a["communicationBody"] for a in case["actions"] if "communicationBody" in a]
            assert self.customer_bodies(case_id) == said, case["name"]


@pytest.fixture
def review(tmp_path: Path) -> Review:
    with running_server(tmp_path / "supportlocal") as support:
        project = staged_project(tmp_path / "project", support.url, ACCESS_KEY, stack=STACK)
        (project.workdir / "cases" / "logs").mkdir(parents=True)
        (project.workdir / "cases" / "logs" / "failover.log").write_text("03:10:04 failover started\n" * 40)
        yield Review(project, support)


def step(review: Review, golden: str, *, exit_code: int = 2) -> dict[str, Any]:
    """Plan (checked against its golden files), then `up` with its fingerprint, then compare."""
    plan = review.plan(golden, exit_code=exit_code)
    review.up(plan["fingerprint"])
    review.applied_as_planned(plan)
    return plan


def test_every_kind_of_change_is_planned_then_applied_exactly(review: Review):
    work = review.project.workdir
    rds = dict(RDS)
    review.write("rds", rds)
    review.write("billing", BILLING)
    plan = step(review, "01-new-cases")
    assert [case["change"] for case in plan["cases"]] == ["new case", "new case"]

    rds["communications"] = [
        {"communicationBody": "It happened again at 04:40 UTC.\nWrites stopped for 12 min."}
    ]
    review.write("rds", rds)
    step(review, "02-message")

    rds["severityCode"] = "urgent"
    review.write("rds", rds)
    plan = step(review, "03-field-edit")
    assert [w["kind"] for w in plan["warnings"]] == ["severity"]

    review.write("billing", {**BILLING, "status": "resolved"})
    step(review, "04-resolve")

    review.write("billing", {**BILLING, "status": "open"})
    plan = step(review, "05-reopen")
    assert [w["kind"] for w in plan["warnings"]] == ["reopen"]

    # A rename: the file moves and names its earlier name; it keeps its case and nothing is sent.
    rds_id = review.case_ids()["rds"]
    (work / "cases" / "rds.yaml").unlink()
    (work / "cases" / "db").mkdir()
    (work / "cases" / "db" / "logs").symlink_to("../logs")
    review.write("db/rds", {**rds, "aliases": ["rds"]})
    plan = step(review, "06-rename", exit_code=0)
    assert plan["cases"][0]["renamedFrom"] == "rds" and review.case_ids()["db/rds"] == rds_id

    (work / "cases" / "billing.yaml").unlink()
    plan = step(review, "07-removal")
    assert [w["kind"] for w in plan["warnings"]] == ["removal"]

    # A refused edit: a sent message changed. The plan says so (exit 1); `up` refuses it with zero calls.
    edited = {**rds, "aliases": ["rds"], "communications": [{"communicationBody": "It happened again."}]}
    review.write("db/rds", edited)
    plan = review.plan("08-refused-edit", exit_code=1)
    assert plan["fingerprint"] is None
    with pytest.raises(PulumiCommandError, match="cannot be edited"):
        review.up(None)
    assert review.calls() == []


def test_up_refuses_a_plan_that_changed_after_review_with_zero_calls(review: Review):
    review.write("billing", BILLING)
    approved = review.plan()["fingerprint"]
    review.write("billing", {**BILLING, "communicationBody": BILLING["communicationBody"] + " And again."})
    with pytest.raises(PulumiCommandError) as refused:
        review.up(approved)
    output = refused.value.result.stdout + refused.value.result.stderr
    assert f"not the approved {approved}" in output
    assert "Nothing was sent to AWS" in output
    assert review.calls() == []
    # The plan as it is now goes through.
    plan = review.plan()
    review.up(plan["fingerprint"])
    review.applied_as_planned(plan)

    # Over the hourly quota (S20: 10 cases per hour, the one above included): the plan says how many
    # `up` opens; `up` opens exactly those and says when the rest can be opened.
    for index in range(10):
        review.write(f"quota/q{index}", {**BILLING, "subject": f"Duplicate charge {index}"})
    plan = review.plan("09-quota")
    (quota,) = [w["message"] for w in plan["warnings"] if w["kind"] == "quota"]
    assert "so `pulumi up` opens 9 and leaves 1 for a run an hour later" in quota
    with pytest.raises(PulumiCommandError) as stopped:
        review.up(plan["fingerprint"])
    opened = [c for c in review.calls() if c["operation"] == "CreateCase" and c["outcome"] == "ok"]
    assert len(opened) == 9
    assert re.search(r"10 (cases )?per hour", stopped.value.result.stdout + stopped.value.result.stderr)
