"""Accounts: which account a request belongs to, and what each account's support plan allows.

Mapping from credentials to account: the account id is the first run of 12 consecutive digits in
the request's access key id (taken from the SigV4 ``Authorization`` header). An access key id
without 12 consecutive digits (``testing``, ``AKIAIOSFODNN7EXAMPLE``...) belongs to the default
account ``123456789012``. So ``AKIA111111111111`` is account ``111111111111`` and
``AKIA222222222222XYZ`` is account ``222222222222``. The secret key is never checked nor kept.

As on AWS (S4, the note on every operation of the pinned botocore model), the Support API needs
Business Support+, Enterprise Support or Unified Operations, or where those are not offered yet
Business, Enterprise On-Ramp or Enterprise; on ``basic`` and ``developer`` every call answers
``SubscriptionRequiredException`` with the message AWS gives (S23).

Which severities a plan offers (S4, SeverityLevel: "The available values depend on the support plan
for the account"): S28 (user guide, "Choosing a severity") gives low and normal to Developer,
Business, Enterprise On-Ramp and Enterprise, high and urgent to Business, Enterprise On-Ramp and
Enterprise, and critical ("Business-critical system down") to Enterprise, "30 minutes for the
Enterprise On-Ramp Support plan". S29 (the same table for the plans of 2025) gives low..urgent to
Business Support+, Enterprise Support and Unified Operations, and critical to Enterprise Support and
Unified Operations. Developer offers no API, so its two levels never show.

An account never configured is on ``enterprise`` (all five levels, as supportlocal served before
plans had severities) with no open-case limit.
"""

from __future__ import annotations

import re

from supportlocal.errors import SupportError

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_PLAN = "enterprise"
_UP_TO_URGENT = frozenset({"low", "normal", "high", "urgent"})
_ALL_LEVELS = _UP_TO_URGENT | {"critical"}
# The severity codes each plan with the Support API offers (S28, S29; see the module docstring).
PLAN_SEVERITIES: dict[str, frozenset[str]] = {
    "business-support-plus": _UP_TO_URGENT,
    "enterprise": _ALL_LEVELS,
    "unified-operations": _ALL_LEVELS,
    "business": _UP_TO_URGENT,
    "enterprise-on-ramp": _ALL_LEVELS,
}
API_PLANS = tuple(PLAN_SEVERITIES)
PLANS = ("basic", "developer", *API_PLANS)
AWS_SUBMITTER = "Amazon Web Services"

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_ACCOUNT_DIGITS = re.compile(r"\d{12}")


def access_key_id(authorization: str | None) -> str | None:
    """The access key id of a SigV4 ``Authorization`` header, or None when the request is unsigned."""
    match = _CREDENTIAL.search(authorization or "")
    return match.group(1) if match else None


def account_for_access_key(key_id: str) -> str:
    """The account an access key id belongs to (see the module docstring)."""
    match = _ACCOUNT_DIGITS.search(key_id)
    return match.group(0) if match else DEFAULT_ACCOUNT


def account_for_request(authorization: str | None) -> str:
    """The calling account, or MissingAuthenticationTokenException for an unsigned request."""
    key_id = access_key_id(authorization)
    if key_id is None:
        raise SupportError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
    return account_for_access_key(key_id)


def plan_setting(value: str) -> tuple[str, str]:
    """``ACCOUNT=PLAN`` (``python -m supportlocal --plan``) as (account id, plan); ValueError otherwise."""
    account, _, plan = value.partition("=")
    if not re.fullmatch(r"\d{12}", account) or plan not in PLANS:
        raise ValueError(f"{value!r} is not ACCOUNT=PLAN (a 12-digit account; plans: {', '.join(PLANS)})")
    return account, plan


def require_api_plan(plan: str) -> None:
    """Refuse the call as AWS does when the plan does not include the Support API."""
    if plan not in API_PLANS:
        raise SupportError(
            "SubscriptionRequiredException",
            "AWS Premium Support Subscription is required to use this service.",
        )


def customer_submitter(account: str) -> str:
    """How AWS shows the customer who wrote a case or communication: IAM identity and e-mail."""
    return f"AdminRole (Role) <admin@{account}.example.com>"
