"""``python -m provider recover``: make a stack usable again after a killed ``pulumi up``.

A ``pulumi up`` killed with SIGKILL (a cancelled CI job, an out-of-memory kill) leaves two things
behind in a DIY backend: the stack's lock file, which makes every later command fail with "the stack is
currently locked", and pending operations in the checkpoint, which the next ``up`` keeps warning about
(pending creates stay until cleared). This command, run in the project directory:

1. makes sure no Pulumi engine process of this project is still running (the killed CLI's language
   host or dynamic provider can outlive it): it names them and stops, changing nothing;
2. removes the stale lock with ``pulumi cancel`` (DIY backend: it deletes the stack's lock files),
   after removing any of the backend's metadata files the kill left half-written;
3. clears the pending operations with ``pulumi stack export`` then ``pulumi stack import``, which drops
   them (pending creates are safe to drop: the provider recognises a case it opened by the reference
   trailer of its description and never opens one twice);
4. with ``--refresh`` only, runs ``pulumi refresh``: the only step that calls the Support API.

Docs: ``docs/guarantees.md``, section "After a killed pipeline".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import unquote, urlparse

import yaml

EXIT_OK, EXIT_STOPPED, EXIT_USAGE = 0, 1, 2

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# The CLI and its plugins (pulumi-language-python, pulumi-resource-pulumi-python, ...), and the dynamic
# provider's Python module, as they appear among a process's first arguments.
_ENGINE_NAME = re.compile(r"^pulumi(-(language|resource|analyzer|converter|tool)-[\w.-]+)?$")
_DYNAMIC_PROVIDER = "pulumi.dynamic"


class RecoverError(Exception):
    """A ``pulumi`` command failed; the message names it and carries its error output."""


@dataclass(frozen=True)
class EngineProcess:
    """A live process of the Pulumi engine."""

    pid: int
    command: str


@dataclass(frozen=True)
class StackLock:
    """A DIY backend lock file and who took it."""

    path: Path
    pid: int
    username: str
    hostname: str
    timestamp: str

    def describe(self) -> str:
        taken = re.sub(r"\.\d+", "", self.timestamp)  # whole seconds, as pulumi's own message
        return f"pulumi pid {self.pid} of {self.username}@{self.hostname} at {taken}"


def _is_engine(argv: Sequence[str]) -> bool:
    return any(_ENGINE_NAME.match(Path(arg).name) or arg == _DYNAMIC_PROVIDER for arg in argv[:4])


def _process(pid: int) -> tuple[Path, list[str]] | None:
    """The working directory and arguments of a live (not zombie) process, None when unreadable."""
    proc = Path("/proc") / str(pid)
    try:
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        cwd = (proc / "cwd").resolve(strict=True)
        argv = [part.decode(errors="replace") for part in (proc / "cmdline").read_bytes().split(b"\0")]
    except (OSError, IndexError):
        return None
    return None if state == "Z" else (cwd, argv)


def engine_processes(project: Path) -> list[EngineProcess]:
    """Live engine processes whose working directory is ``project`` (read from Linux's /proc; on a
    system without /proc the list is empty and only the lock's own process is checked)."""
    project = project.resolve()
    found = []
    pids = sorted(int(p.name) for p in Path("/proc").glob("[0-9]*")) if Path("/proc").is_dir() else []
    for pid in pids:
        seen = _process(pid)
        if pid != os.getpid() and seen is not None and seen[0] == project and _is_engine(seen[1]):
            found.append(EngineProcess(pid, " ".join(seen[1]).strip()))
    return found


def _lock_holder_running(lock: StackLock) -> bool:
    """True when the process that took ``lock`` still runs on this machine as a Pulumi process."""
    if lock.hostname != socket.gethostname():
        return False
    try:
        os.kill(lock.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    if not Path("/proc").is_dir():
        return True  # alive; without /proc, no way to tell a reused pid
    seen = _process(lock.pid)
    return seen is not None and _is_engine(seen[1])


def _pulumi(*args: str, stack: str | None = None, capture: bool = True) -> str:
    """Run ``pulumi ARGS --non-interactive`` and return its standard output; RecoverError on failure."""
    command = ["pulumi", *args, "--non-interactive", *(["--stack", stack] if stack else [])]
    done = subprocess.run(command, capture_output=capture, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip() if capture else "see its output above"
        raise RecoverError(f"`{' '.join(command)}` failed: {detail}")
    return done.stdout or ""


def _file_backend() -> Path | None:
    """The directory of the DIY file backend in use (``pulumi whoami``), None for any other backend."""
    url = json.loads(_pulumi("whoami", "--json"))["url"]
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def stack_locks(backend: Path, project: str, stack: str) -> list[StackLock]:
    """The lock files of a stack in a DIY file backend (``.pulumi/locks/<org>/<project>/<stack>/``)."""
    locks = []
    pattern = f"*/{project}/{stack.rpartition('/')[2]}/*.json"
    for path in sorted((backend / ".pulumi" / "locks").glob(pattern)):
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            content = {}
        locks.append(
            StackLock(
                path=path,
                pid=int(content.get("pid", 0)),
                username=str(content.get("username", "?")),
                hostname=str(content.get("hostname", "?")),
                timestamp=str(content.get("timestamp", "?")),
            )
        )
    return locks


def truncated_sidecars(backend: Path, project: str, stack: str) -> list[Path]:
    """The stack's ``.attrs`` files in a DIY file backend that a kill left unreadable.

    The backend stores files with gocloud's fileblob, which writes each file's ``.attrs`` sidecar in
    place (truncate, then write) before renaming the file itself into place; a kill in between leaves
    the sidecar empty, and every later command fails with "failed to load checkpoint: EOF". A missing
    sidecar reads as defaults (content type and checksum, not used by Pulumi), so removing it is safe.
    """
    name = stack.rpartition("/")[2]
    patterns = (
        f"stacks/{project}/{name}.json*.attrs",
        f"history/{project}/{name}/*.attrs",
        f"backups/{project}/{name}/*.attrs",
        f"locks/*/{project}/{name}/*.attrs",
    )
    broken = []
    for pattern in patterns:
        for path in sorted((backend / ".pulumi").glob(pattern)):
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # empty, cut short or not text
                broken.append(path)
    return broken


def _pending_operations(deployment: dict[str, Any]) -> list[str]:
    pending = deployment.get("deployment", {}).get("pending_operations") or []
    return [f"{op.get('type', '?')} {op.get('resource', {}).get('urn', '?')}" for op in pending]


def _clear_pending(stack: str, exported: str) -> None:
    """Import the exported checkpoint again: ``pulumi stack import`` drops its pending operations."""
    with tempfile.TemporaryDirectory(prefix="recover-") as folder:
        checkpoint = Path(folder) / "checkpoint.json"
        checkpoint.write_text(exported, encoding="utf-8")
        _pulumi("stack", "import", "--file", str(checkpoint), stack=stack)


def recover(stack: str, project_dir: Path, *, refresh: bool, force: bool) -> Iterator[str]:
    """Do the steps of the module docstring, yielding one line per finding or action.

    Raises RecoverError (after the lines said so far) when it has to stop.
    """
    running = engine_processes(project_dir)
    backend = _file_backend()
    project = str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))["name"])
    locks = stack_locks(backend, project, stack) if backend else []
    holders = [lock for lock in locks if _lock_holder_running(lock)]
    if running or holders:
        for process in running:
            yield f"still running: pid {process.pid}: {process.command}"
        for lock in holders:
            yield f"still running: {lock.describe()}, which holds the stack's lock"
        raise RecoverError(
            "a Pulumi process of this project is still running: wait for it to end, or stop it "
            "(kill PID), then run recover again; nothing was changed"
        )
    yield "no Pulumi process of this project is running"
    elsewhere = [lock for lock in locks if lock.hostname != socket.gethostname()]
    if elsewhere and not force:
        for lock in elsewhere:
            yield f"locked by {lock.describe()}, on another machine"
        raise RecoverError(
            "the lock was taken on another machine, where recover cannot see whether that run is still "
            "going; once you know it is dead, run recover --force; nothing was changed"
        )

    for sidecar in truncated_sidecars(backend, project, stack) if backend else []:
        sidecar.unlink()
        yield f"removed {sidecar.name}, a metadata file the kill left unreadable"
    _pulumi("cancel", "--yes", stack=stack)
    if backend is None:
        yield "removed the stack's lock, if any (pulumi cancel)"
    for lock in locks:
        yield f"removed the stale lock taken by {lock.describe()} (pulumi cancel)"
    if backend is not None and not locks:
        yield "the stack was not locked"

    exported = _pulumi("stack", "export", stack=stack)
    pending = _pending_operations(json.loads(exported))
    if pending:
        _clear_pending(stack, exported)
        for operation in pending:
            yield f"cleared the pending operation: {operation}"
    else:
        yield "no pending operations"

    if refresh:
        yield "refreshing from AWS (pulumi refresh --run-program):"
        _pulumi("refresh", "--yes", "--skip-preview", "--run-program", stack=stack, capture=False)
        yield "refreshed"
    yield f"stack {stack} is ready: run `pulumi up`"


