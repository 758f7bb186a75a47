"""The boto3 shell: Support API clients for the configured partition and accounts, and errors people can
act on.

Credentials come from the ordinary boto3 chain (environment, profile, role); they are never copied into
settings, state, logs or error messages. ``AWS_ENDPOINT_URL_SUPPORT`` is honoured by botocore itself,
which is how the project points at the local Support service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from provider.aws.accounts import IMPLICIT_ALIAS, Account, Accounts, accounts_from_config
from provider.planning.quotas import CALLS_PER_SECOND, CASES_PER_HOUR

# The Support API is served from one region per partition (AWS Support API reference, "Endpoints").
SUPPORT_REGIONS: dict[str, str] = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}

# What each error means, from the error shapes' documentation in the pinned botocore model (S4).
_ADVICE: dict[str, str] = {
    "SubscriptionRequiredException": (
        "the AWS Support API needs a Business, Enterprise On-Ramp or Enterprise support plan on this "
        "account; upgrade the plan, or point AWS_ENDPOINT_URL_SUPPORT at supportlocal to practise"
    ),
    "CaseCreationLimitExceeded": (
        "the case creation limit for the account has been exceeded; wait, or resolve cases, then run again"
    ),
    "CaseIdNotFound": "AWS has no support case with that caseId visible to this account",
    "AttachmentSetSizeLimitExceeded": (
        "an attachment set holds at most three attachments of at most 5 MB each"
    ),
    "AttachmentLimitExceeded": (
        "too many attachment sets were created in a short time; wait a few minutes and run again"
    ),
    "ThrottlingException": (
        "more Support API calls per second than AWS allows; lower supportcases:callsPerSecond"
    ),
}

if TYPE_CHECKING:
    from provider.aws.sessions import Sessions

_SINGLE_ACCOUNT = Accounts((Account(IMPLICIT_ALIAS),), IMPLICIT_ALIAS)


@dataclass(frozen=True)
class ApiSettings:
    """Where and as whom to call the Support API, and how fast (stack config ``supportcases:*``)."""

    partition: str = "aws"
    accounts: Accounts = _SINGLE_ACCOUNT
    max_attempts: int = 8  # per read, with botocore's adaptive retry mode (throttling, 5xx)
    calls_per_second: float = CALLS_PER_SECOND  # per account, across the provider process
    cases_per_hour: int = CASES_PER_HOUR  # per account
    reference_trailer: bool = True  # end every body with its reference (provider.planning.reference)
    recovery_hours: int = 24 * 14  # how far back a case opened by an interrupted run is looked for

    # The stack config keys (``supportcases:<key>``) these settings are read from (docs/configuration.md).
    CONFIG_KEYS: ClassVar[tuple[str, ...]] = (
        "partition",
        "accounts",
        "defaultAccount",
        "profile",
        "roleArn",
        "maxAttempts",
        "callsPerSecond",
        "casesPerHour",
        "referenceTrailer",
        "recoveryHours",
    )

    def __post_init__(self) -> None:
        if self.partition not in SUPPORT_REGIONS:
            known = ", ".join(SUPPORT_REGIONS)
            raise SupportApiError(f"unknown partition {self.partition!r} in supportcases:partition ({known})")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ApiSettings:
        """The settings of a stack's ``supportcases:*`` config (keys without the namespace, values as
        Pulumi or ``pulumi config --json`` give them: numbers, booleans and the ``accounts`` object may be
        strings, as the engine hands a dynamic provider its configuration)."""
        defaults = cls()
        accounts = config.get("accounts")
        if isinstance(accounts, str):
            try:
                accounts = json.loads(accounts)
            except ValueError:
                raise SupportApiError("supportcases:accounts must be an object (YAML mapping)") from None
        return cls(
            partition=config.get("partition") or defaults.partition,
            accounts=accounts_from_config(
                accounts,
                config.get("defaultAccount"),
                profile=config.get("profile"),
                role_arn=config.get("roleArn"),
            ),
            max_attempts=int(config.get("maxAttempts") or defaults.max_attempts),
            calls_per_second=float(config.get("callsPerSecond") or defaults.calls_per_second),
            cases_per_hour=int(config.get("casesPerHour") or defaults.cases_per_hour),
            reference_trailer=_flag(
                config.get("referenceTrailer"), "referenceTrailer", defaults.reference_trailer
            ),
            recovery_hours=int(config.get("recoveryHours") or defaults.recovery_hours),
        )

    @property
    def region(self) -> str:
        """The partition's Support API region."""
        return SUPPORT_REGIONS[self.partition]


def _flag(value: Any, key: str, default: bool) -> bool:
    """A boolean stack config value (``true`` or ``false``, as ``pulumi.Config.get_bool`` takes)."""
    if value is None:
        return default
    text = str(value).lower()
    if text not in ("true", "false"):
        raise SupportApiError(f"supportcases:{key} must be true or false, not {value!r}")
    return text == "true"


class SupportApiError(Exception):
    """A Support API failure explained in words a case author can act on; ``code`` is AWS's error code."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Clients:
    """One account's Support clients: reads retried by botocore, writes sent once (see ``calls``)."""

    reader: Any
    writer: Any
    account: Account = field(compare=False)


def support_clients(
    settings: ApiSettings, alias: str | None = None, sessions: Sessions | None = None
) -> Clients:
    """The Support clients of one account (the default account when ``alias`` is None), from
    ``sessions`` (one boto3 session per account, reused) or a new session."""
    from botocore.config import Config

    from provider.aws.sessions import Sessions

    sessions = sessions or Sessions()
    account = settings.accounts.get(alias)
    agent = "support-cases-as-code"
    reads = Config(
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts}, user_agent_extra=agent
    )
    writes = Config(retries={"mode": "standard", "total_max_attempts": 1}, user_agent_extra=agent)
    return Clients(
        sessions.client(account, settings.region, "support", reads),
        sessions.client(account, settings.region, "support", writes),
        account,
    )


def explain(error: Exception, doing: str) -> SupportApiError:
    """Turn a botocore error into a :class:`SupportApiError` that says what failed and what to do."""
    from botocore.exceptions import ClientError, NoCredentialsError

    if isinstance(error, SupportApiError):
        return error
    if isinstance(error, NoCredentialsError):
        return SupportApiError(f"{doing}: no AWS credentials found (set a profile, environment or role)")
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "Unknown")
        message = error.response.get("Error", {}).get("Message", "")
        advice = _ADVICE.get(code)
        text = f"{doing}: {code}: {message}"
        return SupportApiError(f"{text} ({advice})" if advice else text, code)
    return SupportApiError(f"{doing}: {error}")
