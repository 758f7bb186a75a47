"""What AWS holds about cases, read in as few calls as the Support API allows and shared by every
resource operation of the provider process.

- :meth:`CaseBook.case` reads one case (status, severity, displayId, its 5 newest messages). The first
  read of a process goes by caseId (up to 100 reads that wait for the same call slot share one
  DescribeCases). From then on the book reads the account's cases page by page, 100 per call, newest
  first, until the wanted case is found: a ``refresh`` of 1,000 cases takes about ten calls. Which order
  DescribeCases lists cases in is not documented (the API reference is silent); supportlocal lists newest
  first, and a case the listing does not reach is read by its caseId, so the order only changes the
  cost, never the answer.
- :meth:`CaseBook.recent` lists, once per process, the cases created in the recovery window, resolved
  ones included: where a case opened by an interrupted run is found, and how many cases were created in
  the last hour (the quota of 10, S20).

Nothing is cached across processes, and a case written to is read afresh: a change at AWS between two
runs is always seen.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

from provider.aws.calls import SupportApi
from provider.aws.support_api import SupportApiError

BATCH = 100  # DescribeCases takes at most 100 caseIds (botocore model: caseIdList max 100) — S4
BY_ID_READS = 1  # reads of a process made by caseId before the book lists the account's cases instead
_LISTING = {"includeResolvedCases": True, "includeCommunications": True, "maxResults": BATCH}

Case = Mapping[str, Any]


class CaseBook:
    """One account's cases as AWS reports them, for one provider process; thread-safe."""

    def __init__(self, api: SupportApi) -> None:
        self._api = api
        self._lock = threading.Lock()
        self._listed: dict[str, Case] = {}
        self._listing: Iterator[dict[str, Any]] | None = None
        self._frontier = ""  # timeCreated of the oldest case listed so far
        self._exhausted = False
        self._reads = 0
        self._waiting: dict[str, Future[Case | None]] = {}
        self._leading = False
        self._recent: list[Case] | None = None
        self._opened: list[Case] = []  # cases this process opened, as far as it knows them
        self._claims = 0  # creates of this process under way, each holding a place in the hourly quota

    # --- one case ------------------------------------------------------------------------------------

    def case(self, case_id: str, created: str = "", *, fresh: bool = False) -> Case | None:
        """The case as AWS reports it now, or None when AWS shows no such case to this account.

        ``created`` (its timeCreated, when known) lets the listing stop early; ``fresh`` skips the
        listing (for a case this process has just written to)."""
        if not fresh:
            found = self._from_listing(case_id, created)
            if found is not None:
                return found
        return self._by_id(case_id)

    def forget(self, case_id: str) -> None:
        """The case was written to: the next read of it goes to AWS."""
        with self._lock:
            self._listed.pop(case_id, None)

    def by_display_id(self, display_id: str) -> Case | None:
        """The case with this displayId (DescribeCases filters by it: one call)."""
        cases = self._api.read(
            "find the case by its displayId",
            "describe_cases",
            displayId=display_id,
            includeResolvedCases=True,
            includeCommunications=True,
        ).get("cases", [])
        return cases[0] if cases else None

    def _from_listing(self, case_id: str, created: str) -> Case | None:
        with self._lock:
            self._reads += 1
            if case_id in self._listed:
                return self._listed[case_id]
            if self._reads <= BY_ID_READS and self._listing is None:
                return None
            while not self._exhausted and (not created or not self._frontier or self._frontier >= created):
                self._next_page()
                if case_id in self._listed:
                    return self._listed[case_id]
            return None

    def _next_page(self) -> None:
        if self._listing is None:
            self._listing = self._api.pages("read the account's cases", "describe_cases", "cases", **_LISTING)
        for _ in range(BATCH):
            case = next(self._listing, None)
            if case is None:
                self._exhausted = True
                return
            self._listed[str(case["caseId"])] = case
            created = str(case.get("timeCreated", ""))
            self._frontier = min(self._frontier, created) if self._frontier else created

    def _by_id(self, case_id: str) -> Case | None:
        """Read by caseId; callers waiting at the same time share one DescribeCases."""
        with self._lock:
            future = self._waiting.get(case_id)
            if future is None:
                future = self._waiting[case_id] = Future()
            lead = not self._leading
            self._leading = self._leading or lead
        if lead:
            self._lead()
        return future.result()

    def _lead(self) -> None:
        while True:
            try:
                self._api.turn()  # peers join the batch while this waits for the call slot
            except Exception as error:
                self._fail_all(error)
                return
            with self._lock:
                batch = dict(list(self._waiting.items())[:BATCH])
                for case_id in batch:
                    del self._waiting[case_id]
            try:
                found = self._read_ids(list(batch))
            except Exception as error:
                for future in batch.values():
                    future.set_exception(error)
            else:
                for case_id, future in batch.items():
                    future.set_result(found.get(case_id))
            with self._lock:
                if not self._waiting:
                    self._leading = False
                    return

    def _read_ids(self, case_ids: list[str], *, paced: bool = False) -> dict[str, Case]:
        """The cases AWS returns for ``case_ids``. DescribeCases answers CaseIdNotFound for a caseId it
        does not return (S4: the error of DescribeCases; a case past AWS's retention, or of another
        account); whether it then returns the others of a batch is not documented, so a batch that
        fails so is read again case by case."""
        try:
            cases = self._api.read(
                "read the cases",
                "describe_cases",
                paced=paced,
                caseIdList=case_ids,
                includeResolvedCases=True,
                includeCommunications=True,
            ).get("cases", [])
        except SupportApiError as error:
            if error.code != "CaseIdNotFound":
                raise
            if len(case_ids) == 1:
                return {}
            return {key: case for one in case_ids for key, case in self._read_ids([one], paced=True).items()}
        return {str(case["caseId"]): case for case in cases}

    def _fail_all(self, error: Exception) -> None:
        with self._lock:
            waiting, self._waiting, self._leading = self._waiting, {}, False
        for future in waiting.values():
            future.set_exception(error)

    # --- cases created lately ------------------------------------------------------------------------

    def recent(self, hours: int) -> list[Case]:
        """The cases created in the last ``hours`` before this process first asked (listed once)."""
        with self._lock:
            if self._recent is None:
                after = _iso(datetime.now(UTC) - timedelta(hours=hours))
                self._recent = list(
                    self._api.pages(
                        "look for cases opened by an interrupted run",
                        "describe_cases",
                        "cases",
                        afterTime=after,
                        **_LISTING,
                    )
                )
            return list(self._recent)

    def claim(self, hours: int, limit: int) -> str | None:
        """Claim a place among the ``limit`` cases an account may create per hour; None when claimed, else
        the timeCreated of the creation whose hour must pass first."""
        listed = self.recent(hours)
        now = datetime.now(UTC)
        cutoff = _iso(now - timedelta(hours=1))
        with self._lock:
            times = [str(case.get("timeCreated", "")) for case in [*listed, *self._opened]]
            counted = sorted([time for time in times if time >= cutoff] + [_iso(now)] * self._claims)
            if len(counted) >= limit:
                return counted[-limit]
            self._claims += 1
            return None

    def release(self) -> None:
        """A claimed create did not open a case."""
        with self._lock:
            self._claims -= 1

    def opened(self, case_id: str, subject: str, description: str) -> None:
        """A case this process opened (its claim becomes the case): found by a later create of the same
        process like a listed one, and counted towards the hourly quota."""
        now = _iso(datetime.now(UTC))
        first = {"body": description, "submittedBy": "", "timeCreated": now}
        case = {"caseId": case_id, "subject": subject, "timeCreated": now, "status": "unassigned"}
        with self._lock:
            self._claims -= 1
            self._opened.append({**case, "recentCommunications": {"communications": [first]}})

    def recent_and_opened(self, hours: int) -> list[Case]:
        """:meth:`recent`, and the cases this process opened since."""
        listed = self.recent(hours)
        with self._lock:
            return [*listed, *self._opened]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


_BOOKS: dict[int, CaseBook] = {}
_BOOKS_LOCK = threading.Lock()


def case_book(api: SupportApi) -> CaseBook:
    """The process's one book for this account."""
    with _BOOKS_LOCK:
        book = _BOOKS.get(id(api))
        if book is None:
            book = _BOOKS[id(api)] = CaseBook(api)
        return book
