"""``python -m provider catalogue refresh`` against supportlocal, and validate with what it wrote."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from provider.commands.cli import main
from supportlocal.launcher import Endpoint, running_server
from tests.casefiles.repo import VALID, Repo

ACCOUNT_KEY = "AKIA333333333333"  # supportlocal: account 333333333333
SERVED = {
    "about": "what supportlocal serves in this test: an account whose plan offers no critical severity",
    "services": [
        {
            "code": "amazon-dynamodb",
            "name": "DynamoDB",
            "categories": [
                {"code": "general-guidance", "name": "General Guidance"},
                {"code": "performance", "name": "Performance"},
            ],
        },
        {"code": "service-limit-increase", "name": "Service Limit Increase", "categories": []},
    ],
    "severityLevels": [
        {"code": "low", "name": "Low"},
        {"code": "normal", "name": "Normal"},
        {"code": "high", "name": "High"},
        {"code": "urgent", "name": "Urgent"},
    ],
    "languages": ["en"],
}


@pytest.fixture
def support(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    """supportlocal serving SERVED, and the environment pointing boto3 at it with test credentials."""
    served = tmp_path / "served.json"
    served.write_text(json.dumps(SERVED))
    with running_server(tmp_path / "supportlocal", catalogue=served) as endpoint:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", endpoint.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCOUNT_KEY)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "refresh-test-secret")
        yield endpoint


def test_refresh_writes_what_the_account_answers_all_verified(
    repo: Repo, support: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    support.control.reset_calls()
    assert main(["catalogue", "refresh"]) == 0
    assert Counter(call["operation"] for call in support.control.calls()) == Counter(
        {"DescribeServices": 1, "DescribeSeverityLevels": 1}
    )
    written = json.loads((repo.root / "catalogue" / "aws-support.json").read_text(encoding="utf-8"))
    assert written["services"] == [
        {
            "code": "amazon-dynamodb",
            "name": "DynamoDB",
            "categories": [
                {"code": "general-guidance", "name": "General Guidance"},
                {"code": "performance", "name": "Performance"},
            ],
            "verified": {"code": True, "name": True, "categories": True},
        }
    ]
    assert [entry["code"] for entry in written["excluded"]] == ["service-limit-increase"]
    assert written["severityLevels"] == SERVED["severityLevels"]
    assert written["languages"] == ["en", "ja", "ko", "zh", "es", "pt", "fr", "tr"]
    assert written["origin"].startswith(f"DescribeServices and DescribeSeverityLevels at {support.url} on ")
    assert "refresh-test-secret" not in json.dumps(written)
    assert capsys.readouterr().out == (
        f"{repo.root / 'catalogue' / 'aws-support.json'}: 1 services with 2 categories, 4 severity levels"
        " (low, normal, high, urgent); a new snapshot\n"
    )

    # validate now holds case files to the account's real catalogue
    repo.write("cases/ok.yaml", VALID + "serviceCode: amazon-dynamodb\ncategoryCode: performance\n")
    repo.write("cases/critical.yaml", VALID + "serviceCode: amazon-dynamodb\nseverityCode: critical\n")
    assert repo.problems() == [
        "cases/critical.yaml:4:15: severityCode 'critical' is not offered in catalogue/aws-support.json"
        " (it offers 'low', 'normal', 'high' and 'urgent'; the levels depend on the support plan)"
    ]


def test_refresh_says_what_changed(
    repo: Repo, support: Endpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "pinned.json"
    before = {
        "services": [
            {
                "code": "amazon-dynamodb",
                "name": "DynamoDB",
                "categories": [{"code": "other", "name": "Other"}],
            },
            {"code": "retired-service", "name": "Retired", "categories": []},
        ],
        "severityLevels": [{"code": "low", "name": "Low"}],
    }
    output.write_text(json.dumps(before))
    assert main(["catalogue", "refresh", "--output", str(output)]) == 0
    assert capsys.readouterr().out.endswith("; 0 services added, 1 removed, 1 with other categories\n")


def test_refresh_without_the_support_api_changes_nothing(
    repo: Repo, support: Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    support.control.set_plan("333333333333", "basic")
    assert main(["catalogue", "refresh"]) == 1
    assert not (repo.root / "catalogue").exists()
    error = capsys.readouterr().err
    assert error.startswith(
        "catalogue refresh: SubscriptionRequiredException: AWS Premium Support Subscription is required"
    )
    assert "refresh-test-secret" not in error
