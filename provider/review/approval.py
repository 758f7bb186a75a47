"""Apply what was approved: ``pulumi up`` refuses, before any Support API call, a plan other than the
reviewed one.

A pipeline gives the fingerprint printed by ``python -m provider plan`` to ``pulumi up`` as the stack
config ``supportcases:approvedPlan`` or the environment variable ``SUPPORTCASES_APPROVED_PLAN``. The
program then plans the whole stack before it declares any resource: it reads the stack's state with
``pulumi stack export`` (the DIY backend does not lock exports, and no resource step has run yet, so
it is the state the update starts from), plans every case file and every removed file against it with
the same code as ``plan``, and stops the program when the fingerprints differ. Without either setting,
nothing is checked and nothing is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi

from provider.aws.support_api import ApiSettings
from provider.casefiles.loader import Case
from provider.review.stackplan import stack_plan
from provider.review.state import StateError, export_state

APPROVED_ENV = "SUPPORTCASES_APPROVED_PLAN"
APPROVED_CONFIG = "approvedPlan"  # supportcases:approvedPlan
_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")


class PlanNotApprovedError(pulumi.RunError):
    """The plan this run would carry out is not the approved one; nothing was sent (a clean exit)."""


def approved_fingerprint(configured: str | None, environ: Mapping[str, str]) -> str | None:
    """The approved fingerprint from stack config or environment; both set must agree."""
    from_env = environ.get(APPROVED_ENV) or None
    given = {value for value in (configured, from_env) if value}
    if len(given) > 1:
        raise PlanNotApprovedError(
            f"supportcases:{APPROVED_CONFIG} ({configured}) and {APPROVED_ENV} ({from_env}) name different "
            "plans; set one of them"
        )
    approved = given.pop() if given else None
    if approved is not None and not _FINGERPRINT.fullmatch(approved):
        raise PlanNotApprovedError(
            f"{approved!r} is not a plan fingerprint (sha256: and 64 hex digits, as "
            "`python -m provider plan` prints it)"
        )
    return approved


def check_plan(
    cases: Sequence[Case],
    state: Mapping[str, Any],
    approved: str,
    root: Path,
    settings: ApiSettings,
    project_stack: str,
) -> str:
    """The fingerprint of the plan from ``state`` to ``cases`` (as :func:`stack_plan` makes it); raises
    when it is not ``approved``."""
    document = stack_plan(cases, state, settings, project_stack, root)
    found = document["fingerprint"]
    if found == approved:
        return found
    why = f"has fingerprint {found}" if found else "cannot be applied (an edit is refused)"
    raise PlanNotApprovedError(
        f"the plan `pulumi up` would carry out {why}, not the approved {approved}: the case files or the "
        "stack state changed since the plan was reviewed. Nothing was sent to AWS. Review the plan again "
        "(`python -m provider plan`) and approve its fingerprint."
    )


def require_approved_plan(cases: Sequence[Case], settings: ApiSettings) -> None:
    """In the Pulumi program, before any resource is declared: stop unless the plan is the approved one."""
    approved = approved_fingerprint(pulumi.Config("supportcases").get(APPROVED_CONFIG), os.environ)
    if approved is None:
        return
    try:
        state = export_state(f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}")
    except StateError as error:
        raise PlanNotApprovedError(f"cannot check the approved plan: {error}") from None
    check_plan(cases, state, approved, Path.cwd(), settings, f"{pulumi.get_project()}/{pulumi.get_stack()}")
    pulumi.log.info(f"the plan is the approved one ({approved})")
