"""Checks on the files a case attaches: present, regular, small enough and inside the repository."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from provider.casefiles.schema import Issue
from provider.casefiles.yamlmarks import Pointer

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # the AWS Support limit per attachment


def attachment_path(source: str, attachment: str) -> str:
    """The repository-relative POSIX path of ``attachment`` as written in the case file ``source``."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), attachment))


def attachment_issues(spec: dict[str, Any], *, source: str, root: Path) -> list[Issue]:
    """Problems with the files ``spec`` attaches; entries that are not strings are the schema's business."""
    base = root.resolve()
    return [
        Issue(pointer, message)
        for pointer, written in _attachments(spec)
        if (message := _problem(written, base / source, base))
    ]


def _attachments(spec: dict[str, Any]) -> Iterator[tuple[Pointer, str]]:
    owners: list[tuple[Pointer, Any]] = [((), spec)]
    communications = spec.get("communications")
    if isinstance(communications, list):
        owners += [(("communications", index), item) for index, item in enumerate(communications)]
    for pointer, owner in owners:
        written = owner.get("attachments") if isinstance(owner, dict) else None
        if isinstance(written, list):
            for index, item in enumerate(written):
                if isinstance(item, str) and item:
                    yield (*pointer, "attachments", index), item


def _problem(written: str, case_file: Path, root: Path) -> str | None:
    name = f"attachment '{written}'"
    if PurePosixPath(written).is_absolute() or written.startswith("~"):
        return f"{name} must be a path relative to the case file"
    resolved = (case_file.parent / written).resolve()
    if not resolved.is_relative_to(root):
        return f"{name} resolves outside the repository (to {resolved})"
    if not resolved.exists():
        return f"{name} does not exist"
    if resolved.is_dir():
        return f"{name} is a directory, not a file"
    if not resolved.is_file():
        return f"{name} is not a regular file"
    size = resolved.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        return (
            f"{name} is {size:,} bytes, {size - MAX_ATTACHMENT_BYTES:,} over the 5 MB "
            f"({MAX_ATTACHMENT_BYTES:,} bytes) limit"
        )
    return None
