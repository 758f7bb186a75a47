"""SQLite state under ``--data``: cases, messages, attachments, uploads, accounts, the clock, the call log.

One connection serves every request thread; ``transaction()`` holds a lock and an immediate SQLite
transaction, so concurrent requests never lose or double a write and a failed operation leaves
nothing behind. WAL journaling keeps each commit cheap and durable across restarts.

The schema carries a version (``PRAGMA user_version``); a directory written by an older supportlocal
is refused with a clear message rather than read wrongly.
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

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE accounts (account_id TEXT PRIMARY KEY, plan TEXT NOT NULL, case_limit INTEGER);
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY, display_id INTEGER NOT NULL UNIQUE, account_id TEXT NOT NULL,
    subject TEXT NOT NULL, status TEXT NOT NULL, status_changed REAL NOT NULL, resolved_at REAL,
    service_code TEXT NOT NULL, category_code TEXT NOT NULL, severity_code TEXT NOT NULL,
    submitted_by TEXT NOT NULL, language TEXT NOT NULL, issue_type TEXT NOT NULL,
    cc_email_addresses TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX cases_by_account ON cases (account_id, created);
CREATE INDEX cases_by_status ON cases (status, status_changed);
CREATE TABLE communications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL REFERENCES cases (case_id),
    body TEXT NOT NULL, submitted_by TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX communications_by_case ON communications (case_id, created);
CREATE TABLE attachment_sets (
    set_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX attachment_sets_by_account ON attachment_sets (account_id, created);
CREATE TABLE attachments (
    attachment_id TEXT PRIMARY KEY, set_id TEXT REFERENCES attachment_sets (set_id),
    account_id TEXT NOT NULL, file_name TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE communication_attachments (
    communication_id INTEGER NOT NULL REFERENCES communications (id),
    attachment_id TEXT NOT NULL REFERENCES attachments (attachment_id));
CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, file_name TEXT NOT NULL,
    size INTEGER NOT NULL, part_size INTEGER NOT NULL, total_parts INTEGER NOT NULL,
    created REAL NOT NULL, completed REAL, attachment_id TEXT REFERENCES attachments (attachment_id));
CREATE TABLE upload_parts (
    upload_id TEXT NOT NULL REFERENCES uploads (upload_id), part_index INTEGER NOT NULL,
    data BLOB NOT NULL, etag TEXT NOT NULL, reported INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (upload_id, part_index));
CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, account TEXT,
    case_id TEXT, time TEXT NOT NULL, outcome TEXT NOT NULL);
"""

# S20: displayIds are 10-digit numbers (``1234563851``); these count up from here across accounts.
FIRST_DISPLAY_ID = 1700000001


