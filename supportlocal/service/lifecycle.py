"""A case's status: where it starts, what the customer's calls do to it, and what AWS does by itself.

- S4 (CaseDetails.status in the pinned botocore model) lists the statuses: ``all-open``,
  ``customer-action-completed``, ``opened``, ``pending-customer-action``, ``reopened``, ``resolved``,
  ``unassigned``, ``work-in-progress``. The support engineer may set any of them (control API).
- S19 (user guide, monitoring-your-case): "A new case begins in the Unassigned state"; S21 (CloudTrail
  example of ResolveCase: ``initialCaseStatus: unassigned``) agrees.
- S19: "If you don't respond to the case within a few days, AWS Support resolves the case
  automatically." How many days is not public: supportlocal resolves a case that has been
  ``pending-customer-action`` for ``AUTO_RESOLVE_AFTER`` (5 days, an assumption) of service time.
- S19: "Support cases that have been in the resolved state for more than 14 days can't be reopened."
  Which error AWS answers to AddCommunicationToCase then is not public: supportlocal answers
  ``ValidationException`` (an assumption) and the case stays resolved.
- Retention: S4 (DescribeCases and DescribeCommunications in the pinned botocore model, and the live API
  reference) "Case data is available for 24 months after creation. If a case was created more than 24
  months ago, a request might return an error." Older material says 12: the API reference before,
  S30 (user guide, security-for-support-cases: DescribeCases "You can view case details for up to 12
  months after the case was created") and S19 ("Case history": "up to 12 months after you create a
  case"). supportlocal keeps the current 24 calendar months (``RETENTION_MONTHS``; ``python -m
  supportlocal --retention-months 12`` serves the older figure): an older case is left out of
  DescribeCases, and every call naming it (DescribeCases caseIdList, DescribeCommunications,
  AddCommunicationToCase, ResolveCase) answers ``CaseIdNotFound``, as for an id the account never had
  (which error AWS gives is not public; "might return an error" is all it says).
- A customer communication on a ``pending-customer-action`` case makes it ``customer-action-completed``:
  public material does not describe this move; it is inferred from the status's name (assumption).
  On a ``resolved`` case it makes it ``reopened`` (S19, "Reopening a resolved case"). Other statuses stay.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from supportlocal.errors import validation_error
from supportlocal.state.store import Store

STATUSES = (
    "all-open",
    "customer-action-completed",
    "opened",
    "pending-customer-action",
    "reopened",
    "resolved",
    "unassigned",
    "work-in-progress",
)
NEW = "unassigned"
RESOLVED = "resolved"
WAITING_ON_CUSTOMER = "pending-customer-action"
DAY = 86400.0
AUTO_RESOLVE_AFTER = 5 * DAY
REOPEN_WINDOW = 14 * DAY
RETENTION_MONTHS = 24


def retained_since(now: float, months: int) -> float:
    """The creation time before which a case is past retention (``months`` calendar months before ``now``)."""
    return (datetime.fromtimestamp(now, UTC) - relativedelta(months=months)).timestamp()


def auto_resolve(store: Store, now: float) -> None:
    """AWS's own move: resolve every case that waited on the customer for ``AUTO_RESOLVE_AFTER``.

    Each is resolved as of the moment the wait ran out, so the 14-day reopen window counts from then.
    """
    store.resolve_stale(WAITING_ON_CUSTOMER, now - AUTO_RESOLVE_AFTER, AUTO_RESOLVE_AFTER)


def set_status(store: Store, case: dict[str, Any], status: str, now: float) -> None:
    """Move a case to ``status``; resolving keeps the first resolution time."""
    if status not in STATUSES:
        raise validation_error(f"Invalid status: {status}; valid statuses: {', '.join(STATUSES)}")
    resolved_at = None
    if status == RESOLVED:
        resolved_at = case["resolved_at"] if case["status"] == RESOLVED else now
    store.set_status(case["case_id"], status, now, resolved_at)


def after_customer_message(store: Store, case: dict[str, Any], now: float) -> None:
    """The status move a customer communication makes (see the module docstring)."""
    if case["status"] == RESOLVED:
        if now - case["resolved_at"] > REOPEN_WINDOW:
            raise validation_error(
                f"Case {case['case_id']} was resolved more than 14 days ago and can no longer be reopened; "
                "create a new case instead."
            )
        set_status(store, case, "reopened", now)
    elif case["status"] == WAITING_ON_CUSTOMER:
        set_status(store, case, "customer-action-completed", now)
