"""A local stand-in of the GitHub and GitLab pull/merge-request APIs, on 127.0.0.1, for the sync's own
commands (built, as tests/review/forge_standin.py is, on tests/helpers/forge_api.py).

It serves what ``provider.sync.forge`` calls, answering as the real services document: GitHub pulls (list
by ``head=OWNER:BRANCH`` and ``state``, create 201, ``PATCH`` edit, ``POST requested_reviewers`` 201 with
``reviewers`` and ``team_reviewers``), GitLab merge requests (list by ``source_branch`` and ``state``,
create 201, ``PUT`` edit with ``reviewer_ids``) and ``GET /users?username=``. As the real services do, a
request's head branch must exist in the repository (the local bare repository ``remote``): GitHub answers
422 otherwise. What a request holds is read from that repository, as its "files changed" tab shows it.
A call without the expected token is refused with 401.
"""

from __future__ import annotations

import subprocess
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from re import Match
from typing import Any, ClassVar

from tests.helpers.forge_api import ForgeHandler, serving

TOKEN = "sync-forge-token"
OWNER = "acme"
REPO = f"{OWNER}/support-cases"
USERS = {"dba-lead": 11, "billing-lead": 12, "storage-lead": 13, "platform-lead": 14}  # GitLab user ids


@dataclass
class Forge:
    """What the stand-in holds: pull/merge requests by number, and every call made (method, path)."""

    remote: Path
    url: str = ""
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def writes(self) -> list[tuple[str, str]]:
        """The calls that changed something."""
        return [call for call in self.calls if call[0] != "GET"]

    def files(self, number: int) -> list[str]:
        """The files request ``number`` changes, as its "files changed" tab shows them (base...head)."""
        item = self.requests[number]
        head = item["head"]["ref"] if "head" in item else item["source_branch"]
        base = item["base"]["ref"] if "base" in item else item["target_branch"]
        return _git(self.remote, "diff", "--name-only", f"{base}...{head}").split()

    def has_branch(self, branch: str) -> bool:
        return bool(_git(self.remote, "branch", "--list", branch).strip())


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


_ROUTES = [
    ("GET", r"/repos/[^/]+/[^/]+/pulls", "gh_list"),
    ("POST", r"/repos/[^/]+/[^/]+/pulls", "gh_create"),
    ("PATCH", r"/repos/[^/]+/[^/]+/pulls/(\d+)", "gh_edit"),
    ("POST", r"/repos/[^/]+/[^/]+/pulls/(\d+)/requested_reviewers", "gh_review"),
    ("GET", r"/api/v4/projects/[^/]+/merge_requests", "gl_list"),
    ("POST", r"/api/v4/projects/[^/]+/merge_requests", "gl_create"),
    ("PUT", r"/api/v4/projects/[^/]+/merge_requests/(\d+)", "gl_edit"),
    ("GET", r"/api/v4/users", "gl_users"),
]


class _Handler(ForgeHandler):
    """What provider.sync.forge calls: pull and merge requests, reviewers, GitLab users."""

    token = TOKEN
    routes = _ROUTES
    forge: ClassVar[Forge]

    def _dispatch(self, action: str, found: Match[str], path: str, query: dict[str, list[str]]) -> None:
        number = int(found.group(1)) if found.groups() else 0
        getattr(self, "_" + action)(number, {key: values[0] for key, values in query.items()})

    # --- GitHub ---------------------------------------------------------------------------------

    def _gh_list(self, _: int, query: dict[str, str]) -> None:
        owner, _, branch = query.get("head", ":").partition(":")
        found = [
            item
            for item in self.forge.requests.values()
            if item["state"] == query.get("state", "open")
            and owner == OWNER
            and item["head"]["ref"] == branch
        ]
        self._answer(200, found)

    def _gh_create(self, _: int, __: dict[str, str]) -> None:
        payload = self._payload()
        if not self.forge.has_branch(payload["head"]):
            self._answer(
                422, {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]}
            )
            return
        number = len(self.forge.requests) + 1
        self.forge.requests[number] = {
            "number": number,
            "html_url": f"https://github.com/{REPO}/pull/{number}",
            "state": "open",
            "title": payload["title"],
            "body": payload.get("body", ""),
            "head": {"ref": payload["head"]},
            "base": {"ref": payload["base"]},
            "requested_reviewers": [],
            "requested_teams": [],
        }
        self._answer(201, self.forge.requests[number])

    def _gh_edit(self, number: int, _: dict[str, str]) -> None:
        if number not in self.forge.requests:
            self._answer(404, {"message": "Not Found"})
            return
        self.forge.requests[number].update(self._payload())
        self._answer(200, self.forge.requests[number])

    def _gh_review(self, number: int, _: dict[str, str]) -> None:
        item = self.forge.requests[number]
        payload = self._payload()
        item["requested_reviewers"] += [{"login": login} for login in payload.get("reviewers", [])]
        item["requested_teams"] += [{"slug": slug} for slug in payload.get("team_reviewers", [])]
        self._answer(201, item)

    # --- GitLab ---------------------------------------------------------------------------------

    def _gl_list(self, _: int, query: dict[str, str]) -> None:
        found = [
            item
            for item in self.forge.requests.values()
            if item["state"] == query.get("state", "opened")
            and item["source_branch"] == query.get("source_branch")
        ]
        self._answer(200, found)

    def _gl_create(self, _: int, __: dict[str, str]) -> None:
        payload = self._payload()
        if not self.forge.has_branch(payload["source_branch"]):
            self._answer(422, {"message": ["Source branch does not exist"]})
            return
        iid = len(self.forge.requests) + 1
        self.forge.requests[iid] = {
            "iid": iid,
            "web_url": f"https://gitlab.example.com/{REPO}/-/merge_requests/{iid}",
            "state": "opened",
            "title": payload["title"],
            "description": payload.get("description", ""),
            "source_branch": payload["source_branch"],
            "target_branch": payload["target_branch"],
            "reviewers": [],
        }
        self._answer(201, self.forge.requests[iid])

    def _gl_edit(self, iid: int, _: dict[str, str]) -> None:
        item = self.forge.requests[iid]
        payload = self._payload()
        if "reviewer_ids" in payload:
            names = {number: name for name, number in USERS.items()}
            item["reviewers"] = [{"id": i, "username": names[i]} for i in payload.pop("reviewer_ids")]
        item.update(payload)
        self._answer(200, item)

    def _gl_users(self, _: int, query: dict[str, str]) -> None:
        name = query.get("username", "")
        self._answer(200, [{"id": USERS[name], "username": name}] if name in USERS else [])


def running_forge(remote: Path) -> AbstractContextManager[Forge]:
    """Serve a fresh stand-in on 127.0.0.1 (a free port) for the bare repository ``remote``."""
    return serving(_Handler, Forge(remote))


def github_env(forge: Forge) -> dict[str, str]:
    """The variables a GitHub Actions job gives the sync command."""
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": forge.url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REF_NAME": "main",
    }


def gitlab_env(forge: Forge) -> dict[str, str]:
    """The variables a GitLab CI job gives the sync command."""
    return {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": forge.url + "/api/v4",
        "CI_PROJECT_ID": REPO,
        "CI_COMMIT_BRANCH": "main",
        "GITLAB_TOKEN": TOKEN,
    }