class Store:
    """The service's persistent state; call the data methods inside ``transaction()``."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / "supportlocal.sqlite3"
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        has_tables = self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
        if version == 0 and not has_tables:
            self._db.executescript(SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")
        elif version != SCHEMA_VERSION:
            self._db.close()
            raise RuntimeError(
                f"{path} was written by another supportlocal version (schema {version}, this one reads "
                f"{SCHEMA_VERSION}); remove {data_dir} or pass another --data"
            )

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

    def _count(self, sql: str, *args: Any) -> int:
        row = self._one(sql, *args)
        assert row is not None
        return int(row[0])

    # meta: the clock offset, the URL-signing secret

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
        return FIRST_DISPLAY_ID if row is None or row["last"] is None else row["last"] + 1

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
        language: str | None,
        include_resolved: bool,
        created_since: float,
    ) -> list[dict[str, Any]]:
        """An account's cases created at or after ``created_since``, newest first, filtered as DescribeCases
        does (without caseIdList)."""
        sql = "SELECT * FROM cases WHERE account_id = ? AND created >= ?"
        args: list[Any] = [account_id, created_since]
        for clause, value in (
            ("CAST(display_id AS TEXT) = ?", display_id),
            ("created >= ?", after),
            ("created <= ?", before),
            ("language = ?", language),
        ):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        if not include_resolved:
            sql += " AND status != 'resolved'"
        return [_case(row) for row in self._all(sql + " ORDER BY created DESC, display_id DESC", *args)]

    def open_case_count(self, account_id: str) -> int:
        """How many of the account's cases are not resolved."""
        return self._count(
            "SELECT COUNT(*) FROM cases WHERE account_id = ? AND status != 'resolved'", account_id
        )

    def cases_created_since(self, account_id: str, since: float) -> int:
        """How many cases the account created after ``since``."""
        return self._count(
            "SELECT COUNT(*) FROM cases WHERE account_id = ? AND created > ?", account_id, since
        )

    def set_status(self, case_id: str, status: str, now: float, resolved_at: float | None) -> None:
        """Set a case's status as of ``now``, with the time it was resolved (None unless resolved)."""
        self._db.execute(
            "UPDATE cases SET status = ?, status_changed = ?, resolved_at = ? WHERE case_id = ?",
            (status, now, resolved_at, case_id),
        )

    def resolve_stale(self, status: str, changed_before: float, wait: float) -> None:
        """Resolve every case still in ``status`` since before ``changed_before``, as of then + ``wait``."""
        self._db.execute(
            "UPDATE cases SET status = 'resolved', status_changed = status_changed + ?,"
            " resolved_at = status_changed + ? WHERE status = ? AND status_changed <= ?",
            (wait, wait, status, changed_before),
        )

    def backdate_case(self, case_id: str, milliseconds: int) -> None:
        """Move every time of a case (creation, status, resolution, its communications) that far back."""
        shift = "ROUND({0} * 1000 - ?) / 1000.0"
        self._db.execute(
            f"UPDATE cases SET created = {shift.format('created')},"
            f" status_changed = {shift.format('status_changed')},"
            f" resolved_at = {shift.format('resolved_at')} WHERE case_id = ?",
            (milliseconds, milliseconds, milliseconds, case_id),
        )
        self._db.execute(
            f"UPDATE communications SET created = {shift.format('created')} WHERE case_id = ?",
            (milliseconds, case_id),
        )

    def set_severity(self, case_id: str, severity_code: str) -> None:
        """Set a case's severity code."""
        self._db.execute("UPDATE cases SET severity_code = ? WHERE case_id = ?", (severity_code, case_id))

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
        """A case's communications, newest first, each with its ``attachments`` (id, file name, size)."""
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
                "SELECT a.attachment_id, a.file_name, LENGTH(a.data) AS size"
                " FROM communication_attachments ca JOIN attachments a USING (attachment_id)"
                " WHERE ca.communication_id = ? ORDER BY ca.rowid",
                row["id"],
            )
            result.append(dict(row) | {"attachments": [dict(a) for a in attachments]})
        return result

    # attachment sets and attachments

    def insert_attachment_set(self, set_id: str, account_id: str, created: float, expires: float) -> None:
        """Create an empty attachment set."""
        self._db.execute(
            "INSERT INTO attachment_sets (set_id, account_id, created, expires) VALUES (?, ?, ?, ?)",
            (set_id, account_id, created, expires),
        )

    def attachment_sets_created_since(self, account_id: str, since: float) -> int:
        """How many attachment sets the account created after ``since``."""
        return self._count(
            "SELECT COUNT(*) FROM attachment_sets WHERE account_id = ? AND created > ?", account_id, since
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
        self, attachment_id: str, set_id: str | None, account_id: str, file_name: str, data: bytes
    ) -> None:
        """Add an attachment, to a set or (an upload's file) to none."""
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

    def attachment_by_id(self, attachment_id: str) -> dict[str, Any] | None:
        """Any attachment: ``file_name`` and ``data`` (for a download link that was already signed)."""
        row = self._one("SELECT file_name, data FROM attachments WHERE attachment_id = ?", attachment_id)
        return dict(row) if row else None

    # multipart uploads

    def insert_upload(self, upload: dict[str, Any]) -> None:
        """Start an upload (upload_id, account_id, file_name, size, part_size, total_parts, created)."""
        columns = ", ".join(upload)
        self._db.execute(
            f"INSERT INTO uploads ({columns}) VALUES ({', '.join('?' * len(upload))})", tuple(upload.values())
        )

    def upload(self, upload_id: str, account_id: str | None = None) -> dict[str, Any] | None:
        """An upload with ``parts``: {part index: {"etag", "reported"}}; only the account's when given."""
        row = self._one("SELECT * FROM uploads WHERE upload_id = ?", upload_id)
        if row is None or (account_id is not None and row["account_id"] != account_id):
            return None
        parts = self._all(
            "SELECT part_index, etag, reported FROM upload_parts WHERE upload_id = ?", upload_id
        )
        return dict(row) | {
            "parts": {p["part_index"]: {"etag": p["etag"], "reported": bool(p["reported"])} for p in parts}
        }

    def put_part(self, upload_id: str, part_index: int, data: bytes, etag: str) -> None:
        """Store (or replace) one uploaded part."""
        self._db.execute(
            "INSERT OR REPLACE INTO upload_parts (upload_id, part_index, data, etag, reported)"
            " VALUES (?, ?, ?, ?, 0)",
            (upload_id, part_index, data, etag),
        )

    def report_parts(self, upload_id: str, part_indexes: list[int]) -> None:
        """Mark parts as reported by CompleteAttachmentUpload."""
        self._db.executemany(
            "UPDATE upload_parts SET reported = 1 WHERE upload_id = ? AND part_index = ?",
            [(upload_id, index) for index in part_indexes],
        )

    def assembled_upload(self, upload_id: str) -> bytes:
        """The file of an upload: its parts in order."""
        rows = self._all("SELECT data FROM upload_parts WHERE upload_id = ? ORDER BY part_index", upload_id)
        return b"".join(row["data"] for row in rows)

    def finish_upload(self, upload_id: str, completed: float, attachment_id: str) -> None:
        """Record that every part was reported at ``completed`` and the file became ``attachment_id``."""
        self._db.execute(
            "UPDATE uploads SET completed = ?, attachment_id = ? WHERE upload_id = ?",
            (completed, attachment_id, upload_id),
        )
        self._db.execute("DELETE FROM upload_parts WHERE upload_id = ?", (upload_id,))

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
