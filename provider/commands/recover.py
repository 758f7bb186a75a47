"""``python -m provider recover``: make a stack usable again after a killed ``pulumi up``.

A ``pulumi up`` killed with SIGKILL (a cancelled CI job, an out-of-memory kill) leaves two things
behind in a DIY backend: the stack's lock, which makes every later ``up`` fail with "the stack is
currently locked", and pending operations in the checkpoint, which the next ``up`` keeps warning about
(pending creates stay until cleared). This command, run in the project directory:

1. makes sure no Pulumi engine process of this project is still running (the killed CLI's language
   host or dynamic provider can outlive it): it names them and stops, changing nothing;
2. reads the stack's locks where the backend keeps them (a file or an S3 backend:
   :mod:`provider.backends`) and removes, one by one, only those proven stale: taken on this machine
   by a process that no longer runs as Pulumi. A lock whose holder still runs stops it; a lock taken on
   another machine, or unreadable, stops it unless ``--force``. On a backend whose locks it cannot read
   (Pulumi Cloud, Google Cloud Storage, Azure Blob, PostgreSQL) it never removes a lock without
   ``--force`` (then ``pulumi cancel``), and leaves it to ``pulumi stack import`` to refuse a locked
   stack;
3. completes the creates the killed run left pending (:mod:`provider.stack.interrupted`): for each, it
   reads AWS for the case that run opened, by its reference, and records it in the state with the
   messages AWS holds; a create AWS holds no case for is dropped (the next ``up`` opens the case). Until
   then ``plan``, preview and ``up`` refuse every new case: only this step can tell;
4. clears the pending operations with ``pulumi stack export`` then ``pulumi stack import``. The import
   takes the stack's lock, so it fails rather than write while another run holds it;
5. with ``--refresh`` only, runs ``pulumi refresh``.

Only steps 3 (reads, and only for pending creates) and 5 call the Support API.

Docs: ``docs/guarantees.md``, section "After a killed pipeline", and ``docs/state-backends.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urlparse

import yaml

from provider.aws.accounts import AccountConfigError
from provider.aws.support_api import ApiSettings, SupportApiError
from provider.backends import LockStore, StackLock, open_backend
from provider.backends.locks import Holder
from provider.backends.processes import engine_processes
from provider.backends.s3 import S3BackendError
from provider.conversation.stackstate import StackRef, read_config
from provider.review.state import StateError, interrupted_creates
from provider.stack.interrupted import complete_interrupted
from provider.stack.resource import SupportCaseProvider

EXIT_OK, EXIT_STOPPED, EXIT_USAGE = 0, 1, 2

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

_NOTHING_CHANGED = "nothing was changed"


class RecoverError(Exception):
    """Recover had to stop; the message says why (and carries a failed command's error output)."""


def _pulumi(*args: str, stack: str | None = None, capture: bool = True) -> str:
    """Run ``pulumi ARGS --non-interactive`` and return its standard output; RecoverError on failure."""
    command = ["pulumi", *args, "--non-interactive", *(["--stack", stack] if stack else [])]
    done = subprocess.run(command, capture_output=capture, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip() if capture else "see its output above"
        raise RecoverError(f"`{' '.join(command)}` failed: {detail}")
    return done.stdout or ""


def _backend_url() -> str:
    """The URL of the backend in use, as ``pulumi whoami`` prints it."""
    return str(json.loads(_pulumi("whoami", "--json"))["url"])


def _pending_operations(deployment: dict[str, Any]) -> list[str]:
    pending = deployment.get("deployment", {}).get("pending_operations") or []
    return [f"{op.get('type', '?')} {op.get('resource', {}).get('urn', '?')}" for op in pending]


# What a locking command says when another run holds the stack: a DIY backend's lock (pulumi/pulumi
# pkg/backend/diy/lock.go, checkForLock), Pulumi Cloud's lease ("409 conflict: Another update is currently
# in progress", https://www.pulumi.com/docs/iac/operations/troubleshooting/update-conflicts/).
_HELD = ("the stack is currently locked", "another update is currently in progress")


def _import(stack: str, exported: str, *, locks_read: bool) -> None:
    """Import the exported checkpoint again: ``pulumi stack import`` drops its pending operations.

    The import takes the stack's lock, so it refuses while another run holds it.
    """
    with tempfile.TemporaryDirectory(prefix="recover-") as folder:
        checkpoint = Path(folder) / "checkpoint.json"
        checkpoint.write_text(exported, encoding="utf-8")
        try:
            _pulumi("stack", "import", "--file", str(checkpoint), stack=stack)
        except RecoverError as error:
            if not any(held in str(error).lower() for held in _HELD):
                raise
            if locks_read:
                advice = (
                    "another run took the stack's lock since recover read it: let it end, then run recover "
                    "again; the pending operations were left as they were"
                )
            else:
                advice = (
                    "recover cannot read this backend's locks, so it cannot prove this one stale: once you "
                    f"know the run that holds it is dead, run recover --force; {_NOTHING_CHANGED}"
                )
            raise RecoverError(f"{error}\n{advice}") from None


def _checked(locks: dict[StackLock, Holder], *, force: bool) -> Iterator[str]:
    """Stop (RecoverError, after saying why) when a lock cannot be removed without ``--force``."""
    unproven = [lock for lock, holder in locks.items() if holder is Holder.UNKNOWN]
    for lock in unproven:
        where = "on another machine" if lock.pid > 0 else "which names no process"
        yield f"locked by {lock.describe()}, {where}"
    if unproven and not force:
        raise RecoverError(
            "recover cannot see whether the run that took the lock is still going; once you know it is "
            f"dead, run recover --force; {_NOTHING_CHANGED}"
        )


def _removed(
    store: LockStore | None,
    url: str,
    project: str,
    stack: str,
    locks: dict[StackLock, Holder],
    *,
    force: bool,
) -> Iterator[str]:
    """Remove the locks (and the metadata a kill left unreadable), saying what went."""
    if store is None:
        yield f"recover cannot read the locks of a {urlparse(url).scheme or url} backend"
        if force:
            _pulumi("cancel", "--yes", stack=stack)
            yield "removed the stack's lock, if any (pulumi cancel, as --force asked)"
        return
    for name in store.repair(project, stack):
        yield f"removed {name}, a metadata file the kill left unreadable"
    for lock, holder in locks.items():
        store.remove(lock)
        yield f"removed the {'stale' if holder is Holder.DEAD else 'forced'} lock taken by {lock.describe()}"
    if not locks:
        yield "the stack was not locked"


def recover(stack: str, project_dir: Path, *, refresh: bool, force: bool) -> Iterator[str]:
    """Do the steps of the module docstring, yielding one line per finding or action.

    Raises RecoverError (after the lines said so far) when it has to stop.
    """
    running = engine_processes(project_dir)
    project = str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))["name"])
    url = _backend_url()
    store = open_backend(url)
    locks = {lock: lock.holder() for lock in (store.locks(project, stack) if store else [])}
    holders = [lock for lock, holder in locks.items() if holder is Holder.RUNNING]
    for process in running:
        yield f"still running: pid {process.pid}: {process.command}"
    for lock in holders:
        yield f"still running: {lock.describe()}, which holds the stack's lock"
    if running or holders:
        raise RecoverError(
            "a Pulumi process of this project, or one holding the stack's lock, is still running: wait "
            f"for it to end, or stop it (kill PID), then run recover again; {_NOTHING_CHANGED}"
        )
    yield "no Pulumi process of this project is running"
    yield from _checked(locks, force=force)
    yield from _removed(store, url, project, stack, locks, force=force)

    exported = json.loads(_pulumi("stack", "export", stack=stack))
    pending = _pending_operations(exported)
    if interrupted_creates(exported):
        shown = json.loads(_pulumi("stack", "export", "--show-secrets", stack=stack))
        yield from complete_interrupted(exported, shown, _provider(stack))
    if pending or store is None:  # where recover cannot read the locks, the import checks them
        _import(stack, json.dumps(exported), locks_read=store is not None)
    for operation in pending:
        yield f"cleared the pending operation: {operation}"
    if not pending:
        yield "no pending operations"

    if refresh:
        yield "refreshing from AWS (pulumi refresh --run-program):"
        _pulumi("refresh", "--yes", "--skip-preview", "--run-program", stack=stack, capture=False)
        yield "refreshed"
    yield f"stack {stack} is ready: run `pulumi up`"


