"""Through the real engine: one stack of three accounts (Enterprise, Business, Basic in supportlocal),
rules.yaml with every rule, and case files that break each rule and each plan. `pulumi preview` and
`python -m provider plan` refuse them all at file:line:col with zero Support API calls; the allowed
versions of the same files then preview and go up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import PulumiProject
from tests.helpers.staged_project import staged_project

pytestmark = pytest.mark.engine

KEYS = {"prod": "AKIA111111111111", "biz": "AKIA222222222222", "free": "AKIA333333333333"}
PLANS = {"111111111111": "enterprise", "222222222222": "business", "333333333333": "basic"}
RULES = """\
severityCeilings:
  accounts:
    biz: high
  folders:
    experiments: low
approval:
  severities: [urgent, critical]
ccDomains: [example.com]
secrets: {}
"""
BODY = "subject: {subject}\ncommunicationBody: |\n  {line}\n"
REFUSED = {  # case file -> (its text, the start of the refusal)
    "cases/secret-body.yaml": (
        BODY.format(subject="Deploy fails", line="The deploy user is AKIAZ7VRSQ4XJ2LMPQ5T, see the log."),
        "cases/secret-body.yaml:3:22: a secret in communicationBody: AWS Access Key (detect-secrets): "
        "'The deploy user is [aws access key: 20 characters hidden], see the log.'",
    ),
    "cases/secret-attachment.yaml": (
        BODY.format(subject="Login fails", line="The log is attached.") + "attachments: [evidence/run.log]\n",
        "cases/evidence/run.log:2:31: a secret in attachment (attached by cases/secret-attachment.yaml "
        "attachments[0]): Secret Keyword (detect-secrets): 'connect user=orders password: "
        "[secret keyword: 10 characters hidden]'",
    ),
    "cases/cc.yaml": (
        BODY.format(subject="Copy the vendor", line="Please copy our vendor.")
        + "ccEmailAddresses: [x@gmail.com]\n",
        "cases/cc.yaml:4:20: ccEmailAddresses[0] 'x@gmail.com' is not at an allowed domain (example.com; "
        "rule ccDomains, rules.yaml:8:1)",
    ),
    "cases/experiments/ceiling.yaml": (
        BODY.format(subject="Try a thing", line="A question.") + "severityCode: normal\n",
        "cases/experiments/ceiling.yaml:4:15: severityCode 'normal' is over the ceiling 'low' for folder "
        "cases/experiments/ (rule severityCeilings, rules.yaml:5:5)",
    ),
    "cases/biz-urgent.yaml": (
        BODY.format(subject="Biz down", line="Biz fails.")
        + "severityCode: urgent\napprovedBy: alice\naccount: biz\n",
        "cases/biz-urgent.yaml:4:15: severityCode 'urgent' is over the ceiling 'high' for account 'biz' "
        "(rule severityCeilings, rules.yaml:3:5)",
    ),
    "cases/unapproved.yaml": (
        BODY.format(subject="Orders down", line="Orders fail.") + "severityCode: urgent\n",
        "cases/unapproved.yaml:4:15: severityCode 'urgent' needs a named approver: add `approvedBy: <login>`",
    ),
    "cases/critical-on-business.yaml": (
        BODY.format(subject="Checkout down", line="Checkout fails.")
        + "severityCode: critical\napprovedBy: alice\naccount: biz\n",
        "cases/critical-on-business.yaml:4:15: severityCode 'critical' is not offered by the support plan of "
        "account 'biz' (Business or Business Support+: low, normal, high, urgent;",
    ),
    "cases/on-basic.yaml": (
        BODY.format(subject="Billing question", line="Why two lines?") + "account: free\n",
        "cases/on-basic.yaml:4:1: account 'free' has no Business support plan (it is on Basic or Developer: "
        "DescribeSeverityLevels answered SubscriptionRequiredException",
    ),
}
ALLOWED = {  # the same files as they may be written
    "cases/secret-body.yaml": BODY.format(subject="Deploy fails", line="The deploy user's key is rotated."),
    "cases/secret-attachment.yaml": REFUSED["cases/secret-attachment.yaml"][0],  # with a clean log
    "cases/cc.yaml": BODY.format(subject="Copy the vendor", line="Please copy.")
    + "ccEmailAddresses: [x@example.com]\n",
    "cases/experiments/ceiling.yaml": BODY.format(subject="Try a thing", line="A question.")
    + "severityCode: low\n",
    "cases/unapproved.yaml": BODY.format(subject="Orders down", line="Orders fail.")
    + "severityCode: urgent\napprovedBy: alice\n",
    "cases/critical-on-business.yaml": BODY.format(subject="Checkout down", line="Checkout fails.")
    + "severityCode: critical\napprovedBy: alice\naccount: prod\n",
    "cases/on-basic.yaml": BODY.format(subject="Billing question", line="Why two lines?") + "account: biz\n",
    "cases/biz-urgent.yaml": BODY.format(subject="Biz down", line="Biz fails.")
    + "severityCode: high\naccount: biz\n",
}


def write(project: PulumiProject, files: dict[str, str], log: str) -> None:
    for path, text in files.items():
        (project.workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (project.workdir / path).write_text(text, encoding="utf-8")
    (project.workdir / "cases" / "evidence").mkdir(exist_ok=True)
    (project.workdir / "cases" / "evidence" / "run.log").write_text(
        f"started\n{log}\nended\n", encoding="utf-8"
    )


def provider(project: PulumiProject, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**project.env, "PYTHONPATH": str(project.workdir)}
    command = [sys.executable, "-m", "provider", *args]
    return subprocess.run(command, cwd=project.workdir, env=env, capture_output=True, text=True, check=False)


def three_accounts(tmp_path: Path, support: Endpoint) -> PulumiProject:
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text("".join(f"[profile {name}]\nregion = us-east-1\n" for name in KEYS))
    (aws / "credentials").write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = s\n" for name, key in KEYS.items()
        )
    )
    project = staged_project(tmp_path / "project", support.url, "AKIA999999999999", stack="rules")
    project.env.update(
        {"AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}
    )
    for name in KEYS:
        project.run("config", "set", "--path", f"supportcases:accounts.{name}.profile", name)
    project.run("config", "set", "supportcases:defaultAccount", "prod")
    return project


def test_every_rule_and_plan_refuses_preview_and_plan_with_zero_calls_and_the_allowed_go_up(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path / "supportlocal", quotas=False, plans=PLANS) as support:
        project = three_accounts(tmp_path, support)
        refresh = provider(project, "plans", "refresh", "--stack", "rules")
        assert refresh.returncode == 0, refresh.stdout + refresh.stderr
        assert "free: no Business plan (Basic or Developer: SubscriptionRequiredException)" in refresh.stdout
        (project.workdir / "rules.yaml").write_text(RULES, encoding="utf-8")
        write(
            project,
            {path: text for path, (text, _) in REFUSED.items()},
            "connect user=orders password: Pa55w0rd!x",
        )

        support.control.reset_calls()
        preview = project.preview(check=False)
        said = preview.stdout + preview.stderr
        assert preview.returncode != 0
        assert [start for _, start in REFUSED.values() if f"error: {start}" not in said] == [], said
        # critical on biz breaks its plan and its ceiling: one more problem than files
        assert f"error: {len(REFUSED) + 1} problem(s) in the case files; nothing was sent to AWS" in said
        plan = provider(project, "plan", "--stack", "rules")
        assert plan.returncode == 1
        assert [start for _, start in REFUSED.values() if start not in plan.stdout] == [], plan.stdout
        assert support.control.calls() == []

        write(project, ALLOWED, "connect user=orders (password from the vault)")
        assert provider(project, "plan", "--stack", "rules").returncode == 0
        # in a pull request pipeline, alice must have approved it
        project.env["SUPPORTCASES_APPROVERS"] = "bob"
        plan = provider(project, "plan", "--stack", "rules")
        assert plan.returncode == 1
        refused = [line.split(":")[0] for line in plan.stdout.splitlines() if "has not approved" in line]
        assert refused == ["cases/critical-on-business.yaml", "cases/unapproved.yaml"]
        del project.env["SUPPORTCASES_APPROVERS"]
        project.preview()
        assert support.control.calls() == []
        project.up()
        created = {
            (call["account"], call["outcome"])
            for call in support.control.calls()
            if call["operation"] == "CreateCase"
        }
        assert created == {("111111111111", "ok"), ("222222222222", "ok")}
        assert len(project.outputs()["cases"]) == len(ALLOWED)
