"""The git side of the sync: the sync branch on the remote, and one commit holding the transcripts.

Everything goes through the ``git`` CLI in the repository's work tree. The commit is built in a private
index (``GIT_INDEX_FILE``), so neither the checkout's branch nor its index moves, and pushed with
``--force-with-lease`` naming the branch's last known head: the sync branch belongs to the pipeline, and a
push that would drop a commit somebody else added refuses instead.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TRANSCRIPTS = "*.thread.md"  # a git pathspec: `*` matches across `/` as well
BOT_NAME = "AWS Support sync"
BOT_EMAIL = "support-sync@users.noreply.example.com"


class GitError(Exception):
    """A git command failed; the message names it and what git said."""


@dataclass(frozen=True)
class Git:
    """The repository at ``root`` and its ``remote``."""

    root: Path
    remote: str = "origin"

    def run(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        """``git ARGS`` in the work tree; its standard output without the final newline."""
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
        if check and done.returncode != 0:
            raise GitError(f"`git {' '.join(args)}` failed: {(done.stderr or done.stdout).strip()}")
        return done.stdout.rstrip("\n")

    def current_branch(self) -> str:
        """The checked-out branch ("" when HEAD is detached)."""
        return self.run("branch", "--show-current")

    def remote_head(self, branch: str) -> str | None:
        """The remote's head of ``branch`` (fetched into ``refs/remotes/<remote>/<branch>``), or None (also
        when the repository has no such remote: a ``--dry-run`` on a clone of nothing)."""
        if self.remote not in self.run("remote").split():
            return None
        listed = self.run("ls-remote", "--heads", self.remote, f"refs/heads/{branch}")
        if not listed:
            return None
        self.run(
            "fetch", "--quiet", "--no-tags", self.remote, f"+refs/heads/{branch}:{self.tracking(branch)}"
        )
        return listed.split()[0]

    def tracking(self, branch: str) -> str:
        """Where the remote's ``branch`` is fetched to."""
        return f"refs/remotes/{self.remote}/{branch}"

    def changed_since(self, base: str, head: str) -> list[str]:
        """The transcripts ``head`` changed since it left ``base``."""
        return self.run("diff", "--name-only", f"{base}...{head}", "--", TRANSCRIPTS).splitlines()

    def restore(self, source: str, paths: Sequence[str]) -> None:
        """Put ``source``'s version of ``paths`` in the work tree (the index stays)."""
        if paths:
            self.run("restore", f"--source={source}", "--worktree", "--", *paths)

    def changed_transcripts(self) -> list[str]:
        """The transcripts of the work tree that differ from HEAD, new ones included."""
        tracked = self.run("diff", "--name-only", "HEAD", "--", TRANSCRIPTS).splitlines()
        new = self.run("ls-files", "--others", "--exclude-standard", "--", TRANSCRIPTS).splitlines()
        return sorted({*tracked, *new})

    def show(self, ref: str, path: str) -> str:
        """``path`` as ``ref`` holds it ("" when it has none)."""
        return self.run("show", f"{ref}:{path}", check=False)

    def commit(self, paths: Sequence[str], message: str) -> str:
        """A commit on top of HEAD holding the work tree's ``paths``, made in a private index; its sha."""
        with tempfile.TemporaryDirectory() as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.run("read-tree", "HEAD", env=index)
            self.run("add", "--", *paths, env=index)
            tree = self.run("write-tree", env=index)
        configured = self.run("config", "user.email", check=False)
        identity = [] if configured else ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
        return self.run(*identity, "commit-tree", tree, "-p", "HEAD", "-m", message)

    def same_transcripts(self, one: str, other: str) -> bool:
        """Whether two commits hold the same transcripts."""
        done = subprocess.run(
            ["git", "diff", "--quiet", one, other, "--", TRANSCRIPTS], cwd=self.root, check=False
        )
        return done.returncode == 0

    def push(self, commit: str, branch: str, expected: str | None) -> None:
        """Point the remote's ``branch`` at ``commit`` if it is still at ``expected`` (None: absent)."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        self.run("push", "--quiet", lease, self.remote, f"{commit}:refs/heads/{branch}")
