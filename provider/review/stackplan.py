"""The one way the stack's plan is made, for ``python -m provider plan`` and for the approval check of
``pulumi up`` alike: the case files planned against the stack state with the stack's settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from provider.aws.support_api import ApiSettings
from provider.casefiles.loader import Case
from provider.review.cases import review
from provider.review.document import plan_document
from provider.review.state import interrupted_creates, records_from_state


def stack_plan(
    cases: Sequence[Case],
    state: Mapping[str, Any],
    settings: ApiSettings,
    project_stack: str,
    root: Path,
    *,
    stack: str | None = None,
) -> dict[str, Any]:
    """The plan document from ``state`` to ``cases``; ``project_stack`` (``project/stack``) names the
    cases' reference trailers as the program does, unless the settings turn the trailer off."""
    key = project_stack if settings.reference_trailer else None
    plans = review(cases, records_from_state(state), key, settings.accounts, interrupted_creates(state))
    return plan_document(plans, root, stack=stack, settings=settings)
