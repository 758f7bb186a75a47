"""The Support API quotas, per account and on by default, and the switches that turn them off.

S27 (user guide, "Programming an AWS Support case", service quotas; also S20): 10 cases created per
hour and 5 AWS Support API operations per second.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from supportlocal.client import ControlError
from supportlocal.launcher import Endpoint, running_server

AWS_QUOTAS = {
    "calls_per_second": 5.0,
    "cases_per_hour": 10,
    "attachment_sets_per_minute": None,
    "describe_attachments_per_minute": None,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """A server started as a user starts it: quotas on."""
    with running_server(tmp_path_factory.mktemp("supportlocal")) as endpoint:
        yield endpoint


@pytest.fixture
def quotas(server: Endpoint) -> Iterator[Endpoint]:
    """The server; whatever a test sets, AWS's quotas are back afterwards."""
    try:
        yield server
    finally:
        server.control.set_quotas()


def error_of(call, **params) -> tuple[str, str]:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"], failure.value.response["Error"]["Message"]


def test_the_quotas_are_on_by_default(server):
    assert server.control.quotas() == AWS_QUOTAS


def test_more_than_five_operations_a_second_are_throttled(quotas, support, account):
    client = support(attempts=1)
    outcomes = []
    for _ in range(12):
        try:
            client.describe_severity_levels()
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
            # S26: what AWS Support answers when it throttles.
            assert error.response["Error"]["Message"] == "Throttle limit exceeded."
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert outcomes[:5] == ["ok"] * 5
    assert "ThrottlingException" in outcomes[5:]
    assert [c["outcome"] for c in quotas.control.calls() if c["account"] == account] == outcomes
    quotas.control.advance_clock(1)  # a second later the account may call 5 times again
    for _ in range(5):
        client.describe_severity_levels()


def test_each_account_has_its_own_operations_quota(quotas, support, account):
    busy, other = support(attempts=1), support("333344445555", attempts=1)
    with pytest.raises(ClientError):
        for _ in range(12):
            busy.describe_severity_levels()
    assert other.describe_severity_levels()["severityLevels"]


def test_the_eleventh_case_in_an_hour_is_refused(quotas, client, new_case):
    quotas.control.set_quotas(calls_per_second=None)
    created = [new_case(subject=f"case {i}") for i in range(10)]
    # S25 (2026) and S24 (2019): CreateCase answers CaseCreationLimitExceeded beyond 10 cases an hour.
    assert error_of(client.create_case, subject="eleventh", communicationBody="b") == (
        "CaseCreationLimitExceeded",
        "Account has exceeded the limit of 10 cases per hour.",
    )
    assert len(client.describe_cases(includeResolvedCases=True)["cases"]) == len(created)
    client.resolve_case(caseId=created[0])  # resolving does not give a new case back: the count is per hour
    assert (
        error_of(client.create_case, subject="eleventh", communicationBody="b")[0]
        == "CaseCreationLimitExceeded"
    )
    quotas.control.advance_clock(3601)
    assert new_case(subject="next hour")


def test_the_case_quota_counts_per_account(quotas, support, new_case):
    quotas.control.set_quotas(calls_per_second=None, cases_per_hour=1)
    first, second = support("444400001111"), support("444400002222")
    new_case(via=first)
    new_case(via=second)
    assert error_of(first.create_case, subject="s", communicationBody="b")[0] == "CaseCreationLimitExceeded"


def test_too_many_attachment_sets_in_a_short_time(quotas, client):
    # S4 (AttachmentLimitExceeded): "The limit for the number of attachment sets created in a short period
    # of time has been exceeded." The number is not public, so this quota is off unless set.
    quotas.control.set_quotas(calls_per_second=None, attachment_sets_per_minute=2)
    one = [{"fileName": "a.log", "data": b"a"}]
    set_id = client.add_attachments_to_set(attachments=one)["attachmentSetId"]
    client.add_attachments_to_set(attachments=one)
    code, message = error_of(client.add_attachments_to_set, attachments=one)
    assert code == "AttachmentLimitExceeded"
    assert "attachment sets created in a short period of time" in message
    client.add_attachments_to_set(attachmentSetId=set_id, attachments=one)  # adding to a set is no new set
    quotas.control.advance_clock(61)
    assert client.add_attachments_to_set(attachments=one)["attachmentSetId"]


def test_too_many_describe_attachment_calls_in_a_short_time(quotas, client, support):
    # S4 (DescribeAttachmentLimitExceeded): "The limit for the number of DescribeAttachment requests in a
    # short period of time has been exceeded." No number is public, so this quota is off unless set.
    set_id = client.add_attachments_to_set(attachments=[{"fileName": "a.log", "data": b"a"}])[
        "attachmentSetId"
    ]
    case_id = client.create_case(subject="s", communicationBody="b", attachmentSetId=set_id)["caseId"]
    [communication] = client.describe_communications(caseId=case_id)["communications"]
    attachment_id = communication["attachmentSet"][0]["attachmentId"]
    for _ in range(4):  # off by default: as many as the per-second quota lets through
        assert client.describe_attachment(attachmentId=attachment_id)["attachment"]["data"] == b"a"
    quotas.control.advance_clock(1)
    assert (
        quotas.control.set_quotas(calls_per_second=None, describe_attachments_per_minute=2)[
            "describe_attachments_per_minute"
        ]
        == 2
    )
    reader = support(attempts=1)
    reader.describe_attachment(attachmentId=attachment_id)
    reader.describe_attachment(attachmentId=attachment_id)
    assert error_of(reader.describe_attachment, attachmentId=attachment_id) == (
        "DescribeAttachmentLimitExceeded",
        "The limit for the number of DescribeAttachment requests in a short period of time "
        "has been exceeded.",
    )
    with pytest.raises(ClientError) as other:
        support("444400003333", attempts=1).describe_attachment(attachmentId=attachment_id)
    assert other.value.response["Error"]["Code"] == "AttachmentIdNotFound"  # past the quota: its own count
    assert client.describe_communications(caseId=case_id)["communications"]  # other operations still run
    quotas.control.advance_clock(61)
    assert reader.describe_attachment(attachmentId=attachment_id)["attachment"]["fileName"] == "a.log"


def test_quotas_switch_off_and_on_through_the_control_api(quotas, support):
    client = support(attempts=1)
    assert quotas.control.set_quotas(calls_per_second=None, cases_per_hour=None) == {
        "calls_per_second": None,
        "cases_per_hour": None,
        "attachment_sets_per_minute": None,
        "describe_attachments_per_minute": None,
    }
    for _ in range(20):
        client.describe_severity_levels()
    assert quotas.control.set_quotas() == AWS_QUOTAS


@pytest.mark.parametrize("bad", [{"calls_per_second": 0}, {"cases_per_hour": -1}])
def test_a_quota_must_be_positive_or_off(quotas, bad):
    with pytest.raises(ControlError) as refused:
        quotas.control.set_quotas(**bad)
    assert refused.value.status == 400


def test_no_quotas_switch(tmp_path, support, monkeypatch):
    with running_server(tmp_path, quotas=False) as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", endpoint.url)
        assert endpoint.control.quotas() == dict.fromkeys(AWS_QUOTAS)
        client = support(attempts=1)
        for index in range(12):
            client.create_case(subject=f"case {index}", communicationBody="b")
        assert {c["outcome"] for c in endpoint.control.calls()} == {"ok"}
