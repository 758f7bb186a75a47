"""``python -m provider catalogue refresh``: pin the account's real AWS Support catalogue in the repository.

Two reads, DescribeServices and DescribeSeverityLevels (S4), with the ordinary boto3 credentials chain;
``AWS_ENDPOINT_URL_SUPPORT`` points them at supportlocal. Every entry written is marked verified: it is
what the account's Support API answered.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from provider.aws.support_api import SUPPORT_REGIONS, explain
from provider.casefiles.catalogue import CATALOGUE_FILE
from provider.casefiles.loader import find_root
from provider.casefiles.schema import schema

EXIT_OK, EXIT_FAILED = 0, 1

# S4 (CreateCase): "The Amazon Web Services Support API doesn't support requesting service limit
# increases"; a code AWS lists for them is kept out of the snapshot, so nothing offers it.
NOT_FOR_THE_API = {
    "service-limit-increase": "CreateCase cannot request service limit increases (S4); use Service Quotas"
}

ABOUT = (
    "The AWS Support catalogue this repository pins: the DescribeServices and DescribeSeverityLevels answers "
    "of a real account, written by `python -m provider catalogue refresh`. `python -m provider validate` "
    "checks case files against it and supportlocal serves it. Every entry is verified: the account's "
    "Support API answered it. Run the command again to pick up what AWS has changed since."
)


def add_catalogue_command(subcommands: Any) -> None:
    """Add ``catalogue refresh`` to the command line."""
    parser = subcommands.add_parser(
        "catalogue",
        help="refresh catalogue/aws-support.json from a real account",
        description="Manage the AWS Support catalogue snapshot the repository pins.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    refresh = actions.add_parser(
        "refresh",
        help="rewrite the snapshot from DescribeServices and DescribeSeverityLevels",
        description="Call DescribeServices and DescribeSeverityLevels with the ordinary AWS credentials "
        "(environment, --profile, role; AWS_ENDPOINT_URL_SUPPORT honoured) and write what they answer, "
        "every entry marked verified. Exit 0 when written, 1 when AWS could not be read.",
    )
    refresh.add_argument(
        "--output", metavar="FILE", help=f"where to write (default: {CATALOGUE_FILE} in the repository)"
    )
    refresh.add_argument("--profile", metavar="NAME", help="an AWS profile (default: the credentials chain)")
    refresh.add_argument(
        "--partition", choices=sorted(SUPPORT_REGIONS), default="aws", help="the AWS partition (default: aws)"
    )
    refresh.add_argument("--language", default="en", help="the language of the names (default: en)")
    refresh.set_defaults(run=_run_refresh)


def refreshed(client: Any, language: str) -> dict[str, Any]:
    """The snapshot document from what ``client`` (a boto3 ``support`` client) answers now."""
    services = client.describe_services(language=language)["services"]
    levels = client.describe_severity_levels(language=language)["severityLevels"]
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "about": ABOUT,
        "origin": f"DescribeServices and DescribeSeverityLevels at {client.meta.endpoint_url} on {when}",
        "services": [
            {
                "code": service["code"],
                "name": service["name"],
                "categories": [{"code": c["code"], "name": c["name"]} for c in service.get("categories", [])],
                "verified": {"code": True, "name": True, "categories": True},
            }
            for service in services
            if service["code"] not in NOT_FOR_THE_API
        ],
        "excluded": [
            {"code": service["code"], "reason": NOT_FOR_THE_API[service["code"]]}
            for service in services
            if service["code"] in NOT_FOR_THE_API
        ],
        "severityLevels": [{"code": level["code"], "name": level["name"]} for level in levels],
        # DescribeServices does not list languages; these are the ones the pinned model documents (S4)
        "languages": list(schema()["properties"]["language"]["enum"]),
    }


def write(document: dict[str, Any], path: Path) -> None:
    """Write ``document`` to ``path`` in one step: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as file:
        json.dump(document, file, indent=2, ensure_ascii=False)
        file.write("\n")
    os.replace(file.name, path)


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """One line on what changed: services added and removed, category lists that differ."""
    if before is None:
        return "a new snapshot"
    old = {
        s.get("code"): {c.get("code") for c in s.get("categories", [])} for s in before.get("services", [])
    }
    new = {s["code"]: {c["code"] for c in s["categories"]} for s in after["services"]}
    added, removed = sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())
    changed = sum(1 for code in new.keys() & old.keys() if new[code] != old[code])
    return f"{len(added)} services added, {len(removed)} removed, {changed} with other categories"


def _run_refresh(args: argparse.Namespace) -> int:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    path = Path(args.output) if args.output else find_root() / CATALOGUE_FILE
    session = boto3.Session(profile_name=args.profile)
    config = Config(
        retries={"mode": "adaptive", "total_max_attempts": 8}, user_agent_extra="support-cases-as-code"
    )
    try:
        client = session.client("support", region_name=SUPPORT_REGIONS[args.partition], config=config)
        document = refreshed(client, args.language)
    except (BotoCoreError, ClientError) as error:
        print(explain(error, "catalogue refresh"), file=sys.stderr)
        return EXIT_FAILED
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = None
    write(document, path)
    services, levels = document["services"], document["severityLevels"]
    categories = sum(len(service["categories"]) for service in services)
    print(
        f"{path}: {len(services)} services with {categories} categories, {len(levels)} severity levels "
        f"({', '.join(level['code'] for level in levels)}); {changes(before, document)}"
    )
    return EXIT_OK
