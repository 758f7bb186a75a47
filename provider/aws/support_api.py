"""The boto3 shell: a Support API client for the configured partition, and errors people can act on.

Credentials come from the ordinary boto3 chain (environment, profile, role); they are never copied into
settings, state, logs or error messages. ``AWS_ENDPOINT_URL_SUPPORT`` is honoured by botocore itself,
which is how the project points at the local Support service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError

# The Support API is served from one region per partition.
SUPPORT_REGIONS: dict[str, str] = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}

_ADVICE: dict[str, str] = {
    "SubscriptionRequiredException": (
        "the AWS Support API needs a Business, Enterprise On-Ramp or Enterprise support plan on this "
        "account; upgrade the plan, or point AWS_ENDPOINT_URL_SUPPORT at supportlocal to practise"
    ),
    "CaseCreationLimitExceeded": (
        "this account has reached its limit of open support cases; resolve some cases, or ask AWS to raise "
        "the limit, then run again"
    ),
    "CaseIdNotFound": "AWS has no support case with that caseId visible to this account",
    "AttachmentSetSizeLimitExceeded": "an attachment is over the 5 MB AWS Support limit",
    "AttachmentLimitExceeded": "an attachment set can hold at most 3 attachments",
}


@dataclass(frozen=True)
class ApiSettings:
    """Where and as whom to call the Support API (stack config ``supportcases:*``)."""

    partition: str = "aws"
    profile: str | None = None
    role_arn: str | None = None
    max_attempts: int = 8  # per call, with botocore's adaptive retry mode (throttling, 5xx)

    def __post_init__(self) -> None:
        if self.partition not in SUPPORT_REGIONS:
            known = ", ".join(SUPPORT_REGIONS)
            raise SupportApiError(f"unknown partition {self.partition!r} in supportcases:partition ({known})")


class SupportApiError(Exception):
    """A Support API failure explained in words a case author can act on; ``code`` is AWS's error code."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def support_client(settings: ApiSettings) -> Any:
    """A botocore ``support`` client with adaptive retries, in the partition's Support region."""
    region = SUPPORT_REGIONS[settings.partition]
    session = boto3.Session(profile_name=settings.profile)
    if settings.role_arn:
        sts = session.client("sts", region_name=region)
        creds = sts.assume_role(RoleArn=settings.role_arn, RoleSessionName="support-cases-as-code")[
            "Credentials"
        ]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    config = Config(
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        user_agent_extra="support-cases-as-code",
    )
    return session.client("support", region_name=region, config=config)


def explain(error: Exception, doing: str) -> SupportApiError:
    """Turn a botocore error into a :class:`SupportApiError` that says what failed and what to do."""
    if isinstance(error, NoCredentialsError):
        return SupportApiError(f"{doing}: no AWS credentials found (set a profile, environment or role)")
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Unknown")
        message = error.response.get("Error", {}).get("Message", "")
        advice = _ADVICE.get(code)
        text = f"{doing}: {code}: {message}"
        return SupportApiError(f"{text} ({advice})" if advice else text, code)
    return SupportApiError(f"{doing}: {error}")
