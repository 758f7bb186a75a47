"""DescribeServices, DescribeSeverityLevels, DescribeSupportedLanguages, DescribeCreateCaseOptions."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_services_are_real_aws_codes_with_categories(client):
    services = {s["code"]: s for s in client.describe_services()["services"]}
    assert len(services) >= 30
    ec2 = services["amazon-elastic-compute-cloud-linux"]
    assert ec2["name"] == "Elastic Compute Cloud (EC2 - Linux)"
    assert {"code": "instance-issue", "name": "Instance Issue"} in ec2["categories"]
    for service in services.values():
        assert service["name"] and service["categories"]
        assert all(category["code"] and category["name"] for category in service["categories"])
    assert {"general-info", "amazon-simple-storage-service", "amazon-dynamodb", "aws-lambda"} <= set(services)


def test_services_can_be_filtered(client):
    answer = client.describe_services(serviceCodeList=["amazon-dynamodb", "aws-lambda"], language="en")
    assert sorted(s["code"] for s in answer["services"]) == ["amazon-dynamodb", "aws-lambda"]


def test_severity_levels(client):
    levels = client.describe_severity_levels(language="en")["severityLevels"]
    assert [level["code"] for level in levels] == ["low", "normal", "high", "urgent", "critical"]
    assert all(level["name"] for level in levels)


def test_supported_languages(client):
    answer = client.describe_supported_languages(
        issueType="technical", serviceCode="amazon-dynamodb", categoryCode="performance"
    )
    assert {language["code"] for language in answer["supportedLanguages"]} == {"en", "ja", "ko", "zh"}


def test_create_case_options(client):
    answer = client.describe_create_case_options(
        issueType="technical", serviceCode="aws-lambda", language="en", categoryCode="general-guidance"
    )
    assert answer["languageAvailability"] == "available"
    assert {option["type"] for option in answer["communicationTypes"]} == {"web", "chat", "phone"}
    unknown = client.describe_create_case_options(
        issueType="technical", serviceCode="aws-lambda", language="fr", categoryCode="general-guidance"
    )
    assert unknown["languageAvailability"] == "unavailable"


def test_options_for_an_unknown_service_are_refused(client):
    with pytest.raises(ClientError) as failure:
        client.describe_supported_languages(
            issueType="technical", serviceCode="no-such", categoryCode="other"
        )
    assert failure.value.response["Error"]["Code"] == "ValidationException"
