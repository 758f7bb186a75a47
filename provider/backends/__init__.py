"""Where a stack's state lives: reading and removing the locks of a DIY backend (file, S3).

Pulumi's DIY backend keeps each lock as a JSON object under ``.pulumi/locks/`` of the backend's
bucket or directory (see :mod:`provider.backends.locks`). :func:`open_backend` gives the lock store of
a backend URL when this package can read that backend, None otherwise (Pulumi Cloud, Google Cloud
Storage, Azure Blob, PostgreSQL: their locks are only seen through the ``pulumi`` CLI).
"""

from __future__ import annotations

from urllib.parse import urlparse

from provider.backends.file import FileBackend
from provider.backends.locks import LockStore, StackLock
from provider.backends.s3 import S3Backend

__all__ = ["FileBackend", "LockStore", "S3Backend", "StackLock", "open_backend"]


def open_backend(url: str) -> LockStore | None:
    """The lock store of the backend at ``url`` (as ``pulumi whoami --json`` prints it), or None."""
    scheme = urlparse(url).scheme
    if scheme == "file":
        return FileBackend.from_url(url)
    if scheme == "s3":
        return S3Backend.from_url(url)
    return None
