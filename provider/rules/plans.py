"""Each account's support plan as its Support API showed it: ``catalogue/support-plans.json``.

``python -m provider plans refresh`` writes it from DescribeSeverityLevels, account by account, and the
team commits it like the catalogue. ``validate`` and ``plan`` then refuse, before any call, a severity an
account's plan does not offer and any case for an account without a Business plan.

What the severity levels tell of the plan (sources):

- "You must have a Business, Enterprise On-Ramp, or Enterprise Support plan to use the AWS Support API
  ... [otherwise] the SubscriptionRequiredException error message appears" (AWS Support API reference,
  DescribeSeverityLevels, https://docs.aws.amazon.com/awssupport/latest/APIReference/API_DescribeSeverityLevels.html).
  So a refresh answered SubscriptionRequiredException records an account on Basic or Developer.
- "The available values depend on the support plan for the account" (API reference, SeverityLevel,
  https://docs.aws.amazon.com/awssupport/latest/APIReference/API_SeverityLevel.html); the AWS Support
  User Guide, "Choosing a severity", gives Business-critical system down (``critical``) to Enterprise
  (and Enterprise On-Ramp, 30 minutes) only, Production system down (``urgent``) to Business and above.
  The user guide page itself is not in the reference material reachable here; its table is quoted from a
  copy (https://000009.awsstudygroup.com/3-manage-cases/3.2-select-severity/) that also lists AWS's newer
  plan names: Business Support+ up to urgent, Enterprise Support and Unified Operations with critical.
- DescribeSeverityLevels does not name the plan: the plan named here is the one the levels imply.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PLANS_FILE = "catalogue/support-plans.json"  # under the repository root, next to the catalogue
REFRESH = "python -m provider plans refresh"
NO_API = "Basic or Developer"  # SubscriptionRequiredException (see the module docstring)
_WITH_CRITICAL = "Enterprise On-Ramp, Enterprise or Unified Operations"
_UP_TO_URGENT = "Business or Business Support+"


def plan_of(levels: list[str] | None) -> str:
    """The plan that DescribeSeverityLevels' answer implies (None: SubscriptionRequiredException)."""
    if levels is None:
        return NO_API
    if "critical" in levels:
        return _WITH_CRITICAL
    if "urgent" in levels:
        return _UP_TO_URGENT
    return f"a plan offering {', '.join(levels) or 'no severity'}"


@dataclass(frozen=True)
class AccountPlan:
    """One account's entry: the severity codes its Support API offers, or None without the API."""

    alias: str
    levels: tuple[str, ...] | None
    plan: str
    origin: str

    @property
    def has_api(self) -> bool:
        """Whether the account may use the Support API at all (a Business plan or above)."""
        return self.levels is not None


@dataclass(frozen=True)
class SupportPlans:
    """Every account of ``catalogue/support-plans.json``, by alias, and the default account it names."""

    accounts: dict[str, AccountPlan]
    default: str | None


class PlansError(Exception):
    """The plans file exists but cannot be used."""


def find_plans(root: Path) -> SupportPlans | None:
    """The plans file of the repository at ``root``; None when there is none (nothing is checked)."""
    path = root / PLANS_FILE
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PlansError(f"cannot read {PLANS_FILE}: {error.strerror}") from None
    return _read(path, status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=8)
def _read(path: Path, _mtime: int, _size: int) -> SupportPlans:
    try:
        document = json.loads(path.read_bytes())
        accounts = {
            alias: AccountPlan(
                alias,
                None
                if entry["severityLevels"] is None
                else tuple(level["code"] for level in entry["severityLevels"]),
                str(entry["plan"]),
                str(entry.get("origin", "")),
            )
            for alias, entry in document["accounts"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PlansError(f"{PLANS_FILE} is not a support plans file ({error!r}); run `{REFRESH}`") from None
    return SupportPlans(accounts, document.get("defaultAccount"))


def entry(levels: list[dict[str, str]] | None, origin: str) -> dict[str, Any]:
    """One account's entry as written: the levels AWS answered (None: SubscriptionRequiredException)."""
    codes = None if levels is None else [level["code"] for level in levels]
    return {"plan": plan_of(codes), "severityLevels": levels, "origin": origin}
