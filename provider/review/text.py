"""The plan as plain text for a terminal: the same document as the Markdown, every message line by line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provider.review.document import step

BANNER = (
    "Sent mail cannot be unsent: `pulumi up` sends every message below to AWS Support, where people read it."
)


def render_text(document: Mapping[str, Any]) -> str:
    """Problems, or: banner, warnings, one block per case, fingerprint and a one-line summary."""
    if document["status"] == "invalid":
        problems = document["problems"]
        return "\n".join([*problems, f"{len(problems):,} problem(s) in the case files; no plan"]) + "\n"
    lines = []
    if document["status"] != "no-changes":
        lines += [BANNER, ""]
    for item in document["warnings"]:
        lines.append(f"warning: {item['case'] + ': ' if item['case'] else ''}{item['message']}")
    if document["warnings"]:
        lines.append("")
    for case in document["cases"]:
        where = f"case {case['displayId'] or case['caseId']}" if case.get("caseId") else "new case"
        account = f", account {case['account']['alias']}" if case.get("account", {}).get("alias") else ""
        lines.append(f"{case['name']} ({where}, {case['source']}{account}): {case['change']}")
        lines += [f"  refused: {reason}" for reason in case["refusals"]]
        for number, action in enumerate(case["actions"], 1):
            lines += _action(number, action)
        lines.append("")
    if document["fingerprint"]:
        lines.append(f"fingerprint: {document['fingerprint']}")
    totals = document["totals"]
    steps = sum(len(case["actions"]) for case in document["cases"])
    summary = f"{steps} step(s) for {totals['changed']} case(s); {totals['unchanged']} unchanged"
    if totals["refused"]:
        summary += f"; {totals['refused']} refused (fix them before merging)"
    return "\n".join([*lines, summary]) + "\n"


def _action(number: int, action: Mapping[str, Any]) -> list[str]:
    taken = step(action)
    lines = [f"{number}. {taken.call}: {taken.why}"]
    lines += [f"  {label}: {shown}" for label, shown in taken.fields]
    if taken.attachments:
        files = ", ".join(
            f"{f['path']} ({f['bytes']:,} bytes, sha256 {f['sha256']})" for f in taken.attachments
        )
        lines.append(f"  attachments: {files}")
    lines += ["  | " + line if line else "  |" for line in (taken.body or "").splitlines()]
    return lines
