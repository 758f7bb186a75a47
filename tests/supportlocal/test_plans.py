"""Support plans per account: which severities DescribeSeverityLevels offers and CreateCase accepts.

S28 (AWS Support User Guide, "Choosing a severity"): low and normal on Developer, Business, Enterprise
On-Ramp and Enterprise; high and urgent on Business, Enterprise On-Ramp and Enterprise; critical on
Enterprise ("30 minutes for the Enterprise On-Ramp Support plan"). S29: the same for Business
Support+ (up to urgent), Enterprise Support and Unified Operations (critical).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from supportlocal.catalogue import DEFAULT_PATH
from supportlocal.client import ControlError
from supportlocal.launcher import Endpoint, running_server

UP_TO_URGENT = ["low", "normal", "high", "urgent"]
ALL_LEVELS = [*UP_TO_URGENT, "critical"]
BUSINESS, BASIC = "210000000001", "210000000002"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """A server started with two accounts' plans on its command line."""
    data = tmp_path_factory.mktemp("supportlocal")
    with running_server(data, quotas=False, plans={BUSINESS: "business", BASIC: "basic"}) as endpoint:
        yield endpoint


def error_of(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"], failure.value.response["Error"]["Message"]


def severity_codes(client) -> list[str]:
    return [level["code"] for level in client.describe_severity_levels()["severityLevels"]]


def test_an_account_never_set_is_on_enterprise_with_every_severity(server, client, account):
    assert server.control.account(account) == {
        "accountId": account,
        "plan": "enterprise",
        "caseLimit": None,
        "severityCodes": ALL_LEVELS,
    }
    assert client.describe_severity_levels()["severityLevels"][-1] == {"code": "critical", "name": "Critical"}
    assert severity_codes(client) == ALL_LEVELS


@pytest.mark.parametrize(
    ("plan", "codes"),
    [
        ("business", UP_TO_URGENT),
        ("business-support-plus", UP_TO_URGENT),
        ("enterprise-on-ramp", ALL_LEVELS),
        ("enterprise", ALL_LEVELS),
        ("unified-operations", ALL_LEVELS),
    ],
)
def test_each_plan_offers_its_severities(server, client, account, plan, codes):
    server.control.set_plan(account, plan)
    assert severity_codes(client) == codes
    assert server.control.account(account)["severityCodes"] == codes
    for code in codes:
        assert client.create_case(subject=code, communicationBody="b", severityCode=code)["caseId"]
    assert sorted(c["severityCode"] for c in client.describe_cases()["cases"]) == sorted(codes)


def test_a_severity_the_plan_lacks_is_refused_and_nothing_is_created(server, client, account):
    server.control.set_plan(account, "business")
    server.control.reset_calls()
    # The real code is not public (an assumption, as for a category the service lacks, S13).
    assert error_of(client.create_case, subject="Down", communicationBody="b", severityCode="critical") == (
        "InvalidParameterValueException",
        "Severity code 'critical' is not available for this account's support plan (business); "
        "available: low, normal, high, urgent",
    )
    assert client.describe_cases(includeResolvedCases=True)["cases"] == []
    assert [c["outcome"] for c in server.control.calls()] == ["InvalidParameterValueException", "ok"]
    # A code that is no severity at all stays a validation error.
    assert error_of(client.create_case, subject="s", communicationBody="b", severityCode="hgih")[0] == (
        "ValidationException"
    )
    server.control.set_plan(account, "enterprise")
    assert client.create_case(subject="Down", communicationBody="b", severityCode="critical")["caseId"]


def test_plans_set_at_start_and_kept_across_a_restart(server, support, tmp_path: Path, monkeypatch):
    assert severity_codes(support(BUSINESS)) == UP_TO_URGENT
    assert error_of(support(BASIC).describe_severity_levels) == (
        "SubscriptionRequiredException",
        "AWS Premium Support Subscription is required to use this service.",
    )
    with running_server(tmp_path, quotas=False, plans={BUSINESS: "developer"}) as first:
        first.control.set_plan(BASIC, "enterprise-on-ramp")
    with running_server(tmp_path, quotas=False) as second:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", second.url)
        assert error_of(support(BUSINESS).describe_cases)[0] == "SubscriptionRequiredException"
        assert severity_codes(support(BASIC)) == ALL_LEVELS
        assert second.control.account(BUSINESS) == {
            "accountId": BUSINESS,
            "plan": "developer",
            "caseLimit": None,
            "severityCodes": [],  # no Support API, so no level to offer through it
        }


@pytest.mark.parametrize(("account_id", "plan"), [("12345", "business"), (BUSINESS, "gold"), (BUSINESS, "")])
def test_a_bad_plan_option_stops_the_start(tmp_path: Path, account_id, plan):
    with (
        pytest.raises(RuntimeError, match=r"argument --plan: .* is not ACCOUNT=PLAN"),
        running_server(tmp_path, timeout=15, plans={account_id: plan}),
    ):
        pass


def test_a_plan_filters_the_served_catalogue(tmp_path: Path, support, monkeypatch):
    """The levels are the catalogue's that the plan offers: a plan never adds one the catalogue lacks."""
    snapshot = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    snapshot["severityLevels"] = [{"code": "low", "name": "Low"}, {"code": "critical", "name": "Critical"}]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(snapshot))
    with running_server(
        tmp_path / "data", quotas=False, catalogue=path, plans={BUSINESS: "business"}
    ) as ours:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", ours.url)
        assert severity_codes(support(BUSINESS)) == ["low"]
        assert severity_codes(support(BASIC)) == ["low", "critical"]  # never set: enterprise
        assert error_of(
            support(BUSINESS).create_case, subject="s", communicationBody="b", severityCode="high"
        )[0] == ("ValidationException")


def test_an_unknown_plan_is_refused_by_the_control_api(server, account):
    with pytest.raises(ControlError) as refused:
        server.control.set_plan(account, "platinum")
    assert (refused.value.status, refused.value.code) == (400, "ValidationException")
    assert server.control.account(account)["plan"] == "enterprise"
