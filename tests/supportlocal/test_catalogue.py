"""The catalogue: catalogue/aws-support.json served by DescribeServices, DescribeSeverityLevels,
DescribeSupportedLanguages and DescribeCreateCaseOptions, and checked by CreateCase."""

from __future__ import annotations

import json
import re

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from supportlocal.catalogue import DEFAULT_PATH
from supportlocal.launcher import running_server

SNAPSHOT = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_describe_services_answers_the_pinned_snapshot(client):
    services = client.describe_services()["services"]
    assert services == [
        {
            "code": entry["code"],
            "name": entry["name"],
            "categories": [{"code": c["code"], "name": c["name"]} for c in entry["categories"]],
        }
        for entry in SNAPSHOT["services"]
    ]
    # S5 lists 281 codes, S2 saw 278 in a 2022 run; service-limit-increase is left out (below).
    assert len(services) == 280
    assert SNAPSHOT["origin"] == "reference"


def test_every_entry_says_what_is_verified_and_where_it_was_seen():
    sources = set(SNAPSHOT["sources"])
    for entry in SNAPSHOT["services"]:
        assert entry["verified"]["code"] is True
        assert set(entry["sources"]) <= sources and entry["sources"]
        assert entry["categories"]
        for category in entry["categories"]:
            assert set(category["seenIn"]) <= sources
        if entry["verified"]["categories"]:
            assert all(category["seenIn"] for category in entry["categories"])
    complete = {e["code"] for e in SNAPSHOT["services"] if e["verified"]["categories"]}
    # Whole category lists seen in real DescribeServices answers: S1, S6, S7.
    assert complete == {"general-info", "amazon-virtual-private-cloud", "comprehend"}


@pytest.mark.parametrize(
    ("service", "category", "issue_type"),
    [
        ("account-management", "billing", "customer-service"),  # S9: aws-deployment-framework, AFT
        ("account-management", "other", "customer-service"),  # S10
        ("customer-account", "other-account-issues", "customer-service"),  # S8: aws-account-operator
        ("support-api", "other", "technical"),  # S11: CloudTrail record of a real CreateCase
        ("amazon-virtual-private-cloud", "vpn-solutions", "technical"),  # S6
        ("amazon-elastic-compute-cloud-linux", "instance-issue", "technical"),  # S16, S17
        ("general-info", "using-aws", "customer-service"),  # S1
        ("service-eks", "general-guidance", "technical"),  # S5 spells EKS service-eks; category assumed
    ],
)
def test_pairs_production_tools_send_to_aws_are_accepted(client, service, category, issue_type):
    case_id = client.create_case(
        subject="s", communicationBody="b", serviceCode=service, categoryCode=category, issueType=issue_type
    )["caseId"]
    case = client.describe_cases(caseIdList=[case_id])["cases"][0]
    assert (case["serviceCode"], case["categoryCode"]) == (service, category)


@pytest.mark.parametrize("code", ["amazon-elastic-kubernetes-service", "service-limit-increase"])
def test_codes_aws_does_not_offer_for_create_case_are_refused(client, code):
    with pytest.raises(ClientError) as failure:
        client.create_case(subject="s", communicationBody="b", serviceCode=code, categoryCode="other")
    assert failure.value.response["Error"]["Code"] == "ValidationException"
    assert client.describe_services(serviceCodeList=[code])["services"] == []


def test_no_service_limit_increase_because_create_case_cannot_request_one():
    # S4: the pinned botocore model's CreateCase documentation says so and points to Service Quotas.
    model = botocore.session.get_session().get_service_model("support")
    documentation = model.operation_model("CreateCase").documentation
    assert "doesn't support requesting service limit increases" in documentation
    assert "RequestServiceQuotaIncrease" in documentation
    codes = {c["code"] for e in SNAPSHOT["services"] for c in e["categories"]} | {
        e["code"] for e in SNAPSHOT["services"]
    }
    assert "service-limit-increase" not in codes
    assert [e["code"] for e in SNAPSHOT["excluded"]] == ["service-limit-increase"]


