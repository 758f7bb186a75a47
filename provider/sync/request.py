"""What the sync pull request says: its title ("AWS replied on 2 cases"), and a body with each changed
transcript, the notices and the stack's status, and how to answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from provider.conversation.transcripts import Seen


@dataclass(frozen=True)
class Change:
    """One transcript the pull request changes, against the branch it goes into."""

    path: str  # the transcript, relative to the root
    case: str  # the case name
    source: str  # its case file
    display_id: str
    from_aws: int  # messages from AWS the base branch's transcript lacks
    before: str  # the status in the base branch's transcript ("" for a new transcript)
    after: str

    @classmethod
    def of(cls, path: str, base_text: str, text: str, case: str, source: str, display_id: str) -> Change:
        """The change from ``base_text`` (the base branch's transcript, "" if none) to ``text``."""
        old, new = Seen.read(base_text), Seen.read(text)
        return cls(
            path, case, source, display_id, max(0, new.from_aws - old.from_aws), old.status, new.status
        )

    def status(self) -> str:
        if self.before and self.before != self.after:
            return f"{self.before} → {self.after}"
        return self.after


def _cases(count: int) -> str:
    return f"{count} case{'' if count == 1 else 's'}"


def title(changes: Sequence[Change], stack: str) -> str:
    """``AWS replied on 2 cases (stack prod)``; ``AWS updated 1 case ...`` when only statuses or our own
    messages changed."""
    replied = sum(1 for change in changes if change.from_aws)
    if replied:
        return f"AWS replied on {_cases(replied)} (stack {stack})"
    return f"AWS updated {_cases(len(changes))} (stack {stack})"


def marker(stack: str) -> str:
    """The hidden first line that names the stack of a sync pull request."""
    return f"<!-- supportcases-sync stack={stack} -->"


# The most a pull request body may hold: GitHub refuses a longer one ("body is too long (maximum is 65536
# characters)", its API's validation error; its public docs give no figure). GitLab takes far longer
# descriptions; one limit serves both.
BODY_LIMIT = 65_536


def body(
    stack: str,
    changes: Sequence[Change],
    status: str,
    reviewers: Sequence[str] = (),
    *,
    limit: int = BODY_LIMIT,
) -> str:
    """The pull request's Markdown body; ``status`` is ``status --format markdown``. Past ``limit``
    characters the stack's status gives way to the command that prints it, then the table's last rows
    to a count of them: the transcripts on the branch say it all."""
    text = _body(stack, changes, status, reviewers, len(changes))
    if len(text) <= limit:
        return text
    status = f"Too long to show here: `python -m provider status --stack {stack}`."
    shown = len(changes)
    text = _body(stack, changes, status, reviewers, shown)
    while len(text) > limit and shown > 0:
        shown = max(0, shown - max(1, (len(text) - limit) // 80))
        text = _body(stack, changes, status, reviewers, shown)
    return text


def _body(stack: str, changes: Sequence[Change], status: str, reviewers: Sequence[str], shown: int) -> str:
    lines = [
        marker(stack),
        f"### {title(changes, stack)}",
        "",
        "> [!NOTE]",
        "> **Merging this changes no case at AWS.** It holds only transcripts (`*.thread.md`), which are "
        "never case files. To answer AWS, append a message to `communications:` in the case file, in a pull "
        "request of its own: its plan comment shows what will be sent.",
        "",
        "| case | transcript | new from AWS | status |",
        "| --- | --- | --- | --- |",
    ]
    for change in changes[:shown]:
        named = f"`{change.case}` {change.display_id}".rstrip()
        lines.append(f"| {named} | `{change.path}` | {change.from_aws} | {change.status()} |")
    if shown < len(changes):
        lines.append(f"| … | {len(changes) - shown} more transcripts: see the branch | | |")
    lines += ["", f"#### Stack `{stack}`", "", status.rstrip("\n"), ""]
    if reviewers:
        lines += [f"Code owners of these case files: {', '.join(reviewers)}", ""]
    lines.append(
        "This branch belongs to the sync pipeline (`python -m provider sync`), which rewrites it on the "
        "next reply from AWS: do not commit to it."
    )
    return "\n".join(lines) + "\n"
