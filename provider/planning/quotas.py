"""The AWS Support API's service quotas, which bound how fast and how much the provider may say.

Source (S20 in ../shared/reference/aws-support-catalogue.json): AWS Support user guide, "Programming an
AWS Support case" / service quotas: 10 support cases created per hour and 5 Support API operations per
second, per account. Both can be lowered in stack config (never raised past what AWS allows without
a quota increase of the account's own).
"""

from __future__ import annotations

CASES_PER_HOUR = 10  # S20: CreateCase, per account and hour
CALLS_PER_SECOND = 5.0  # S20: Support API operations, per account and second
