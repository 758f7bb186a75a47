"""The plan as Markdown for a pull-request comment, a merge-request note or a job summary.

On top: a hidden marker (how a pipeline finds its own comment again), the banner, the totals and one
table row per case. Then the warnings, then one collapsible section per case with the exact text of
every message, each in a code fence longer than any run of backticks in it, so no message can break
out of its block. At the end the fingerprint to give ``pulumi up``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from provider.review.budget import HIDDEN_MARK, Pieces, fit
from provider.review.document import step

MARKER = "support-cases-plan"
DEFAULT_REST = "the full plan (`python -m provider plan`)"
_CALL_ORDER = ("AddAttachmentsToSet", "CreateCase", "AddCommunicationToCase", "ResolveCase")


def marker(stack: str | None, fingerprint: str | None = None) -> str:
    """The hidden first line; ``marker_prefix(stack)`` finds it again."""
    tail = f" fingerprint={fingerprint}" if fingerprint else ""
    return f"{marker_prefix(stack)}{tail} -->"


def marker_prefix(stack: str | None) -> str:
    """What every comment of this stack's plan starts with, whatever its fingerprint."""
    return f"<!-- {MARKER} stack={stack or '-'}"


def fingerprint_in(body: str, stack: str | None) -> str | None:
    """The fingerprint a comment's marker carries, when the comment is this stack's plan."""
    pattern = re.escape(marker_prefix(stack)) + r" fingerprint=(sha256:[0-9a-f]{64}) -->"
    found = re.match(pattern, body)
    return found.group(1) if found else None


def render_markdown(
    document: Mapping[str, Any], *, limit: int | None = None, rest: str = DEFAULT_REST
) -> str:
    """The plan as Markdown in at most ``limit`` UTF-8 bytes; cases left out are said to be in
    ``rest``."""
    cases = document["cases"]
    pieces = Pieces(
        head=_head(document),
        rows=[_row(case, document["maxBody"]) for case in cases] if cases else [],
        middle=_warnings(document["warnings"]),
        sections=[_section(case) for case in cases],
        foot=_foot(document),
    )

    def note(hidden: int, total: int) -> str:
        if not hidden:
            return ""
        return (
            f"**{hidden:,} of {total:,} cases are not shown in full here** (marked{HIDDEN_MARK} in the "
            f"table): every message of every case is in {rest}.\n"
        )

    return fit(pieces, limit, note) + "\n"


