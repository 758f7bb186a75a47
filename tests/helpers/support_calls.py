"""What supportlocal saw and holds, for the tests of killed runs and shared backends."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3

from supportlocal.launcher import Endpoint

READS = {"DescribeCases", "DescribeCommunications"}


def calls(endpoint: Endpoint) -> Counter[str]:
    """Every Support API call since the last reset, by operation."""
    return Counter(call["operation"] for call in endpoint.control.calls())


def sent(endpoint: Endpoint) -> Counter[str]:
    """The calls that change something at AWS."""
    return Counter({operation: n for operation, n in calls(endpoint).items() if operation not in READS})


def held_cases(endpoint: Endpoint, access_key: str) -> list[dict[str, Any]]:
    """Every case ``access_key``'s account holds, resolved ones included."""
    client = boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=endpoint.url,
        aws_access_key_id=access_key,
        aws_secret_access_key="test-secret",
    )
    return list(client.describe_cases(includeResolvedCases=True)["cases"])


def opened_subjects(endpoint: Endpoint, access_key: str) -> Counter[str]:
    """The subjects of every case ``access_key``'s account holds, resolved ones included."""
    return Counter(case["subject"] for case in held_cases(endpoint, access_key))
