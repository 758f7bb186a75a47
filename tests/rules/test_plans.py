"""Each account's support plan: `plans refresh` records what DescribeSeverityLevels answers per account
(supportlocal with a plan per account), and `validate` and `plan` then refuse, naming the plan, a
severity the plan does not offer and any case for an account without a Business plan, with zero calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportlocal.launcher import Endpoint, running_server
from tests.casefiles.repo import Repo

ROOT = Path(__file__).resolve().parents[2]
# supportlocal tells accounts apart by the 12 digits in the access key id (docs/supportlocal.md).
KEYS = {"prod": "AKIA111111111111", "biz": "AKIA222222222222", "free": "AKIA333333333333"}
PLANS = {"111111111111": "enterprise", "222222222222": "business", "333333333333": "basic"}
STACK_CONFIG = """\
config:
  supportcases:accounts:
    prod: {profile: prod}
    biz: {profile: biz}
    free: {profile: free}
  supportcases:defaultAccount: prod
"""


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    with running_server(tmp_path_factory.mktemp("supportlocal"), quotas=False, plans=PLANS) as endpoint:
        yield endpoint


def provider(repo: Repo, support: Endpoint, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m provider ARGS`` in the repository, each profile calling supportlocal as its account."""
    aws = repo.root.parent / "aws"
    aws.mkdir(exist_ok=True)
    (aws / "config").write_text("".join(f"[profile {name}]\nregion = us-east-1\n" for name in KEYS))
    (aws / "credentials").write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = s\n" for name, key in KEYS.items()
        )
    )
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "AWS_ENDPOINT_URL_SUPPORT": support.url,
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
    }
    command = [sys.executable, "-m", "provider", *args]
    return subprocess.run(command, cwd=repo.root, env=env, capture_output=True, text=True, check=False)


def refreshed(repo: Repo, support: Endpoint) -> dict:
    repo.write("Pulumi.plans.yaml", STACK_CONFIG)
    result = provider(repo, support, "plans", "refresh", "--config", "Pulumi.plans.yaml")
    assert result.returncode == 0, result.stderr
    return json.loads((repo.root / "catalogue" / "support-plans.json").read_text())


def test_refresh_records_each_accounts_levels_and_the_account_without_the_api(
    repo: Repo, support: Endpoint
) -> None:
    support.control.reset_calls()
    document = refreshed(repo, support)
    calls = [(call["operation"], call["account"], call["outcome"]) for call in support.control.calls()]
    assert sorted(calls) == [
        ("DescribeSeverityLevels", "111111111111", "ok"),
        ("DescribeSeverityLevels", "222222222222", "ok"),
        ("DescribeSeverityLevels", "333333333333", "SubscriptionRequiredException"),
    ]
    accounts = document["accounts"]
    assert [level["code"] for level in accounts["prod"]["severityLevels"]] == [
        "low",
        "normal",
        "high",
        "urgent",
        "critical",
    ]
    assert accounts["prod"]["plan"] == "Enterprise On-Ramp, Enterprise or Unified Operations"
    assert [level["code"] for level in accounts["biz"]["severityLevels"]] == [
        "low",
        "normal",
        "high",
        "urgent",
    ]
    assert accounts["biz"]["plan"] == "Business or Business Support+"
    assert accounts["free"] == {
        "plan": "Basic or Developer",
        "severityLevels": None,
        "origin": accounts["free"]["origin"],
    }
    assert accounts["free"]["origin"].startswith(f"DescribeSeverityLevels at {support.url}")
    assert document["defaultAccount"] == "prod"


def test_validate_and_plan_refuse_what_the_plans_do_not_offer_naming_the_plan(
    repo: Repo, support: Endpoint
) -> None:
    refreshed(repo, support)
    body = "subject: Orders API down\ncommunicationBody: All requests fail.\n"
    repo.write("cases/critical-on-business.yaml", f"{body}severityCode: critical\naccount: biz\n")
    repo.write("cases/on-basic.yaml", f"{body}severityCode: low\naccount: free\n")
    repo.write("cases/critical-on-enterprise.yaml", f"{body}severityCode: critical\n")  # default: prod
    repo.write("cases/urgent-on-business.yaml", f"{body}severityCode: urgent\naccount: biz\n")
    expected = [
        "cases/critical-on-business.yaml:3:15: severityCode 'critical' is not offered by the support plan of "
        "account 'biz' (Business or Business Support+: low, normal, high, urgent; "
        "catalogue/support-plans.json, from DescribeSeverityLevels at",
        "cases/on-basic.yaml:4:1: account 'free' has no Business support plan (it is on Basic or Developer: "
        "DescribeSeverityLevels answered SubscriptionRequiredException, catalogue/support-plans.json, from "
        "DescribeSeverityLevels at",
    ]
    support.control.reset_calls()
    validate = provider(repo, support, "validate")
    assert validate.returncode == 1
    lines = validate.stdout.splitlines()
    assert [line for prefix in expected for line in lines if line.startswith(prefix)] == lines[:2]
    assert lines[2] == "2 problems in 2 of 4 case files"
    repo.write("state.json", json.dumps({"deployment": {"resources": []}}))
    plan = provider(repo, support, "plan", "--state", "state.json", "--config", "Pulumi.plans.yaml")
    assert plan.returncode == 1, plan.stdout + plan.stderr
    assert all(any(line.startswith(prefix) for line in plan.stdout.splitlines()) for prefix in expected), (
        plan.stdout
    )
    assert support.control.calls() == []
