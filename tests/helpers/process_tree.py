"""Kill a whole process tree at once, as a cancelled CI job or an out-of-memory kill does (Linux).

``pulumi`` starts each plugin (the language host, the dynamic-provider launcher) in a process group of
its own, so killing the CLI's process group leaves them running. :func:`kill_tree` therefore freezes
every descendant first (SIGSTOP: a stopped process cannot fork), then sends SIGKILL to all of them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (not ``pid`` itself)."""
    children = _children()
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal(pids: set[int], signum: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
            os.kill(pid, signum)


def freeze_tree(pid: int) -> set[int]:
    """SIGSTOP ``pid`` and every process below it (new children included); returns the pids."""
    frozen: set[int] = set()
    while True:
        new = {pid, *descendants(pid)} - frozen
        if not new:
            return frozen
        _signal(new, signal.SIGSTOP)
        frozen |= new


def kill_tree(pid: int) -> set[int]:
    """SIGKILL ``pid`` and every process below it, with no chance for any to react; returns the pids."""
    frozen = freeze_tree(pid)
    _signal(frozen, signal.SIGKILL)
    return frozen