def _head(document: Mapping[str, Any]) -> str:
    stack = document["stack"]
    lines = [
        marker(stack, document["fingerprint"]),
        "### Support cases: what `pulumi up` will say to AWS" + (f" (stack `{stack}`)" if stack else ""),
        "",
    ]
    if document["status"] == "invalid":
        problems = "\n".join(document["problems"])
        fence = _fence(problems)
        lines += [
            "> [!CAUTION]",
            f"> **{len(document['problems']):,} problem(s) in the case files: no plan.** "
            "Nothing can be sent until they are fixed.",
            "",
            f"{fence}text",
            problems,
            fence,
        ]
        return "\n".join(lines) + "\n"
    totals = document["totals"]
    if document["status"] == "no-changes":
        lines += [
            f"No changes: `pulumi up` sends nothing to AWS ({_count(totals['unchanged'], 'case')} "
            "unchanged).",
            "",
        ]
    else:
        lines += [
            "> [!CAUTION]",
            "> **Sent mail cannot be unsent.** After the merge, `pulumi up` sends every message below to AWS "
            "Support, where people read and act on it; a later edit can only be another message.",
            "",
            _totals(totals),
            "",
        ]
    if totals["refused"]:
        lines += [
            f"**{totals['refused']:,} case(s) refused**: fix them before merging; nothing else is sent.",
            "",
        ]
    if document["cases"]:
        lines += [
            "| case | change | calls | severity | characters | attachments | cc |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
    return "\n".join(lines)


def _totals(totals: Mapping[str, Any]) -> str:
    calls = totals["calls"]
    count = sum(calls.values())
    listed = ", ".join(f"{calls[name]:,} {name}" for name in _CALL_ORDER if name in calls)
    new = f" ({totals['newCases']:,} new)" if totals["newCases"] else ""
    return (
        f"**{_count(totals['changed'], 'case')} to change**{new}, **{_count(count, 'Support API call')}**"
        f"{f' ({listed})' if listed else ''}; {totals['unchanged']:,} unchanged."
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _row(case: Mapping[str, Any], max_body: int) -> str:
    name = _code(case["name"]) + (f" {case['displayId']}" if case.get("displayId") else "")
    calls = case["calls"]
    listed = ", ".join(_times(calls[call], call) for call in _CALL_ORDER if call in calls) or "none"
    severity = case["severity"] or "—"
    if case.get("severityBefore"):
        severity = f"{case['severityBefore']} → {severity}"
    characters = f"{case['largestBody']:,} / {max_body:,}" if case["largestBody"] else "—"
    files = case["attachmentCount"]
    attachments = f"{files} ({_bytes(case['attachmentBytes'])})" if files else "—"
    cc = case["cc"]
    shown_cc = ", ".join(cc[:3]) + (f" +{len(cc) - 3}" if len(cc) > 3 else "") if cc else "—"
    cells = [name, case["change"], listed, severity, characters, attachments, shown_cc]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _times(count: int, call: str) -> str:
    return call if count == 1 else f"{count}x {call}"


def _bytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _warnings(warnings: Sequence[Mapping[str, Any]]) -> str:
    if not warnings:
        return ""
    lines = ["", "**Warnings**", ""]
    for item in warnings:
        who = f"{_code(item['case'])}: " if item["case"] else ""
        lines.append(f"- ⚠️ {who}{_inline(item['message'])}")
    return "\n".join(lines) + "\n"


def _section(case: Mapping[str, Any]) -> str:
    where = f"case {case['displayId'] or case['caseId']}" if case.get("caseId") else "new case"
    steps = len(case["actions"])
    what = "refused" if case["refusals"] else f"{steps} step{'' if steps == 1 else 's'}"
    change = "" if case["change"] in (where, what) else f" · {html.escape(case['change'])}"
    summary = f"<code>{html.escape(case['name'])}</code> · {where}{change} · {what}"
    where_file = (
        "The case file was removed."
        if case["change"].startswith("file removed")
        else (f"File: {_code(case['source'])}")
    )
    if case.get("account", {}).get("alias"):
        where_file += f" · Account: {_code(case['account']['alias'])}"
    lines = ["", f"<details><summary>{summary}</summary>", "", where_file, ""]
    lines += [f"- **refused**: {_inline(reason)}" for reason in case["refusals"]]
    lines += [""] if case["refusals"] else []
    for number, action in enumerate(case["actions"], 1):
        lines += _action(number, action)
    if not case["actions"] and not case["refusals"]:
        lines += ["Nothing is sent to AWS.", ""]
    lines += ["</details>", ""]
    return "\n".join(lines)


def _action(number: int, action: Mapping[str, Any]) -> list[str]:
    taken = step(action)
    lines = [f"{number}. **{taken.call}**: {_inline(taken.why)}"]
    lines += [f"   - {label}: {_inline(shown)}" for label, shown in taken.fields]
    lines += [
        f"   - attachment: {_code(f['path'])} ({f['bytes']:,} bytes, sha256 `{f['sha256']}`)"
        for f in taken.attachments
    ]
    if taken.body is not None:
        fence = _fence(taken.body)
        lines += ["", f"{fence}text", taken.body, fence]
    return [*lines, ""]


def _foot(document: Mapping[str, Any]) -> str:
    if not document["fingerprint"]:
        return ""
    return (
        f"Plan fingerprint: `{document['fingerprint']}`. Given to `pulumi up` "
        "(`SUPPORTCASES_APPROVED_PLAN` or `supportcases:approvedPlan`), it makes `up` refuse, before any "
        "Support API call, to carry out any other plan."
    )


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _code(text: str) -> str:
    """Inline code that survives backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{tick}{pad}{text}{pad}{tick}"


def _inline(text: str) -> str:
    """Text from a case file or the planner in running Markdown: HTML and line breaks neutralised, and
    ``@`` mentions kept from notifying anyone."""
    return re.sub(r"(^|\s)@", "\\1@\u200b", html.escape(text.replace("\n", " "), quote=False))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
