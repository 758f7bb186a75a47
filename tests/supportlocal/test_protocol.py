"""The AWS JSON 1.1 surface: endpoint variable, routing, authentication, model-driven validation, errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

SIGNED = "AWS4-HMAC-SHA256 Credential=AKIA123412341234/20260101/us-east-1/support/aws4_request, Signature=0"


def raw(url: str, target: str, body: bytes, authorization: str | None = SIGNED) -> tuple[int, dict]:
    """POST a hand-made AWS JSON 1.1 request; return (status, JSON body)."""
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    if authorization:
        headers["Authorization"] = authorization
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def error_of(call, **params) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as failure:
        call(**params)
    response = failure.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_boto3_finds_the_server_through_the_service_endpoint_variable(server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", server.url)
    client = boto3.client(
        "support", region_name="us-east-1", aws_access_key_id="AKIA777700001111", aws_secret_access_key="s"
    )
    assert client.meta.endpoint_url == server.url
    assert client.describe_severity_levels()["severityLevels"][0]["code"] == "low"
    assert server.control.calls()[-1]["account"] == "777700001111"


def test_unknown_and_unimplemented_operations_answer_an_aws_error(server, client):
    status, body = raw(server.url, "AWSSupport_20130415.DeleteCase", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, body = raw(server.url, "SomethingElse.CreateCase", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    code, status, message = error_of(client.describe_trusted_advisor_checks, language="en")
    assert (code, status) == ("UnknownOperationException", 400)
    assert "DescribeTrustedAdvisorChecks" in message


def test_an_unsigned_request_is_refused(server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", server.url)
    client = boto3.client("support", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    assert error_of(client.describe_severity_levels)[:2] == ("MissingAuthenticationTokenException", 403)


def test_a_body_that_is_not_json_is_a_serialization_error(server):
    status, body = raw(server.url, "AWSSupport_20130415.DescribeCases", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")


@pytest.mark.parametrize(
    ("operation", "body", "mentions"),
    [
        ("CreateCase", {"communicationBody": "no subject"}, "subject"),
        ("DescribeCases", {"maxResults": "ten"}, "maxResults"),
        ("DescribeCases", {"maxResults": 9}, "maxResults"),
        ("DescribeCommunications", {}, "caseId"),
        ("AddCommunicationToCase", {"caseId": "case-1", "communicationBody": ""}, "communicationBody"),
        ("AddAttachmentsToSet", {"attachments": [{"fileName": "a", "data": 5}]}, "data"),
        (
            "DescribeSupportedLanguages",
            {"issueType": "tech", "serviceCode": "x", "categoryCode": "y"},
            "issueType",
        ),
    ],
)
def test_the_service_model_validates_requests_that_boto3_would_not_send(server, operation, body, mentions):
    status, answer = raw(server.url, f"AWSSupport_20130415.{operation}", json.dumps(body).encode())
    assert (status, answer["__type"]) == (400, "ValidationException")
    assert mentions in answer["message"]


def test_model_limits_that_boto3_leaves_to_the_service(client, new_case):
    case_id = new_case()
    too_long = "x" * 8001
    for call, params, member in [
        (client.create_case, {"subject": "s", "communicationBody": too_long}, "communicationBody"),
        (
            client.add_communication_to_case,
            {"caseId": case_id, "communicationBody": too_long},
            "communicationBody",
        ),
        (client.describe_cases, {"maxResults": 101}, "maxResults"),
        (client.describe_communications, {"caseId": case_id, "maxResults": 1000}, "maxResults"),
        (client.describe_cases, {"caseIdList": [case_id] * 101}, "caseIdList"),
        (
            client.create_case,
            {
                "subject": "s",
                "communicationBody": "b",
                "ccEmailAddresses": [f"u{i}@example.com" for i in range(11)],
            },
            "ccEmailAddresses",
        ),
    ]:
        code, status, message = error_of(call, **params)
        assert (code, status) == ("ValidationException", 400)
        assert member in message
    exactly = new_case(
        communicationBody="y" * 8000, ccEmailAddresses=[f"u{i}@example.com" for i in range(10)]
    )
    case = client.describe_cases(caseIdList=[exactly])["cases"][0]
    assert len(case["ccEmailAddresses"]) == 10
    assert len(case["recentCommunications"]["communications"][0]["body"]) == 8000
    assert client.describe_cases(maxResults=10, caseIdList=[case_id] * 100)["cases"][0]["caseId"] == case_id


def test_dry_run_checks_without_doing(client):
    code, _, _ = error_of(client.create_case, subject="s", communicationBody="b", dryRun=True)
    assert code == "DryRunOperationException"
    assert client.describe_cases(includeResolvedCases=True)["cases"] == []


def test_errors_are_aws_shaped(server, client):
    status, body = raw(
        server.url, "AWSSupport_20130415.DescribeCommunications", json.dumps({"caseId": "case-nope"}).encode()
    )
    assert status == 400
    assert set(body) == {"__type", "message"}
    assert body["__type"] == "CaseIdNotFound"
    assert error_of(client.describe_communications, caseId="case-nope")[0] == "CaseIdNotFound"