def _provider(stack: str) -> SupportCaseProvider:
    """The provider as ``pulumi up`` configures it, from the stack config."""
    try:
        return SupportCaseProvider(ApiSettings.from_config(read_config(StackRef(stack=stack))))
    except (StateError, AccountConfigError) as error:
        raise RecoverError(f"cannot read the stack config: {error}; {_NOTHING_CHANGED}") from None


def _selected_stack() -> str:
    return _pulumi("stack", "--show-name").strip()


def run_recover(args: argparse.Namespace) -> int:
    """The ``recover`` subcommand: print each step; exit 0 when the stack is ready for ``pulumi up``."""
    try:
        stack = args.stack or _selected_stack()
        for line in recover(stack, Path.cwd(), refresh=args.refresh, force=args.force):
            print(f"recover: {line}", flush=True)
    except SupportApiError as error:  # reading AWS for a pending create: nothing was changed
        print(f"recover: stopped: {error}; the pending operations were left as they were", flush=True)
        return EXIT_STOPPED
    except (RecoverError, S3BackendError, OSError, KeyError, json.JSONDecodeError, yaml.YAMLError) as error:
        print(f"recover: stopped: {error}", flush=True)
        return EXIT_STOPPED
    return EXIT_OK


def add_recover_command(subcommands: Subcommands) -> None:
    """Register ``recover`` on the ``python -m provider`` parser."""
    parser = subcommands.add_parser(
        "recover",
        help="after a killed `pulumi up`: remove the stale lock and the pending operations",
        description="Run in the project directory after a killed `pulumi up`. Checks that no Pulumi "
        "process of this project, nor the one holding the stack's lock, still runs (else names them and "
        "stops), removes the stack's locks proven stale (file and S3 backends; elsewhere only with "
        "--force), records in the state the case each pending create of the killed run opened, if AWS holds "
        "one (reads only), clears pending operations (pulumi stack export + import), and with --refresh "
        "runs pulumi refresh. Exit 0 when the stack is "
        "ready for `pulumi up`, 1 when it stopped (saying why).",
    )
    parser.add_argument("--stack", metavar="NAME", help="the stack (default: the selected stack)")
    parser.add_argument(
        "--refresh", action="store_true", help="then run `pulumi refresh` (reads every case from AWS)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="also remove a lock whose holder cannot be checked (taken on another machine, unreadable, or "
        "on a backend recover cannot read): only once that run is known to be dead",
    )
    parser.set_defaults(run=run_recover)
