"""``python -m provider plans refresh``: record each account's support plan in the repository.

One DescribeSeverityLevels read per account of the stack config (``supportcases:accounts``, else the one
account ``default``), with the credentials each account is configured with; ``AWS_ENDPOINT_URL_SUPPORT``
points them at supportlocal. An account whose plan has no Support API (SubscriptionRequiredException)
is recorded as such. The file, ``catalogue/support-plans.json``, is committed like the catalogue; see
:mod:`provider.rules.plans` for what the levels say of the plan.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from provider.aws.support_api import ApiSettings, SupportApiError, explain, support_clients
from provider.casefiles.loader import find_root
from provider.commands.catalogue import write
from provider.conversation.stackstate import read_config
from provider.rules.plans import PLANS_FILE, entry

EXIT_OK, EXIT_FAILED = 0, 1

ABOUT = (
    "Each account's support plan as its Support API showed it: the DescribeSeverityLevels answer per "
    "account alias, written by `python -m provider plans refresh` (severityLevels null: the account "
    "answered SubscriptionRequiredException, no Business plan). `validate` and `plan` refuse a severity "
    "an account's plan does not offer, and any case for an account without the Support API."
)


def add_plans_command(subcommands: Any) -> None:
    """Add ``plans refresh`` to the command line."""
    parser = subcommands.add_parser(
        "plans",
        help=f"refresh {PLANS_FILE}: each account's severity levels (its support plan)",
        description="Manage the record of each account's support plan.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    refresh = actions.add_parser(
        "refresh",
        help="call DescribeSeverityLevels for every account of the stack and write what each answers",
        description="Call DescribeSeverityLevels once per account of the stack config "
        "(supportcases:accounts, else the one account 'default'), with each account's credentials "
        f"(AWS_ENDPOINT_URL_SUPPORT honoured), and write {PLANS_FILE}. An account answering "
        "SubscriptionRequiredException is recorded as having no Business plan. Entries of accounts not "
        "read are kept. Exit 0 when every account was read, 1 otherwise (the accounts read are written "
        "all the same).",
    )
    source = refresh.add_mutually_exclusive_group()
    source.add_argument("--stack", metavar="NAME", help="the stack whose config names the accounts")
    source.add_argument("--config", metavar="FILE", help="the stack's Pulumi.<stack>.yaml instead")
    refresh.add_argument("--account", action="append", metavar="ALIAS", help="only this account (repeatable)")
    refresh.add_argument("--output", metavar="FILE", help=f"where to write (default: {PLANS_FILE})")
    refresh.add_argument("--language", default="en", help="the language of the level names (default: en)")
    refresh.set_defaults(run=_run_refresh, state=None)


def _run_refresh(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from provider.aws.sessions import Sessions

    path = Path(args.output) if args.output else find_root() / PLANS_FILE
    try:
        settings = ApiSettings.from_config(read_config(args))
    except (ValueError, SupportApiError) as error:
        print(f"plans refresh: {error}", file=sys.stderr)
        return EXIT_FAILED
    aliases = args.account or list(settings.accounts.aliases)
    unknown = [alias for alias in aliases if alias not in settings.accounts.aliases]
    if unknown:
        known = ", ".join(settings.accounts.aliases)
        print(f"plans refresh: unknown account {', '.join(unknown)} (the stack has {known})", file=sys.stderr)
        return EXIT_FAILED
    document = _read(path)
    sessions, failed = Sessions(), False
    for alias in aliases:
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            client = support_clients(settings, alias, sessions).reader
            origin = f"DescribeSeverityLevels at {client.meta.endpoint_url} on {when}"
            levels = client.describe_severity_levels(language=args.language)["severityLevels"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "SubscriptionRequiredException":
                print(f"{alias}: {explain(error, 'DescribeSeverityLevels')}", file=sys.stderr)
                failed = True
                continue
            levels = None  # the account's plan has no Support API
        except (BotoCoreError, SupportApiError, LookupError) as error:
            print(f"{alias}: {explain(error, 'DescribeSeverityLevels')}", file=sys.stderr)
            failed = True
            continue
        found = (
            [{"code": level["code"], "name": level["name"]} for level in levels]
            if levels is not None
            else None
        )
        document["accounts"][alias] = entry(found, origin)
        print(f"{alias}: {_said(document['accounts'][alias])}")
    document["defaultAccount"] = settings.accounts.default
    write(document, path)
    print(f"{path}: {len(document['accounts'])} accounts")
    return EXIT_FAILED if failed else EXIT_OK


def _read(path: Path) -> dict[str, Any]:
    """The plans file as it is (its other accounts are kept), or a new one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        accounts = dict(document["accounts"])
    except (OSError, ValueError, KeyError, TypeError):
        accounts = {}
    return {"about": ABOUT, "defaultAccount": None, "accounts": accounts}


def _said(account: dict[str, Any]) -> str:
    levels = account["severityLevels"]
    if levels is None:
        return f"no Business plan ({account['plan']}: SubscriptionRequiredException)"
    return f"{account['plan']} ({', '.join(level['code'] for level in levels)})"
