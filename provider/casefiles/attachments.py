"""The files a case attaches: one resolution, checked by ``validate`` and again when they are read.

A path is relative to its case file. It names the file the file system reaches, symlinks followed,
which must be a regular file of at most 5 MB inside the repository that the repository lets a case
attach (``provider.casefiles.attachable``: never a credential, the version control's store or Pulumi's
state; in a git work tree a file git tracks; under the allowed folders). ``..`` right after a symlink is
refused: the file system then reads another file than the text says (``evidence/../x.txt``, with
``evidence`` a symlink to ``../logs/nov``, is ``logs/x.txt``, not ``cases/x.txt``), so the path a
reviewer reads would not be the file sent.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from provider.casefiles.attachable import Policy, PolicyError, denied, policy, private_key
from provider.casefiles.schema import Issue
from provider.casefiles.shown import printable
from provider.casefiles.yamlmarks import Pointer

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # S4 (AttachmentSetSizeLimitExceeded): 5 MB per attachment


class AttachmentError(ValueError):
    """An attachment that must not be read; the message is the one ``validate`` prints."""


def attachment_file(root: Path, source: str, attachment: str) -> Path:
    """The file that ``attachment``, written in the case file ``source`` (relative to the repository
    ``root``), names: resolved, and checked again now to be a regular file of at most 5 MB inside the
    repository, one the repository lets a case attach. Raises AttachmentError saying why not."""
    try:
        allowed = policy(root)
    except PolicyError as error:
        raise AttachmentError(f"{source}: {error}") from None
    path, problem = _resolve(root.resolve(), source, attachment, allowed)
    if problem:
        raise AttachmentError(f"{source}: {problem}")
    assert path is not None
    return path


def attachment_issues(
    spec: dict[str, Any], *, source: str, root: Path, allowed: Callable[[], Policy | None]
) -> list[Issue]:
    """Problems with the files ``spec`` attaches; entries that are not strings are the schema's business.
    ``allowed`` gives the repository's policy when there is something to check (None: it is broken,
    which is a problem of its own)."""
    written = list(_attachments(spec))
    if not written:
        return []
    base, rules = root.resolve(), allowed()
    return [
        Issue(pointer, problem)
        for pointer, path in written
        if (problem := _resolve(base, source, path, rules)[1])
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


def _resolve(root: Path, source: str, written: str, rules: Policy | None) -> tuple[Path | None, str | None]:
    """The file ``written`` names and None, or None and what is wrong with it (``root`` resolved)."""
    name = f"attachment '{printable(written)}'"
    if PurePosixPath(written).is_absolute() or written.startswith("~"):
        return None, f"{name} must be a path relative to the case file"
    if "\0" in written:
        return None, f"{name} holds a NUL character"
    as_written = Path(os.path.normpath(root / posixpath.dirname(source) / written))
    try:
        resolved = (root / posixpath.dirname(source) / written).resolve()
        read_as = as_written.resolve()
        for path in (resolved, read_as):
            if path.is_symlink():  # a loop: Python 3.13's resolve() returns it where 3.11 and 3.12 raise
                raise RuntimeError(f"Symlink loop from '{path}'")
    except (OSError, RuntimeError) as error:  # a symlink loop
        return None, f"{name} cannot be resolved: {error}"
    if not resolved.is_relative_to(root):
        return None, f"{name} resolves outside the repository (to {resolved})"
    if not as_written.is_relative_to(root):
        return None, f"{name} leaves the repository as written; write it without '..' after a symlink"
    if read_as != resolved:
        return None, (
            f"{name} has '..' after a symlink: it reads {_shown(resolved, root)}, not "
            f"{_shown(as_written, root)} as written; write the path without it"
        )
    for path in (as_written, resolved):
        reason = denied(PurePosixPath(path.relative_to(root).as_posix()))
        if reason:
            return None, f"{name} {reason}: it is never attached"
    path, problem = _checked_file(resolved, name)
    if problem:
        return None, problem
    rule = rules.problem(resolved) if rules else None
    if rule:
        return None, f"{name} {rule}"
    try:
        key = private_key(resolved)
    except OSError as error:
        return None, f"{name} cannot be read: {error.strerror}"
    return (None, f"{name} {key}: it is never attached") if key else (path, None)


def _checked_file(path: Path, name: str) -> tuple[Path | None, str | None]:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None, f"{name} does not exist"
    except OSError as error:
        return None, f"{name} cannot be read: {error.strerror}"
    if stat.S_ISDIR(status.st_mode):
        return None, f"{name} is a directory, not a file"
    if not stat.S_ISREG(status.st_mode):
        return None, f"{name} is not a regular file"
    size = status.st_size
    if size > MAX_ATTACHMENT_BYTES:
        return None, (
            f"{name} is {size:,} bytes, {size - MAX_ATTACHMENT_BYTES:,} over the 5 MB "
            f"({MAX_ATTACHMENT_BYTES:,} bytes) limit"
        )
    return path, None


def _shown(path: Path, root: Path) -> str:
    return f"'{printable(path.relative_to(root).as_posix())}'"
