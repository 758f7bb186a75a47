"""Retention (24 months) and the 14-day reopen window, reached by ageing a case or moving the clock.

S4 (DescribeCases/DescribeCommunications, pinned botocore model; the live API reference agrees): "Case
data is available for 24 months after creation. If a case was created more than 24 months ago, a
request might return an error." (earlier text said 12 months). Which error is not public: supportlocal
answers CaseIdNotFound, as for an id the account never had.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from dateutil.relativedelta import relativedelta

from supportlocal.client import ControlError
from supportlocal.launcher import running_server

DAY = 86400.0


def seconds_of_months(months: int) -> float:
    """How many seconds ``months`` calendar months back from now span."""
    now = datetime.now(UTC)
    return (now - (now - relativedelta(months=months))).total_seconds()


def listed(client) -> list[str]:
    return [c["caseId"] for c in client.describe_cases(includeResolvedCases=True)["cases"]]


def error_of(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"], failure.value.response["Error"]["Message"]


def test_a_case_past_24_months_is_gone_from_every_call(server, client, new_case):
    old, kept = new_case(subject="old"), new_case(subject="kept")
    client.resolve_case(caseId=kept)
    server.control.age_case(old, seconds_of_months(24) - DAY)
    assert listed(client) == [kept, old]  # a day within retention: still answered
    before = server.control.now()
    server.control.age_case(old, 2 * DAY)
    assert server.control.now()[:16] == before[:16]  # ageing a case leaves the clock alone
    assert listed(client) == [kept]
    server.control.reset_calls()
    for call, params in (
        (client.describe_cases, {"caseIdList": [old]}),
        (client.describe_cases, {"caseIdList": [old, kept], "includeResolvedCases": True}),
        (client.describe_communications, {"caseId": old}),
        (client.add_communication_to_case, {"caseId": old, "communicationBody": "still there?"}),
        (client.resolve_case, {"caseId": old}),
    ):
        assert error_of(call, **params) == ("CaseIdNotFound", f"Invalid case ID: {old}")
    assert {c["outcome"] for c in server.control.calls()} == {"CaseIdNotFound"}
    assert (
        client.describe_cases(caseIdList=[kept], includeResolvedCases=True)["cases"][0]["subject"] == "kept"
    )


def test_the_clock_moves_every_case_past_retention(server, client, new_case):
    case_id = new_case()
    server.control.advance_clock(seconds_of_months(24) + DAY)
    assert case_id not in listed(client)
    assert error_of(client.describe_communications, caseId=case_id)[0] == "CaseIdNotFound"
    fresh = new_case()
    assert listed(client) == [fresh]


def test_a_case_aged_past_14_days_resolved_cannot_be_reopened(server, client, new_case):
    case_id = new_case()
    client.resolve_case(caseId=case_id)
    server.control.age_case(case_id, 14 * DAY + 60)
    # S19: "Support cases that have been in the resolved state for more than 14 days can't be reopened."
    # The error AWS answers is not public: supportlocal answers ValidationException and changes nothing.
    code, message = error_of(client.add_communication_to_case, caseId=case_id, communicationBody="again")
    assert (code, "more than 14 days ago" in message) == ("ValidationException", True)
    [case] = client.describe_cases(caseIdList=[case_id], includeResolvedCases=True)["cases"]
    assert case["status"] == "resolved"
    assert len(client.describe_communications(caseId=case_id)["communications"]) == 1


def test_ageing_moves_the_times_shown_back(server, client, new_case):
    case_id = new_case()
    shown = client.describe_cases(caseIdList=[case_id])["cases"][0]["timeCreated"]
    server.control.age_case(case_id, 3 * DAY + 0.25)
    case = client.describe_cases(caseIdList=[case_id])["cases"][0]
    moved = datetime.fromisoformat(shown) - datetime.fromisoformat(case["timeCreated"])
    assert moved.total_seconds() == 3 * DAY + 0.25
    assert case["recentCommunications"]["communications"][0]["timeCreated"] == case["timeCreated"]
    assert client.describe_cases(beforeTime=case["timeCreated"])["cases"][0]["caseId"] == case_id


@pytest.mark.parametrize(
    ("case_id", "seconds", "status"), [("case-404", 1, 404), (None, -1, 400), (None, "soon", 400)]
)
def test_bad_ageing_is_refused(server, new_case, case_id, seconds, status):
    with pytest.raises(ControlError) as refused:
        server.control.age_case(case_id or new_case(), seconds)
    assert refused.value.status == status


def test_the_older_12_month_figure_can_be_served(tmp_path, support, monkeypatch):
    # S30 (user guide, security-for-support-cases) and the earlier API reference: 12 months.
    with running_server(tmp_path, quotas=False, retention_months=12) as ours:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", ours.url)
        client = support()
        young, old = (
            client.create_case(subject="young", communicationBody="b")["caseId"],
            client.create_case(subject="old", communicationBody="b")["caseId"],
        )
        ours.control.age_case(young, seconds_of_months(12) - DAY)
        ours.control.age_case(old, seconds_of_months(12) + DAY)
        assert listed(client) == [young]
        assert error_of(client.describe_communications, caseId=old)[0] == "CaseIdNotFound"


@pytest.mark.parametrize("months", [0, -3])
def test_retention_is_a_positive_number_of_months(tmp_path, months):
    with (
        pytest.raises(RuntimeError, match="argument --retention-months"),
        running_server(tmp_path, timeout=15, retention_months=months),
    ):
        pass
