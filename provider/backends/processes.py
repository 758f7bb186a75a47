"""Pulumi engine processes on this machine, read from Linux's ``/proc``."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# The CLI and its plugins (pulumi-language-python, pulumi-resource-pulumi-python, ...), and the dynamic
# provider's Python module, as they appear among a process's first arguments.
_ENGINE_NAME = re.compile(r"^pulumi(-(language|resource|analyzer|converter|tool)-[\w.-]+)?$")
_DYNAMIC_PROVIDER = "pulumi.dynamic"
_PROC = Path("/proc")


@dataclass(frozen=True)
class EngineProcess:
    """A live process of the Pulumi engine."""

    pid: int
    command: str


def is_engine(argv: Sequence[str]) -> bool:
    """True when a process's arguments are those of a Pulumi engine process."""
    return any(_ENGINE_NAME.match(Path(arg).name) or arg == _DYNAMIC_PROVIDER for arg in argv[:4])


def _arguments(pid: int) -> list[str] | None:
    """The arguments of a live (not zombie) process; None when it ended, [] when unreadable."""
    proc = _PROC / str(pid)
    try:
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return None
    if state == "Z":
        return None
    try:
        return [part.decode(errors="replace") for part in (proc / "cmdline").read_bytes().split(b"\0")]
    except OSError:
        return []


def _working_directory(pid: int) -> Path | None:
    try:
        return (_PROC / str(pid) / "cwd").resolve(strict=True)
    except OSError:
        return None


def engine_processes(project: Path) -> list[EngineProcess]:
    """Live engine processes whose working directory is ``project`` (on a system without /proc the
    list is empty, and only a lock's own process can be checked)."""
    project = project.resolve()
    found = []
    pids = sorted(int(p.name) for p in _PROC.glob("[0-9]*")) if _PROC.is_dir() else []
    for pid in pids:
        if pid == os.getpid() or _working_directory(pid) != project:
            continue
        argv = _arguments(pid)
        if argv and is_engine(argv):
            found.append(EngineProcess(pid, " ".join(argv).strip()))
    return found


def engine_running(pid: int) -> bool:
    """True unless it is proven that no Pulumi engine process ``pid`` runs on this machine.

    Proven: no process has that pid, or ``/proc`` shows the one that has it is not a Pulumi process (a
    reused pid). A live process of another user (EPERM) counts as running, as Pulumi's own check does
    (pulumi/pulumi pkg/backend/diy/lock_process_unix.go, processAlive: "EPERM still proves existence").
    """
    if pid <= 0:
        return True  # no pid to check: not proven dead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not _PROC.is_dir():
        return True  # alive; without /proc, no way to tell a reused pid
    argv = _arguments(pid)
    if argv is None:
        return False  # ended, or a zombie
    return not argv or is_engine(argv)  # unreadable arguments: not proven to be another program
