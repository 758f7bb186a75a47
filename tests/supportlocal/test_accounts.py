"""Accounts from access key ids, support plans, and the open-case limit."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def code_of(call, **params) -> str:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"]


def test_the_account_comes_from_the_access_key_id(server, support, new_case):
    server.control.reset_calls()
    new_case(via=support(key_id="AKIA444455556666XYZ"))
    support(key_id="testing").describe_severity_levels()
    assert [(c["operation"], c["account"]) for c in server.control.calls()] == [
        ("CreateCase", "444455556666"),
        ("DescribeSeverityLevels", "123456789012"),
    ]
    assert support("444455556666").describe_cases()["cases"][0]["caseId"].startswith("case-444455556666-")


@pytest.mark.parametrize("plan", ["basic", "developer"])
def test_without_business_support_every_call_needs_a_subscription(server, account, client, new_case, plan):
    case_id = new_case()
    server.control.set_plan(account, plan)
    calls = [
        (client.create_case, {"subject": "s", "communicationBody": "b"}),
        (client.describe_cases, {}),
        (client.add_communication_to_case, {"caseId": case_id, "communicationBody": "b"}),
        (client.describe_communications, {"caseId": case_id}),
        (client.add_attachments_to_set, {"attachments": [{"fileName": "f", "data": b"d"}]}),
        (client.describe_attachment, {"attachmentId": "attachment-x"}),
        (client.resolve_case, {"caseId": case_id}),
        (client.describe_services, {}),
        (client.describe_severity_levels, {}),
        (
            client.describe_supported_languages,
            {"issueType": "technical", "serviceCode": "x", "categoryCode": "y"},
        ),
        (
            client.describe_create_case_options,
            {"issueType": "technical", "serviceCode": "x", "language": "en", "categoryCode": "y"},
        ),
    ]
    for call, params in calls:
        assert code_of(call, **params) == "SubscriptionRequiredException"
    with pytest.raises(ClientError) as refused:
        client.describe_services()
    # S23: the message AWS answers.
    assert refused.value.response["Error"]["Message"] == (
        "AWS Premium Support Subscription is required to use this service."
    )
    # S4 (every operation's note): these plans include the Support API.
    for plan in ("business-support-plus", "unified-operations", "enterprise"):
        server.control.set_plan(account, plan)
        assert client.describe_cases()["cases"][0]["caseId"] == case_id


def test_the_open_case_limit(server, account, client, new_case):
    server.control.set_case_limit(account, 2)
    first, _ = new_case(), new_case()
    assert code_of(client.create_case, subject="third", communicationBody="b") == "CaseCreationLimitExceeded"
    client.resolve_case(caseId=first)
    new_case()
    server.control.set_case_limit(account, None)
    new_case()
    assert len(client.describe_cases()["cases"]) == 3
