"""``python -m provider sync``: AWS's answers into one pull request per stack, on a schedule or on AWS's case
events (the pipeline itself is ``provider.sync``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from provider.casefiles.loader import find_root
from provider.forgeapi import ForgeError, detect
from provider.review.state import StateError, export_state, records_from_state
from provider.sync.codeowners import Owners
from provider.sync.event import EventError, case_update, read_event, stacks_holding
from provider.sync.forge import default_base, forge_from_env
from provider.sync.git import Git, GitError
from provider.sync.pipeline import Result, Sync, SyncError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_sync_command(subcommands: Any) -> None:
    """Add ``sync`` to the command line."""
    parser = subcommands.add_parser(
        "sync",
        help="refresh, write the transcripts, and open or update one pull request per stack with them",
        description="For each stack: `pulumi refresh`, rewrite the transcripts (<case>.thread.md) AWS "
        "changed, commit exactly those on top of the checked-out branch, push it to the branch "
        "supportcases/sync/<stack> and open or edit that branch's pull request (GitHub) or merge request "
        "(GitLab), asking the case files' CODEOWNERS to review; write `status` to $GITHUB_STEP_SUMMARY. "
        "Nothing is pushed or opened when nothing changed. Merging it changes no case at AWS. Exit 0 when "
        "done (nothing new included), 1 when a step failed, 2 on usage errors.",
    )
    parser.add_argument(
        "--stack",
        action="append",
        required=True,
        metavar="NAME",
        help="a stack to sync (repeat for several; with --event, the stacks to look for the case in)",
    )
    trigger = parser.add_mutually_exclusive_group()
    trigger.add_argument(
        "--event",
        metavar="FILE",
        help="an AWS Support case event (EventBridge, detail-type 'Support Case Update'): sync only the "
        "stacks that hold its case",
    )
    trigger.add_argument(
        "--case-id", metavar="ID", help="as --event, for a trigger that passes only the event's case-id"
    )
    parser.add_argument(
        "--forge",
        choices=("github", "gitlab"),
        help="where the request goes (default: GitHub in GitHub Actions, GitLab in GitLab CI)",
    )
    parser.add_argument(
        "--base", metavar="BRANCH", help="the branch the request goes into (default: the job's branch)"
    )
    parser.add_argument("--remote", default="origin", help="the git remote to push to (default: origin)")
    parser.add_argument(
        "--dry-run", action="store_true", help="refresh and write the transcripts, but push and open nothing"
    )
    parser.set_defaults(run=_run)


def _stacks(args: argparse.Namespace) -> list[str]:
    """The stacks to sync: every --stack, or with --event those holding its case."""
    if not args.event and not args.case_id:
        return list(args.stack)
    event = read_event(args.event) if args.event else case_update(args.case_id)
    holding = stacks_holding(
        event,
        {
            stack: [recorded.record.case_id for recorded in records_from_state(export_state(stack)).values()]
            for stack in args.stack
        },
    )
    where = ", ".join(holding) if holding else f"none of the stacks ({', '.join(args.stack)})"
    print(f"sync: {event.describe()}: the case is in {where}")
    return holding


def _summary(result: Result) -> str:
    return f"## Support cases sync: stack `{result.stack}`\n\n{result.said}\n\n{result.status}\n"


def _run(args: argparse.Namespace) -> int:
    root = find_root()
    try:
        stacks = _stacks(args)
        forge_name = args.forge or ("github" if args.dry_run else detect(os.environ))
        forge = None if args.dry_run else forge_from_env(forge_name, os.environ)
        git = Git(root, args.remote)
        base = args.base or default_base(forge_name, os.environ) or git.current_branch()
        if not base:
            raise ForgeError("no branch checked out to open the request against: give --base BRANCH")
        sync = Sync(git, forge, base, Owners.read(root, forge_name))
    except (EventError, StateError, ForgeError, GitError) as error:
        print(f"sync: {error}", file=sys.stderr)
        return EXIT_USAGE
    failed = False
    for stack in stacks:
        try:
            result = sync.run(stack)
        except (SyncError, StateError, ForgeError, GitError) as error:
            print(f"sync {stack}: {error}", file=sys.stderr)
            failed = True
            continue
        for outcome in result.outcomes:
            if outcome.state != "unchanged":
                shown = outcome.path.relative_to(root).as_posix()
                print(f"{shown}: {outcome.state}{f' ({outcome.detail})' if outcome.detail else ''}")
        print(f"sync {stack}: {result.said}")
        if result.asked and (result.asked.requested or result.asked.skipped):
            print(f"sync {stack}: review requested from {', '.join(result.asked.requested) or 'nobody'}")
            for skipped in result.asked.skipped:
                print(f"sync {stack}: not asked: {skipped}")
        if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
            with open(summary, "a", encoding="utf-8") as out:
                out.write(_summary(result))
        failed = failed or result.failed
    return EXIT_FAILED if failed else EXIT_OK
