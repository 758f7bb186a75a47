"""A DIY backend's stack locks: where Pulumi keeps them, what they say, and whether they are stale.

Pulumi v3.274.1, pkg/backend/diy/lock.go: ``Lock`` writes the object
``.pulumi/locks/<fully qualified stack>/<lock id>.json``, where the fully qualified stack of a
project-mode backend is ``organization/<project>/<stack>`` (backend.go, ``FullyQualifiedName``), holding
``{"pid": ..., "username": ..., "hostname": ..., "timestamp": ...}`` (``lockContent``: ``os.Getpid()``,
``user.Current().Username``, ``os.Hostname()``, ``time.Now()``). Every object in that folder other than
the caller's own is a lock held by someone else (``checkForLock``), and ``pulumi cancel`` deletes them
all (``CancelCurrentUpdate``). ``up``, ``refresh``, ``destroy``, ``import``, ``stack init``, ``stack
import``, ``stack rm`` and ``stack rename`` take the lock; ``preview`` and ``stack export`` do not
(backend.go: ``Preview`` has no ``Lock`` call).
"""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from provider.backends.processes import engine_running

#: The bookkeeping folder of a DIY backend (pulumi/pulumi sdk/go/common/workspace: BookkeepingDir).
BOOKKEEPING = ".pulumi"


def lock_folder(project: str, stack: str) -> str:
    """The folder, relative to the backend's root, of a project-mode stack's locks."""
    return f"{BOOKKEEPING}/locks/organization/{project}/{stack.rpartition('/')[2]}"


class Holder(Enum):
    """What can be proven about the process that took a lock."""

    RUNNING = "running"  # on this machine, a live Pulumi process
    DEAD = "dead"  # on this machine, and no Pulumi process has its pid: the lock is stale
    UNKNOWN = "unknown"  # another machine, or an unreadable lock: nothing can be proven


@dataclass(frozen=True)
class StackLock:
    """One lock object and who took it (``?`` for what it does not say)."""

    key: str
    pid: int
    username: str
    hostname: str
    timestamp: str

    @classmethod
    def parse(cls, key: str, content: bytes) -> StackLock:
        """The lock ``key`` holding ``content``; an unreadable one gets pid 0 (never proven stale)."""
        try:
            fields = json.loads(content)
        except ValueError:
            fields = {}
        if not isinstance(fields, dict):
            fields = {}
        pid = fields.get("pid")
        return cls(
            key=key,
            pid=pid if isinstance(pid, int) else 0,
            username=str(fields.get("username", "?")),
            hostname=str(fields.get("hostname", "?")),
            timestamp=str(fields.get("timestamp", "?")),
        )

    def holder(self) -> Holder:
        """Whether the lock's process still runs, as far as this machine can prove."""
        if self.pid <= 0 or self.hostname != socket.gethostname():
            return Holder.UNKNOWN
        return Holder.RUNNING if engine_running(self.pid) else Holder.DEAD

    def describe(self) -> str:
        taken = re.sub(r"\.\d+", "", self.timestamp)  # whole seconds, as pulumi's own message
        if self.pid <= 0:
            return f"an unreadable lock ({self.key})"
        return f"pulumi pid {self.pid} of {self.username}@{self.hostname} at {taken}"


class LockStore(Protocol):
    """A DIY backend whose lock objects this package can list and delete one by one."""

    def describe(self) -> str:
        """The backend, for messages (no credentials)."""
        ...

    def locks(self, project: str, stack: str) -> list[StackLock]:
        """Every lock of the stack, as Pulumi's ``checkForLock`` counts them."""
        ...

    def remove(self, lock: StackLock) -> None:
        """Delete exactly this lock object (no other lock, so never one taken since it was read)."""
        ...

    def repair(self, project: str, stack: str) -> list[str]:
        """Remove the stack's metadata objects that a kill left unreadable; returns their names."""
        ...
