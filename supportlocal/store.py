"""SQLite state under ``--data``: cases, communications, attachments, accounts, the clock, the call log.

One connection serves every request thread; ``transaction()`` holds a lock and an immediate SQLite
transaction, so concurrent requests never lose or double a write and a failed operation leaves
nothing behind. WAL journaling keeps each commit cheap and durable across restarts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from supportlocal.accounts import DEFAULT_PLAN

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY, plan TEXT NOT NULL, case_limit INTEGER);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY, display_id INTEGER NOT NULL UNIQUE, account_id TEXT NOT NULL,
    subject TEXT NOT NULL, status TEXT NOT NULL, service_code TEXT NOT NULL, category_code TEXT NOT NULL,
    severity_code TEXT NOT NULL, submitted_by TEXT NOT NULL, language TEXT NOT NULL,
    issue_type TEXT NOT NULL, cc_email_addresses TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS cases_by_account ON cases (account_id, created);
CREATE TABLE IF NOT EXISTS communications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL REFERENCES cases (case_id),
    body TEXT NOT NULL, submitted_by TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS communications_by_case ON communications (case_id, created);
CREATE TABLE IF NOT EXISTS attachment_sets (
    set_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attachments (
    attachment_id TEXT PRIMARY KEY, set_id TEXT NOT NULL REFERENCES attachment_sets (set_id),
    account_id TEXT NOT NULL, file_name TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS communication_attachments (
    communication_id INTEGER NOT NULL REFERENCES communications (id),
    attachment_id TEXT NOT NULL REFERENCES attachments (attachment_id));
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, account TEXT,
    case_id TEXT, time TEXT NOT NULL, outcome TEXT NOT NULL);
"""

FIRST_DISPLAY_ID = 170000000001


