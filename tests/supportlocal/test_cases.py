"""CreateCase, DescribeCases, ResolveCase, AddCommunicationToCase, DescribeCommunications."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def code_of(call, **params) -> str:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"]


def only_case(client, case_id, **params):
    return client.describe_cases(caseIdList=[case_id], includeResolvedCases=True, **params)["cases"][0]


def test_a_new_case_is_created_as_aws_documents(client, account, new_case):
    case_id = new_case(
        subject="Table throttled",
        serviceCode="amazon-dynamodb",
        categoryCode="general-guidance",
        severityCode="high",
        communicationBody="Since 10:00 UTC.",
        ccEmailAddresses=["ops@example.com"],
        language="ja",
        issueType="technical",
    )
    # S20, S11, S21: case-<12-digit account>-<4 lowercase letters>-<year>-<16 hex>
    # (case-111122223333-muen-2022-7118885805350839).
    assert re.fullmatch(rf"case-{account}-[a-z]{{4}}-20\d\d-[0-9a-f]{{16}}", case_id)
    case = only_case(client, case_id)
    # S19: "A new case begins in the Unassigned state"; S21: ResolveCase shows initialCaseStatus unassigned.
    assert case["status"] == "unassigned"
    # S20: displayIds are 10-digit numbers (1234563851).
    assert re.fullmatch(r"\d{10}", case["displayId"])
    assert (case["subject"], case["serviceCode"], case["categoryCode"], case["severityCode"]) == (
        "Table throttled",
        "amazon-dynamodb",
        "general-guidance",
        "high",
    )
    assert case["ccEmailAddresses"] == ["ops@example.com"]
    assert case["language"] == "ja"
    assert TIME.match(case["timeCreated"])
    assert case["submittedBy"].endswith(f"<admin@{account}.example.com>")
    [first] = case["recentCommunications"]["communications"]
    assert (first["body"], first["submittedBy"], first["caseId"]) == (
        "Since 10:00 UTC.",
        case["submittedBy"],
        case_id,
    )


def test_defaults_for_a_minimal_case(client, new_case):
    case = only_case(client, new_case())
    assert (case["severityCode"], case["language"], case["serviceCode"], case["categoryCode"]) == (
        "low",
        "en",
        "general-info",
        "using-aws",
    )


def test_an_unknown_service_code_is_a_validation_error(new_case):
    with pytest.raises(ClientError) as failure:
        new_case(serviceCode="INVALID-CODE")
    error = failure.value.response["Error"]
    # S12 (aws-sdk-js live test): ValidationException, "1 validation error detected: Value 'INVALID-CODE'
    # at 'serviceCode' failed to satisfy constraint".
    assert error["Code"] == "ValidationException"
    assert (
        "1 validation error detected: Value 'INVALID-CODE' at 'serviceCode' failed to satisfy constraint"
        in (error["Message"])
    )


def test_a_category_the_service_lacks_is_an_invalid_parameter(new_case):
    with pytest.raises(ClientError) as failure:
        new_case(serviceCode="amazon-dynamodb", categoryCode="category")
    error = failure.value.response["Error"]
    # S13 (aws-sdk-go smoke test): InvalidParameterValueException, message containing "Invalid category code".
    assert (error["Code"], "Invalid category code" in error["Message"]) == (
        "InvalidParameterValueException",
        True,
    )


@pytest.mark.parametrize("bad", [{"severityCode": "panic"}, {"language": "xx"}, {"issueType": "other"}])
def test_other_invalid_case_options_are_refused(new_case, bad):
    # The real error codes for these are not public; supportlocal answers ValidationException.
    with pytest.raises(ClientError) as failure:
        new_case(**bad)
    assert failure.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("language", ["zh", "en", "ja", "es", "pt", "fr", "ko", "tr"])
def test_every_documented_language_is_accepted(client, new_case, language):
    # S4: CaseDetails.language documents zh, en, ja, es, pt, fr, ko and tr.
    assert only_case(client, new_case(language=language))["language"] == language


def test_display_ids_are_distinct_and_numeric(client, new_case):
    ids = [only_case(client, new_case())["displayId"] for _ in range(3)]
    # S4: "This is a numeric string"; S20: 10 digits.
    assert len(set(ids)) == 3 and all(re.fullmatch(r"\d{10}", i) for i in ids)


def test_a_case_not_waiting_on_the_customer_never_changes_by_itself(server, client, new_case):
    case_id = new_case(severityCode="urgent")
    server.control.advance_clock(30 * 86400)
    seen = {(c["status"], c["severityCode"]) for c in (only_case(client, case_id) for _ in range(5))}
    assert seen == {("unassigned", "urgent")}


def test_resolve_hides_the_case_unless_resolved_cases_are_included(client, new_case):
    kept, resolved = new_case(), new_case()
    assert client.resolve_case(caseId=resolved) | {"ResponseMetadata": None} == {
        "initialCaseStatus": "unassigned",
        "finalCaseStatus": "resolved",
        "ResponseMetadata": None,
    }
    assert [c["caseId"] for c in client.describe_cases()["cases"]] == [kept]
    listed = client.describe_cases(includeResolvedCases=True)["cases"]
    assert {c["caseId"]: c["status"] for c in listed} == {kept: "unassigned", resolved: "resolved"}
    again = client.resolve_case(caseId=resolved)
    assert (again["initialCaseStatus"], again["finalCaseStatus"]) == ("resolved", "resolved")
    assert client.describe_cases(caseIdList=[resolved])["cases"] == []


def test_filters_by_case_ids_and_display_id(client, new_case):
    first, second, _third = new_case(), new_case(), new_case()
    listed = client.describe_cases(caseIdList=[first, second])["cases"]
    assert {c["caseId"] for c in listed} == {first, second}
    display_id = only_case(client, second)["displayId"]
    assert [c["caseId"] for c in client.describe_cases(displayId=display_id)["cases"]] == [second]
    assert code_of(client.describe_cases, caseIdList=[first, "case-000000000000-2026-0000000000000000"]) == (
        "CaseIdNotFound"
    )


def test_filters_by_time_with_the_controllable_clock(server, client, new_case):
    early = new_case()
    server.control.advance_clock(3600)
    middle = datetime.fromisoformat(server.control.now()) - timedelta(seconds=1)
    late = new_case()
    after = client.describe_cases(afterTime=middle.isoformat())["cases"]
    before = client.describe_cases(beforeTime=middle.isoformat())["cases"]
    assert [c["caseId"] for c in after] == [late]
    assert [c["caseId"] for c in before] == [early]
    created = datetime.fromisoformat(only_case(client, late)["timeCreated"])
    assert created > datetime.now(UTC) + timedelta(seconds=3000)


def test_pagination_covers_every_case_once_newest_first(client, new_case):
    created = [new_case(subject=f"case {i}") for i in range(23)]
    pages = []
    token = None
    while True:
        params = {"maxResults": 10, "includeCommunications": False} | ({"nextToken": token} if token else {})
        page = client.describe_cases(**params)
        pages.append([c["caseId"] for c in page["cases"]])
        token = page.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [10, 10, 3]
    assert [case_id for page in pages for case_id in page] == list(reversed(created))
    assert "recentCommunications" not in client.describe_cases(includeCommunications=False)["cases"][0]
    assert code_of(client.describe_cases, nextToken="garbage") == "ValidationException"


def test_recent_communications_are_the_five_newest(server, client, new_case):
    case_id = new_case(communicationBody="message 0")
    for index in range(1, 7):
        server.control.advance_clock(1)
        client.add_communication_to_case(caseId=case_id, communicationBody=f"message {index}")
    recent = only_case(client, case_id)["recentCommunications"]
    assert [c["body"] for c in recent["communications"]] == [f"message {i}" for i in range(6, 1, -1)]
    assert recent["nextToken"]


def test_cases_of_another_account_are_invisible(support, client, new_case):
    mine = new_case()
    other = support("987600001234")
    assert other.describe_cases(includeResolvedCases=True)["cases"] == []
    for call, params in [
        (other.describe_cases, {"caseIdList": [mine]}),
        (other.describe_communications, {"caseId": mine}),
        (other.add_communication_to_case, {"caseId": mine, "communicationBody": "hi"}),
        (other.resolve_case, {"caseId": mine}),
    ]:
        assert code_of(call, **params) == "CaseIdNotFound"
    assert only_case(client, mine)["status"] == "unassigned"


def test_unknown_cases_are_not_found(client):
    missing = "case-123456789012-2026-0123456789abcdef"
    assert code_of(client.resolve_case, caseId=missing) == "CaseIdNotFound"
    assert code_of(client.resolve_case) == "CaseIdNotFound"
    assert (
        code_of(client.add_communication_to_case, caseId=missing, communicationBody="x") == "CaseIdNotFound"
    )
    assert code_of(client.describe_communications, caseId=missing) == "CaseIdNotFound"


def test_a_customer_message_reopens_a_resolved_case(client, new_case):
    case_id = new_case()
    client.resolve_case(caseId=case_id)
    assert (
        client.add_communication_to_case(caseId=case_id, communicationBody="Still broken")["result"] is True
    )
    # S19 "Reopening a resolved case"; S4 lists reopened.
    assert only_case(client, case_id)["status"] == "reopened"
    assert [c["caseId"] for c in client.describe_cases()["cases"]] == [case_id]


def test_communications_are_newest_first_and_paginated(server, client, new_case):
    case_id = new_case(communicationBody="0")
    for index in range(1, 13):
        server.control.advance_clock(1)
        client.add_communication_to_case(caseId=case_id, communicationBody=str(index))
    first = client.describe_communications(caseId=case_id, maxResults=10)
    rest = client.describe_communications(caseId=case_id, maxResults=10, nextToken=first["nextToken"])
    assert [c["body"] for c in first["communications"]] == [str(i) for i in range(12, 2, -1)]
    assert [c["body"] for c in rest["communications"]] == ["2", "1", "0"]
    assert "nextToken" not in rest
    paged = [
        c["body"]
        for p in client.get_paginator("describe_communications").paginate(caseId=case_id)
        for c in p["communications"]
    ]
    assert paged == [str(i) for i in range(12, -1, -1)]


def test_communications_filter_by_time(server, client, new_case):
    case_id = new_case(communicationBody="old")
    server.control.advance_clock(600)
    cut = (datetime.fromisoformat(server.control.now()) - timedelta(seconds=1)).isoformat()
    client.add_communication_to_case(caseId=case_id, communicationBody="new")
    newer = client.describe_communications(caseId=case_id, afterTime=cut)["communications"]
    older = client.describe_communications(caseId=case_id, beforeTime=cut)["communications"]
    assert [c["body"] for c in newer] == ["new"]
    assert [c["body"] for c in older] == ["old"]
    assert (
        code_of(client.describe_communications, caseId=case_id, afterTime="yesterday")
        == "ValidationException"
    )


def test_an_aws_reply_shows_amazon_web_services(server, client, new_case):
    case_id = new_case()
    server.control.advance_clock(1)
    server.control.reply(case_id, "Please send the request ids.")
    server.control.advance_clock(1)
    server.control.reply(case_id, "Escalated.", submitted_by="Jane (AWS Support)")
    communications = client.describe_communications(caseId=case_id)["communications"]
    assert [(c["submittedBy"], c["body"]) for c in communications[:2]] == [
        ("Jane (AWS Support)", "Escalated."),
        ("Amazon Web Services", "Please send the request ids."),
    ]
    assert only_case(client, case_id)["status"] == "unassigned"


def test_cc_addresses_of_a_communication_join_the_case(client, new_case):
    case_id = new_case(ccEmailAddresses=["ops@example.com"])
    client.add_communication_to_case(
        caseId=case_id, communicationBody="cc", ccEmailAddresses=["ops@example.com", "dba@example.com"]
    )
    case = client.describe_cases(caseIdList=[case_id])["cases"][0]
    assert case["ccEmailAddresses"] == ["ops@example.com", "dba@example.com"]


def test_secrets_in_what_the_customer_sends_are_redacted(client, new_case):
    # S4 (CreateCase and AddCommunicationToCase documentation): AWS secret keys and private keys are
    # replaced completely, credit card numbers except their last 4 digits, by "[REDACTED_BY_Amazon Web
    # Services]". How AWS recognises them is not public; these are supportlocal's patterns.
    mark = "[REDACTED_BY_Amazon Web Services]"
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----"
    case_id = new_case(
        subject="Card 4111 1111 1111 1111 declined",
        communicationBody=f"secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and\n{key}\nend",
    )
    case = only_case(client, case_id)
    assert case["subject"] == f"Card {mark}-1111 declined"
    assert case["recentCommunications"]["communications"][0]["body"] == f"secret {mark} and\n{mark}\nend"
    kept = (
        "commit 3f786850e387550fdab836ed7e6dc881de23001b, account 123456789012, "
        "request 1234567890123 (not a card number: fails the Luhn check)"
    )
    client.add_communication_to_case(caseId=case_id, communicationBody=kept)
    assert client.describe_communications(caseId=case_id)["communications"][0]["body"] == kept
