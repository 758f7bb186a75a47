"""The DIY file backend (``file://``): a directory that gocloud.dev's fileblob stores objects in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from provider.backends.locks import BOOKKEEPING, StackLock, lock_folder

# fileblob keeps each object's attributes in a sidecar file named after it, hidden from listings
# (gocloud.dev v0.46 blob/fileblob/fileblob.go, attrsExt and ListPaged: "Skip the self-generated
# attribute files").
_ATTRS = ".attrs"


@dataclass(frozen=True)
class FileBackend:
    """A file backend rooted at ``root``."""

    root: Path

    @classmethod
    def from_url(cls, url: str) -> FileBackend:
        """The backend of ``file://PATH[?options]`` (``~`` expanded, as pulumi's massageBlobPath does)."""
        parsed = urlparse(url)
        return cls(Path(unquote(parsed.netloc + parsed.path)).expanduser())

    def describe(self) -> str:
        return f"file://{self.root}"

    def locks(self, project: str, stack: str) -> list[StackLock]:
        folder = self.root / lock_folder(project, stack)
        paths = sorted(p for p in folder.glob("*") if p.is_file() and not p.name.endswith(_ATTRS))
        return [StackLock.parse(str(path), _read(path)) for path in paths]

    def remove(self, lock: StackLock) -> None:
        path = Path(lock.key)
        path.unlink(missing_ok=True)
        Path(f"{path}{_ATTRS}").unlink(missing_ok=True)

    def repair(self, project: str, stack: str) -> list[str]:
        """Remove the stack's ``.attrs`` sidecars that a kill left unreadable; returns their names.

        fileblob writes each sidecar in place (truncate, then write) before renaming the object itself
        into place; a kill in between leaves it empty, and every later command fails with "failed to
        load checkpoint: EOF". A missing sidecar reads as defaults (content type and checksum, not used
        by Pulumi), so removing it is safe.
        """
        name = stack.rpartition("/")[2]
        patterns = (
            f"stacks/{project}/{name}.json*{_ATTRS}",
            f"history/{project}/{name}/*{_ATTRS}",
            f"backups/{project}/{name}/*{_ATTRS}",
            f"locks/*/{project}/{name}/*{_ATTRS}",
        )
        broken = []
        for pattern in patterns:
            for path in sorted((self.root / BOOKKEEPING).glob(pattern)):
                try:
                    json.loads(path.read_text(encoding="utf-8"))
                except ValueError:  # empty, cut short or not text
                    path.unlink()
                    broken.append(path.name)
        return broken


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