class Store:
    """The service's persistent state; call the data methods inside ``transaction()``."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            data_dir / "supportlocal.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic unit of work: committed on success, rolled back on any exception."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self._db.execute(sql, args).fetchall()

    # meta: the clock offset

    def get_meta(self, key: str, default: str) -> str:
        """A stored setting, or ``default``."""
        row = self._one("SELECT value FROM meta WHERE key = ?", key)
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # accounts

    def account(self, account_id: str) -> dict[str, Any]:
        """An account's plan and open-case limit (defaults for an account never configured)."""
        row = self._one("SELECT plan, case_limit FROM accounts WHERE account_id = ?", account_id)
        return dict(row) if row else {"plan": DEFAULT_PLAN, "case_limit": None}

    def update_account(self, account_id: str, **changes: Any) -> None:
        """Change an account's ``plan`` and/or ``case_limit``."""
        settings = self.account(account_id) | changes
        self._db.execute(
            "INSERT OR REPLACE INTO accounts (account_id, plan, case_limit) VALUES (?, ?, ?)",
            (account_id, settings["plan"], settings["case_limit"]),
        )

    # cases

    def next_display_id(self) -> int:
        """The next numeric display id (unique across all accounts)."""
        row = self._one("SELECT MAX(display_id) AS last FROM cases")
        return FIRST_DISPLAY_ID if row["last"] is None else row["last"] + 1

    def insert_case(self, case: dict[str, Any]) -> None:
        """Add a case (``cc_email_addresses`` as a list)."""
        row = case | {"cc_email_addresses": json.dumps(case["cc_email_addresses"])}
        columns = ", ".join(row)
        self._db.execute(
            f"INSERT INTO cases ({columns}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
        )

    def case(self, case_id: str, account_id: str | None = None) -> dict[str, Any] | None:
        """A case by id, only if it belongs to ``account_id`` when one is given."""
        row = self._one("SELECT * FROM cases WHERE case_id = ?", case_id)
        if row is None or (account_id is not None and row["account_id"] != account_id):
            return None
        return _case(row)

    def cases(
        self,
        account_id: str,
        *,
        display_id: str | None,
        after: float | None,
        before: float | None,
        include_resolved: bool,
    ) -> list[dict[str, Any]]:
        """An account's cases, newest first, filtered as DescribeCases does (without caseIdList)."""
        sql = "SELECT * FROM cases WHERE account_id = ?"
        args: list[Any] = [account_id]
        for clause, value in (
            ("CAST(display_id AS TEXT) = ?", display_id),
            ("created >= ?", after),
            ("created <= ?", before),
        ):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        if not include_resolved:
            sql += " AND status != 'resolved'"
        return [_case(row) for row in self._all(sql + " ORDER BY created DESC, display_id DESC", *args)]

    def open_case_count(self, account_id: str) -> int:
        """How many of the account's cases are not resolved."""
        row = self._one(
            "SELECT COUNT(*) AS n FROM cases WHERE account_id = ? AND status != 'resolved'", account_id
        )
        return int(row["n"])

    def update_case(self, case_id: str, column: str, value: str) -> None:
        """Set a case's ``status`` or ``severity_code``."""
        if column not in ("status", "severity_code"):
            raise ValueError(column)
        self._db.execute(f"UPDATE cases SET {column} = ? WHERE case_id = ?", (value, case_id))

    def set_cc_email_addresses(self, case_id: str, addresses: list[str]) -> None:
        """Replace a case's CC addresses."""
        self._db.execute(
            "UPDATE cases SET cc_email_addresses = ? WHERE case_id = ?", (json.dumps(addresses), case_id)
        )

    # communications

    def insert_communication(
        self, case_id: str, body: str, submitted_by: str, created: float, attachment_ids: list[str]
    ) -> None:
        """Add a communication to a case, with the given attachments."""
        cursor = self._db.execute(
            "INSERT INTO communications (case_id, body, submitted_by, created) VALUES (?, ?, ?, ?)",
            (case_id, body, submitted_by, created),
        )
        self._db.executemany(
            "INSERT INTO communication_attachments (communication_id, attachment_id) VALUES (?, ?)",
            [(cursor.lastrowid, attachment_id) for attachment_id in attachment_ids],
        )

    def communications(
        self, case_id: str, *, after: float | None = None, before: float | None = None
    ) -> list[dict[str, Any]]:
        """A case's communications, newest first, each with its ``attachments`` (id, file name)."""
        sql = "SELECT * FROM communications WHERE case_id = ?"
        args: list[Any] = [case_id]
        if after is not None:
            sql += " AND created >= ?"
            args.append(after)
        if before is not None:
            sql += " AND created <= ?"
            args.append(before)
        result = []
        for row in self._all(sql + " ORDER BY created DESC, id DESC", *args):
            attachments = self._all(
                "SELECT a.attachment_id, a.file_name FROM communication_attachments ca"
                " JOIN attachments a USING (attachment_id) WHERE ca.communication_id = ? ORDER BY ca.rowid",
                row["id"],
            )
            result.append(dict(row) | {"attachments": [dict(a) for a in attachments]})
        return result

    # attachments

    def insert_attachment_set(self, set_id: str, account_id: str, expires: float) -> None:
        """Create an empty attachment set."""
        self._db.execute(
            "INSERT INTO attachment_sets (set_id, account_id, expires) VALUES (?, ?, ?)",
            (set_id, account_id, expires),
        )

    def attachment_set(self, set_id: str, account_id: str) -> dict[str, Any] | None:
        """An account's attachment set with the ids of its attachments, in the order added."""
        row = self._one(
            "SELECT * FROM attachment_sets WHERE set_id = ? AND account_id = ?", set_id, account_id
        )
        if row is None:
            return None
        ids = self._all("SELECT attachment_id FROM attachments WHERE set_id = ? ORDER BY rowid", set_id)
        return dict(row) | {"attachment_ids": [r["attachment_id"] for r in ids]}

    def insert_attachment(
        self, attachment_id: str, set_id: str, account_id: str, file_name: str, data: bytes
    ) -> None:
        """Add an attachment to a set."""
        self._db.execute(
            "INSERT INTO attachments (attachment_id, set_id, account_id, file_name, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (attachment_id, set_id, account_id, file_name, data),
        )

    def attachment(self, attachment_id: str, account_id: str) -> dict[str, Any] | None:
        """An account's attachment: ``file_name`` and ``data``."""
        row = self._one(
            "SELECT file_name, data FROM attachments WHERE attachment_id = ? AND account_id = ?",
            attachment_id,
            account_id,
        )
        return dict(row) if row else None

    # call log

    def log_call(
        self, operation: str, account: str | None, case_id: str | None, time: str, outcome: str
    ) -> None:
        """Record one Support API call."""
        self._db.execute(
            "INSERT INTO calls (operation, account, case_id, time, outcome) VALUES (?, ?, ?, ?, ?)",
            (operation, account, case_id, time, outcome),
        )

    def calls(self) -> list[dict[str, Any]]:
        """The call log, oldest first, with the keys operation, account, caseId, time, outcome."""
        rows = self._all("SELECT operation, account, case_id AS caseId, time, outcome FROM calls ORDER BY id")
        return [dict(row) for row in rows]

    def clear_calls(self) -> None:
        """Empty the call log."""
        self._db.execute("DELETE FROM calls")


def _case(row: sqlite3.Row) -> dict[str, Any]:
    return dict(row) | {"cc_email_addresses": json.loads(row["cc_email_addresses"])}
