"""The Support API quotas, per account, on by default (``--no-quotas`` or control ``set_quotas`` to change).

S27 (user guide, "Programming an AWS Support case", service quotas; also S20): "The maximum number
of AWS Support cases that you can create: 10 per hour" and "The maximum number of AWS Support API
operations that you can perform per second: 5".

- Operations per second: a token bucket per account holding ``calls_per_second`` tokens (at least
  one), refilled at that rate on the service clock (how AWS counts is not public; a bucket tolerates
  evenly paced callers). Beyond it: ``ThrottlingException`` "Throttle limit exceeded." (S26, a real
  DescribeCases answer), HTTP 400.
- Cases per hour: at most ``cases_per_hour`` cases created in the last 3,600 s of service time (a
  sliding window; whether AWS counts by clock hour is not public). Beyond it CreateCase answers
  ``CaseCreationLimitExceeded`` "Account has exceeded the limit of 10 cases per hour." (S25, 2026; S24
  shows an older wording).
- Attachment sets: the model documents ``AttachmentLimitExceeded`` as "the number of attachment sets
  created in a short period of time has been exceeded" (S4) without a number, so this quota is off
  unless ``attachment_sets_per_minute`` is set.
- DescribeAttachment: the model documents ``DescribeAttachmentLimitExceeded`` as "The limit for the
  number of DescribeAttachment requests in a short period of time has been exceeded" (S4), again
  without a number, so this quota is off unless ``describe_attachments_per_minute`` is set; it counts
  the account's DescribeAttachment calls of the last 60 s of service time (a sliding window, assumed).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass

from supportlocal.errors import SupportError
from supportlocal.state.store import Store

CALLS_PER_SECOND = 5.0
CASES_PER_HOUR = 10
HOUR = 3600.0
MINUTE = 60.0


@dataclass(frozen=True)
class QuotaPlan:
    """The quotas in force; None switches one off."""

    calls_per_second: float | None = CALLS_PER_SECOND
    cases_per_hour: int | None = CASES_PER_HOUR
    attachment_sets_per_minute: int | None = None
    describe_attachments_per_minute: int | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (isinstance(value, bool) or not value > 0):
                raise ValueError(f"{name} must be a positive number or null, not {value!r}")

    def as_dict(self) -> dict[str, float | int | None]:
        """The plan as JSON-ready data."""
        return asdict(self)


OFF = QuotaPlan(calls_per_second=None, cases_per_hour=None)


class Quotas:
    """The quota plan (in memory: a restart restores the command-line default) and the call buckets."""

    def __init__(self, plan: QuotaPlan) -> None:
        self._plan = plan
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # account -> (tokens, as of)
        self._reads: dict[str, deque[float]] = {}  # account -> times of its recent DescribeAttachment calls

    @property
    def plan(self) -> QuotaPlan:
        """The plan in force."""
        return self._plan

    def set(self, plan: QuotaPlan) -> None:
        """Replace the plan; every account's bucket starts full again."""
        with self._lock:
            self._plan = plan
            self._buckets.clear()
            self._reads.clear()

    def admit_call(self, account: str, now: float) -> None:
        """Take one operation from the account's bucket, or answer ThrottlingException."""
        rate = self._plan.calls_per_second
        if rate is None:
            return
        capacity = max(rate, 1.0)
        with self._lock:
            tokens, since = self._buckets.get(account, (capacity, now))
            tokens = min(capacity, tokens + max(0.0, now - since) * rate)
            if tokens < 1.0:
                self._buckets[account] = (tokens, now)
                raise SupportError("ThrottlingException", "Throttle limit exceeded.")
            self._buckets[account] = (tokens - 1.0, now)

    def check_case_creation(self, store: Store, account: str, now: float) -> None:
        """CaseCreationLimitExceeded once the account created ``cases_per_hour`` cases in the last hour."""
        limit = self._plan.cases_per_hour
        if limit is not None and store.cases_created_since(account, now - HOUR) >= limit:
            raise SupportError(
                "CaseCreationLimitExceeded", f"Account has exceeded the limit of {limit} cases per hour."
            )

    def check_attachment_set_creation(self, store: Store, account: str, now: float) -> None:
        """AttachmentLimitExceeded once ``attachment_sets_per_minute`` sets were created in a minute."""
        limit = self._plan.attachment_sets_per_minute
        if limit is not None and store.attachment_sets_created_since(account, now - MINUTE) >= limit:
            raise SupportError(
                "AttachmentLimitExceeded",
                "The limit for the number of attachment sets created in a short period of time "
                "has been exceeded.",
            )

    def admit_describe_attachment(self, account: str, now: float) -> None:
        """DescribeAttachmentLimitExceeded once ``describe_attachments_per_minute`` calls came in 60 s."""
        limit = self._plan.describe_attachments_per_minute
        if limit is None:
            return
        with self._lock:
            recent = self._reads.setdefault(account, deque())
            while recent and recent[0] <= now - MINUTE:
                recent.popleft()
            if len(recent) >= limit:
                raise SupportError(
                    "DescribeAttachmentLimitExceeded",
                    "The limit for the number of DescribeAttachment requests in a short period of time "
                    "has been exceeded.",
                )
            recent.append(now)
