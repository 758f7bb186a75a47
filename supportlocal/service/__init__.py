"""The behaviour of the AWS Support operations, and of the support engineer's side for the control API.

Each operation runs in one store transaction, after AWS's own moves that came due (``lifecycle``:
auto-resolve on the service clock). The operations live in modules by concern: ``cases``,
``attachments``, ``uploads`` and ``options``; ``engineer`` is the AWS side; ``quotas`` the Support API
quotas. Nothing here knows about HTTP or JSON (that is ``supportlocal.web``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from supportlocal.accounts import require_api_plan
from supportlocal.catalogue import Catalogue
from supportlocal.errors import SupportError
from supportlocal.service import attachments, cases, engineer, lifecycle, options, uploads
from supportlocal.service.context import Context, Params, Result
from supportlocal.service.links import Links
from supportlocal.service.quotas import QuotaPlan, Quotas
from supportlocal.state.clock import Clock
from supportlocal.state.store import Store

Operation = Callable[[Context, str, Params], Result]
LINK_SECRET = "link_secret"


class SupportService:
    """The AWS Support operations over a store, a clock, a catalogue and the quotas."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        catalogue: Catalogue,
        quotas: QuotaPlan,
        retention_months: int = lifecycle.RETENTION_MONTHS,
    ) -> None:
        with store.transaction():
            secret = store.get_meta(LINK_SECRET, "")
            if not secret:
                secret = secrets.token_hex(32)
                store.set_meta(LINK_SECRET, secret)
        links = Links(bytes.fromhex(secret))
        self.context = Context(store, clock, catalogue, Quotas(quotas), links, retention_months)
        self.operations: dict[str, Operation] = (
            cases.OPERATIONS | attachments.OPERATIONS | uploads.OPERATIONS | options.OPERATIONS
        )
        self.implemented = frozenset(self.operations)

    @property
    def store(self) -> Store:
        """The persistent state."""
        return self.context.store

    @property
    def clock(self) -> Clock:
        """The service clock."""
        return self.context.clock

    @property
    def quotas(self) -> Quotas:
        """The Support API quotas."""
        return self.context.quotas

    def admit(self, account: str) -> None:
        """Count one Support API operation against the account's per-second quota."""
        self.quotas.admit_call(account, self.clock.now())

    def call(self, operation: str, account: str, params: Params) -> Result:
        """Run one operation for ``account`` after the plan and dry-run checks."""
        with self.store.transaction():
            lifecycle.auto_resolve(self.store, self.clock.now())
            require_api_plan(self.store.account(account)["plan"])
            if params.get("dryRun"):
                raise SupportError(
                    "DryRunOperationException", "Request would have succeeded, but DryRun flag is set."
                )
            return self.operations[operation](self.context, account, params)

    def put_part(self, upload_id: str, part_index: int, data: bytes) -> str:
        """Store an uploaded part (a PUT to its presigned URL); returns its ETag."""
        with self.store.transaction():
            return uploads.put_part(self.context, upload_id, part_index, data)

    def download(self, attachment_id: str) -> tuple[str, bytes] | None:
        """The file behind a download link: (file name, bytes), or None."""
        with self.store.transaction():
            return attachments.download(self.context, attachment_id)

    def account(self, account_id: str) -> dict[str, Any]:
        """An account's ``plan``, ``case_limit`` and the ``severity_codes`` its plan offers."""
        with self.store.transaction():
            levels = options.plan_severity_levels(self.context, account_id)
            return self.store.account(account_id) | {"severity_codes": [level["code"] for level in levels]}

    # the support engineer's side (control API)

    def reply(
        self,
        case_id: str,
        body: str,
        submitted_by: str | None = None,
        files: list[tuple[str, bytes]] | None = None,
        status: str | None = None,
    ) -> None:
        """A communication from AWS, optionally moving the case to ``status``."""
        with self.store.transaction():
            lifecycle.auto_resolve(self.store, self.clock.now())
            engineer.reply(self.context, case_id, body, submitted_by, files or [], status)

    def set_status(self, case_id: str, status: str) -> None:
        """Set a case's status (one of the model's)."""
        with self.store.transaction():
            lifecycle.auto_resolve(self.store, self.clock.now())
            engineer.set_status(self.context, case_id, status)

    def age_case(self, case_id: str, seconds: float) -> None:
        """Make a case ``seconds`` older (whole milliseconds) without moving the clock: every one of its
        times moves back, so auto-resolve, the 14-day rule and retention see it as that much older."""
        if seconds < 0:
            raise ValueError("a case only gets older")
        with self.store.transaction():
            case = self.context.case(None, case_id)
            self.store.backdate_case(case["case_id"], round(seconds * 1000))

    def set_severity(self, case_id: str, severity_code: str) -> None:
        """Set a case's severity code."""
        with self.store.transaction():
            engineer.set_severity(self.context, case_id, severity_code)