def test_general_info_has_the_categories_of_the_cli_example(client):
    [service] = client.describe_services(serviceCodeList=["general-info"], language="en")["services"]
    # S1: the AWS CLI describe-services example output.
    assert service["name"] == "General Info and Getting Started"
    assert [c["code"] for c in service["categories"]] == [
        "charges",
        "gdpr-queries",
        "reserved-instances",
        "resource",
        "using-aws",
        "free-tier",
        "security-and-compliance",
        "account-structure",
    ]


def test_dynamodb_is_there_by_its_name(client):
    # S12: "the Supported services list should contain a service with code amazon-dynamodb ... name DynamoDB".
    [service] = client.describe_services(serviceCodeList=["amazon-dynamodb"])["services"]
    assert service["name"] == "DynamoDB"


def test_severity_levels(client):
    levels = client.describe_severity_levels(language="en")["severityLevels"]
    # S3: the AWS CLI describe-severity-levels example.
    assert levels == [
        {"code": "low", "name": "Low"},
        {"code": "normal", "name": "Normal"},
        {"code": "high", "name": "High"},
        {"code": "urgent", "name": "Urgent"},
        {"code": "critical", "name": "Critical"},
    ]


def test_supported_languages_are_the_eight_documented(client):
    answer = client.describe_supported_languages(
        issueType="technical", serviceCode="amazon-dynamodb", categoryCode="general-guidance"
    )
    # S4: zh, en, ja, es, pt, fr, ko, tr (CaseDetails.language).
    assert [language["code"] for language in answer["supportedLanguages"]] == [
        "zh",
        "en",
        "ja",
        "es",
        "pt",
        "fr",
        "ko",
        "tr",
    ]
    assert all(language["language"] and language["display"] for language in answer["supportedLanguages"])


def test_create_case_options(client):
    answer = client.describe_create_case_options(
        issueType="technical", serviceCode="aws-lambda", language="fr", categoryCode="general-guidance"
    )
    assert answer["languageAvailability"] == "available"
    # S4: the type is one of chat, web and call; hours are 'HH:mm:ss.SSS'.
    assert {option["type"] for option in answer["communicationTypes"]} == {"web", "chat", "call"}
    for option in answer["communicationTypes"]:
        for hours in option["supportedHours"]:
            assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", hours["startTime"])
            assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", hours["endTime"])
    unknown = client.describe_create_case_options(
        issueType="technical", serviceCode="aws-lambda", language="xx", categoryCode="general-guidance"
    )
    assert (unknown["languageAvailability"], unknown["communicationTypes"]) == ("unavailable", [])


def test_options_for_an_unknown_service_or_foreign_category_are_refused(client):
    for service, category, code in [
        ("no-such", "other", "ValidationException"),
        ("aws-lambda", "vpn-solutions", "InvalidParameterValueException"),
    ]:
        with pytest.raises(ClientError) as failure:
            client.describe_supported_languages(
                issueType="technical", serviceCode=service, categoryCode=category
            )
        assert failure.value.response["Error"]["Code"] == code


def test_another_snapshot_can_be_served(tmp_path, monkeypatch):
    snapshot = {
        "services": [
            {
                "code": "team-service",
                "name": "Team Service",
                "categories": [{"code": "team-category", "name": "Team Category"}],
            }
        ],
        "severityLevels": [{"code": "low", "name": "Low"}],
        "languages": ["en"],
    }
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(snapshot))
    with running_server(tmp_path / "data", catalogue=path) as endpoint:
        client = _client(endpoint.url)
        assert client.describe_services()["services"] == snapshot["services"]
        case_id = client.create_case(
            subject="s", communicationBody="b", serviceCode="team-service", categoryCode="team-category"
        )["caseId"]
        assert client.describe_cases(caseIdList=[case_id])["cases"][0]["serviceCode"] == "team-service"
        with pytest.raises(ClientError) as refused:
            client.create_case(
                subject="s",
                communicationBody="b",
                serviceCode="team-service",
                categoryCode="team-category",
                severityCode="high",
            )
        assert "Invalid severity code: high" in refused.value.response["Error"]["Message"]


def test_a_file_that_is_not_a_snapshot_stops_the_start(tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text('{"services": 3}')
    with (
        pytest.raises(RuntimeError, match="not an AWS Support catalogue snapshot"),
        running_server(tmp_path / "data", catalogue=path, timeout=15),
    ):
        pass


def _client(url):
    return boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIA123456789012",
        aws_secret_access_key="local",
    )
