"""What every operation works with: the store, the clock, the catalogue, the quotas and the link signer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supportlocal.catalogue import Catalogue
from supportlocal.errors import case_not_found
from supportlocal.service import lifecycle
from supportlocal.service.links import Links
from supportlocal.service.quotas import Quotas
from supportlocal.state.clock import Clock
from supportlocal.state.store import Store

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """Shared by the operation modules; operations run inside ``store.transaction()``."""

    store: Store
    clock: Clock
    catalogue: Catalogue
    quotas: Quotas
    links: Links
    retention_months: int

    def retained_since(self) -> float:
        """The creation time before which a case is past retention (``lifecycle``)."""
        return lifecycle.retained_since(self.clock.now(), self.retention_months)

    def case(self, account: str | None, case_id: str | None) -> dict[str, Any]:
        """A case of ``account`` still within retention, or CaseIdNotFound; ``account=None`` (the AWS side,
        control API) finds any account's case of any age."""
        case = self.store.case(case_id, account) if case_id else None
        if case is None or (account is not None and case["created"] < self.retained_since()):
            raise case_not_found(case_id)
        return case