def _selected_stack() -> str:
    return _pulumi("stack", "--show-name").strip()


def run_recover(args: argparse.Namespace) -> int:
    """The ``recover`` subcommand: print each step; exit 0 when the stack is ready for ``pulumi up``."""
    try:
        stack = args.stack or _selected_stack()
        for line in recover(stack, Path.cwd(), refresh=args.refresh, force=args.force):
            print(f"recover: {line}", flush=True)
    except (RecoverError, OSError, KeyError, json.JSONDecodeError, yaml.YAMLError) as error:
        print(f"recover: stopped: {error}", flush=True)
        return EXIT_STOPPED
    return EXIT_OK


def add_recover_command(subcommands: Subcommands) -> None:
    """Register ``recover`` on the ``python -m provider`` parser."""
    parser = subcommands.add_parser(
        "recover",
        help="after a killed `pulumi up`: remove the stale lock and the pending operations",
        description="Run in the project directory after a killed `pulumi up`. Checks that no Pulumi "
        "process of this project still runs (else names them and stops), removes the stack's stale "
        "lock (pulumi cancel), clears pending operations (pulumi stack export + import), and with "
        "--refresh runs pulumi refresh. Only --refresh calls the Support API. Exit 0 when the stack is "
        "ready for `pulumi up`, 1 when it stopped (saying why).",
    )
    parser.add_argument("--stack", metavar="NAME", help="the stack (default: the selected stack)")
    parser.add_argument(
        "--refresh", action="store_true", help="then run `pulumi refresh` (reads every case from AWS)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="also remove a lock taken on another machine (only once that run is known to be dead)",
    )
    parser.set_defaults(run=run_recover)
