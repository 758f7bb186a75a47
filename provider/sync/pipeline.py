"""One sync of one stack: refresh, transcripts, and the one pull request that holds what changed.

1. When the stack's sync branch (``supportcases/sync/<stack>``) is on the remote, the transcripts it
   changed are put in the work tree first, so a run continues from what the open pull request already
   shows (the status changes it dated, the replies it counted).
2. ``pulumi refresh --yes --skip-preview`` (the CLI, as a person would run it): AWS's statuses and
   replies land in the stack state.
3. The transcripts are rewritten where the refreshed state shows something they lack; a transcript that
   already holds the case's newest message, status and severity is left alone without calling AWS, so
   an unchanged run makes only the calls the refresh makes.
4. The transcripts that differ from the checked-out branch are committed on top of it (nothing else),
   and the sync branch is pointed at that commit, unless it already holds the same transcripts: then
   nothing is pushed and no request is opened or edited.
5. One pull or merge request per stack from that branch: opened, or edited in place, with the code
   owners of the changed transcripts' case files asked to review.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from provider.conversation.notices import notices, status_markdown
from provider.conversation.stackstate import Stack, StackRef, load_stack
from provider.conversation.status import rows
from provider.conversation.transcripts import Outcome, Transcripts, thread_path
from provider.sync.codeowners import Owners
from provider.sync.forge import Asked, Forge, Request
from provider.sync.git import Git
from provider.sync.request import Change, body, title

BRANCH_PREFIX = "supportcases/sync/"


class SyncError(Exception):
    """A step of the sync failed; the message names the step."""


def branch_of(stack: str) -> str:
    """The fixed branch of a stack's sync pull request."""
    return BRANCH_PREFIX + stack


def pulumi_refresh(stack: str, cwd: Path) -> None:
    """``pulumi refresh --yes --skip-preview --stack STACK`` (a preview would read every case once more)."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise SyncError("`pulumi` is not on the PATH (source tools/env.sh, or install the Pulumi CLI)")
    command = [pulumi, "refresh", "--yes", "--skip-preview", "--non-interactive", "--stack", stack]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SyncError(f"`pulumi refresh --yes --skip-preview --stack {stack}` failed:\n{tail}")


@dataclass
class Result:
    """What one sync of one stack did."""

    stack: str
    outcomes: list[Outcome]
    changes: list[Change] = field(default_factory=list)
    title: str = ""
    status: str = ""  # status --format markdown
    pushed: str = ""  # the commit pushed to the sync branch ("" when nothing was pushed)
    request: Request | None = None
    opened: bool = False
    asked: Asked | None = None
    said: str = ""  # one line on what happened

    @property
    def failed(self) -> bool:
        return any(outcome.state == "failed" for outcome in self.outcomes)


@dataclass
class Sync:
    """Syncs stacks of the repository at ``git.root`` into pull requests on ``forge`` (None: look only,
    push and open nothing)."""

    git: Git
    forge: Forge | None
    base: str
    owners: Owners
    refresh: Callable[[str, Path], None] = pulumi_refresh
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def root(self) -> Path:
        return self.git.root

    def run(self, stack_name: str) -> Result:
        """Sync one stack."""
        branch = branch_of(stack_name)
        head = self.git.remote_head(branch)
        if head:
            self.git.restore(head, self.git.changed_since("HEAD", head))
        self.refresh(stack_name, self.root)
        stack = load_stack(StackRef(stack=stack_name))
        outcomes = Transcripts(stack.client, self.root, now=self.now, refreshed=True).run(stack.cases)
        result = Result(stack_name, outcomes, changes=self._changes(stack))
        now = self.now()
        result.status = status_markdown(rows(stack.cases, now), notices(stack.cases, now, self.root))
        if not result.changes:
            result.said = "nothing new from AWS: nothing pushed, no request opened"
            return result
        result.title = title(result.changes, stack_name)
        commit = self.git.commit([change.path for change in result.changes], result.title)
        if head and self.git.same_transcripts(head, commit):
            result.said = f"{result.title}: already on {branch}, nothing new since: nothing pushed"
            return result
        if self.forge is None:
            result.said = f"{result.title}: would push {branch} (--dry-run: nothing pushed)"
            return result
        self.git.push(commit, branch, head)
        result.pushed = commit
        self._request(result, branch)
        return result

    def _changes(self, stack: Stack) -> list[Change]:
        cases = {
            thread_path(self.root, case.source).relative_to(self.root).as_posix(): case
            for case in stack.cases
        }
        changes = []
        for path in self.git.changed_transcripts():
            case = cases.get(path)
            if case is None or not (self.root / path).exists():
                continue  # another stack's transcript, or one of a case the stack no longer has
            text = (self.root / path).read_text(encoding="utf-8")
            base = self.git.show("HEAD", path)
            changes.append(Change.of(path, base, text, case.name, case.source, case.record.display_id))
        return changes

    def _request(self, result: Result, branch: str) -> None:
        assert self.forge is not None
        owners = self.owners.of_all(change.source for change in result.changes if change.source)
        text = body(result.stack, result.changes, result.status, owners)
        request = self.forge.find(branch)
        if request is None:
            request = self.forge.open(branch, self.base, result.title, text)
            result.opened = True
        else:
            self.forge.update(request, result.title, text)
        result.request = request
        result.asked = self.forge.ask(request, owners)
        did = "opened" if result.opened else "updated"
        result.said = (
            f"{result.title}: pushed {branch} ({result.pushed[:12]}), {did} {self.forge.noun} "
            f"#{request.number} {request.url}".rstrip()
        )
