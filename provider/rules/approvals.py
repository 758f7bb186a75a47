"""Who approved a pull request, as the pipeline tells it, and whether a case's ``approvedBy`` is one of
them and owns the file.

Locally nobody tells: a case of a severity that needs approval must name its approver in
``approvedBy:``, and that is all that can be checked. In a pipeline the job passes, in the environment:

- ``SUPPORTCASES_APPROVERS``: the people who approved the pull request's head, separated by commas or
  spaces; each may carry the teams the pipeline found them in, ``alice:@acme/sre:@acme/dba``, so that a
  file owned by a team can be approved by its members. Set (even empty), it turns the check on.
- ``SUPPORTCASES_CHANGED_FILES`` (optional): the paths the pull request changes, relative to the
  repository root, separated by commas or line breaks. Only those case files are held to this pull
  request's approvals; a file approved in an earlier one keeps its ``approvedBy``.
- ``SUPPORTCASES_FORGE`` (optional): ``github`` (default) or ``gitlab``: where CODEOWNERS is looked for.

Then ``approvedBy`` must be among the approvers and, when the repository has a CODEOWNERS file, an owner
of the case file (as ``@login``, or through one of the teams given with it). docs/rules.md gives the
pipeline's side of this interface.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provider.sync.codeowners import Owners

APPROVERS_ENV = "SUPPORTCASES_APPROVERS"
CHANGED_ENV = "SUPPORTCASES_CHANGED_FILES"
FORGE_ENV = "SUPPORTCASES_FORGE"
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class Approvals:
    """A pull request's approvers (login -> the teams the pipeline found them in) and the files it
    changes (None: every file is held to these approvals)."""

    approvers: Mapping[str, tuple[str, ...]]
    changed: frozenset[str] | None
    owners: Owners

    @classmethod
    def from_env(cls, root: Path, env: Mapping[str, str] | None = None) -> Approvals | None:
        """The approvals the pipeline passed in ``env`` (default: the environment); None when it passed
        none (a local run)."""
        env = os.environ if env is None else env
        if APPROVERS_ENV not in env:
            return None
        from provider.sync.codeowners import LOCATIONS, Owners  # read only in a pipeline

        approvers: dict[str, tuple[str, ...]] = {}
        for token in filter(None, _SEPARATORS.split(env[APPROVERS_ENV])):
            login, *teams = token.split(":")
            approvers[_login(login)] = tuple(team.lower() for team in teams if team)
        changed = env.get(CHANGED_ENV)
        files = None if changed is None else frozenset(filter(None, re.split(r"[,\n]+", changed.strip())))
        forge = env.get(FORGE_ENV, "github")
        return cls(approvers, files, Owners.read(root, forge if forge in LOCATIONS else "github"))

    def objection(self, source: str, approver: str) -> str | None:
        """Why ``approver`` (a case file's ``approvedBy``) does not approve ``source`` in this pull
        request, or None when they do (or the file is not one the pull request changes)."""
        if self.changed is not None and source not in self.changed:
            return None
        login = _login(approver)
        if login not in self.approvers:
            given = ", ".join(sorted(self.approvers)) or "nobody"
            return f"approvedBy '{approver}' has not approved this pull request (approved by: {given})"
        owners = self.owners.of(source)
        if not self.owners.rules or not owners:
            return None
        mine = {f"@{login}", *self.approvers[login]}
        if mine & {owner.lower() for owner in owners}:
            return None
        return (
            f"approvedBy '{approver}' approved, but does not own {source} in {self.owners.source} "
            f"(owners: {' '.join(owners)})"
        )


def _login(name: str) -> str:
    """A login as compared: without a leading @, in lower case (GitHub and GitLab logins ignore case)."""
    return name.removeprefix("@").lower()
