"""``python -m provider comment``: the pipeline's side of a plan review on GitHub or GitLab.

``comment post`` creates or edits this stack's one plan comment on the pull (merge) request;
``comment approved`` prints the fingerprint of the plan comment on the request that merged a commit,
for ``pulumi up`` (``SUPPORTCASES_APPROVED_PLAN``); ``comment approvals`` prints who approved the
request's head and what it changes, for the rules' named approvers. Credentials come from the CI
job's environment. This module parses and prints; the forge calls are ``provider.review.comments``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from provider.forgeapi import ForgeError, detect
from provider.review.comments import FORGES, approved, post_plan, request_number
from provider.rules.approvals import APPROVERS_ENV, CHANGED_ENV, FORGE_ENV

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_comment_command(subcommands: Any) -> None:
    """Add ``comment post`` and ``comment approved`` to the ``python -m provider`` parser."""
    parser = subcommands.add_parser(
        "comment",
        help="post a plan comment on a pull/merge request, or read the approved fingerprint back",
        description="GitHub: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN (and GITHUB_EVENT_PATH for the "
        "pull request). GitLab: CI_API_V4_URL, CI_PROJECT_ID, GITLAB_TOKEN (and CI_MERGE_REQUEST_IID). "
        "Exit 0 when done, 1 when the API refuses or nothing is found, 2 on usage errors.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    post = actions.add_parser("post", help="create or edit this stack's plan comment")
    post.add_argument("body", metavar="FILE", help="the Markdown of `plan --format markdown` ('-': stdin)")
    post.add_argument("--request", type=int, metavar="N", help="the pull/merge request (default: from CI)")
    post.set_defaults(run=_run_post)
    read = actions.add_parser(
        "approved", help="print the fingerprint approved in the request that merged SHA"
    )
    read.add_argument("sha", metavar="SHA", help="the merged commit (GITHUB_SHA, CI_COMMIT_SHA)")
    read.add_argument(
        "--resource-group",
        metavar="KEY",
        help="GitLab: refuse unless this job's resource group runs jobs oldest pipeline first",
    )
    read.set_defaults(run=_run_approved)
    approvals = actions.add_parser(
        "approvals",
        help="print, as shell exports, who approved the request's head and the files it changes",
        description="For the plan job: `comment approvals > F && . F` before `plan` holds each changed "
        "case file's approvedBy to the request's approvers (docs/rules.md).",
    )
    approvals.add_argument(
        "--request", type=int, metavar="N", help="the pull/merge request (default: from CI)"
    )
    approvals.set_defaults(run=_run_approvals)
    for sub in (post, read, approvals):
        sub.add_argument("--forge", choices=sorted(FORGES), help="default: from the CI environment")
    for sub in (post, read):
        sub.add_argument("--stack", required=True, help="the stack whose plan comment this is")
        sub.add_argument(
            "--author",
            metavar="LOGIN",
            help="the pipeline's account, whose plan comment counts (GitHub: needed, e.g. "
            "github-actions[bot]; GitLab: default the token's own user)",
        )


def _run_post(args: argparse.Namespace) -> int:
    body = sys.stdin.read() if args.body == "-" else Path(args.body).read_text(encoding="utf-8")
    try:
        name = args.forge or detect(os.environ)
        number = args.request or request_number(name, os.environ)
        print(post_plan(FORGES[name](os.environ), number, args.stack, body, args.author))
    except ForgeError as error:
        print(f"comment: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _run_approvals(args: argparse.Namespace) -> int:
    try:
        name = args.forge or detect(os.environ)
        forge = FORGES[name](os.environ)
        number = args.request or request_number(name, os.environ)
        exports = {
            APPROVERS_ENV: ",".join(forge.approvers(number)),
            CHANGED_ENV: "\n".join(forge.changed_files(number)),
            FORGE_ENV: name,
        }
    except ForgeError as error:
        print(f"comment: {error}", file=sys.stderr)
        return EXIT_FAILED
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    return EXIT_OK


def _run_approved(args: argparse.Namespace) -> int:
    try:
        name = args.forge or detect(os.environ)
        print(approved(FORGES[name](os.environ), args.sha, args.stack, args.author, args.resource_group))
    except ForgeError as error:
        print(f"comment: {error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
