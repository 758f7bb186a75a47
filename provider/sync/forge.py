"""The sync pull request (GitHub) or merge request (GitLab): found by its branch, opened or edited, and
the case files' code owners asked to review.

GitHub REST API (https://docs.github.com/en/rest/pulls/pulls, .../pulls/review-requests):
``GET /repos/{repo}/pulls?head=OWNER:BRANCH&state=open``, ``POST /repos/{repo}/pulls``, ``PATCH
/repos/{repo}/pulls/{n}``, ``POST /repos/{repo}/pulls/{n}/requested_reviewers`` with ``reviewers``
(logins) and ``team_reviewers`` (team slugs). GitLab REST API v4 (https://docs.gitlab.com/api/merge_requests/):
``GET /projects/{id}/merge_requests?source_branch=BRANCH&state=opened``, ``POST`` and ``PUT
/projects/{id}/merge_requests[/{iid}]`` with ``reviewer_ids``, and ``GET /users?username=NAME``
(https://docs.gitlab.com/api/users/) for a reviewer's id. A GitHub e-mail owner and a GitLab group cannot
be asked by these APIs; they are named as such instead.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from provider.forgeapi import Api, need


@dataclass(frozen=True)
class Request:
    """An open pull or merge request: its number, web address and the reviewers already asked."""

    number: int
    url: str
    reviewers: tuple[str, ...] = ()
    reviewer_ids: tuple[int, ...] = ()  # GitLab


@dataclass
class Asked:
    """Which owners were asked to review, and which could not be (with why)."""

    requested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class Forge(Protocol):
    """What the sync needs from a forge."""

    name: str
    noun: str  # "pull request" | "merge request"

    def find(self, branch: str) -> Request | None: ...
    def open(self, branch: str, base: str, title: str, body: str) -> Request: ...
    def update(self, request: Request, title: str, body: str) -> None: ...
    def ask(self, request: Request, owners: Sequence[str]) -> Asked: ...


@dataclass
class GitHub:
    """Pull requests of one GitHub repository (``owner/name``)."""

    api: Api
    repo: str
    name: str = "GitHub"
    noun: str = "pull request"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GitHub:
        """From an Actions job: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN."""
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {need(environ, 'GITHUB_TOKEN')}",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        base = environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
        return cls(Api("GitHub", base, headers), need(environ, "GITHUB_REPOSITORY"))

    def _request(self, item: Mapping[str, Any]) -> Request:
        users = tuple(f"@{user['login']}" for user in item.get("requested_reviewers") or [])
        org = self.repo.split("/")[0]
        teams = tuple(f"@{org}/{team['slug']}" for team in item.get("requested_teams") or [])
        return Request(int(item["number"]), str(item.get("html_url", "")), users + teams)

    def find(self, branch: str) -> Request | None:
        owner = self.repo.split("/")[0]
        found = self.api.call("GET", f"/repos/{self.repo}/pulls", head=f"{owner}:{branch}", state="open")
        return self._request(found[0]) if found else None

    def open(self, branch: str, base: str, title: str, body: str) -> Request:
        payload = {"title": title, "head": branch, "base": base, "body": body, "maintainer_can_modify": False}
        return self._request(self.api.call("POST", f"/repos/{self.repo}/pulls", payload))

    def update(self, request: Request, title: str, body: str) -> None:
        self.api.call("PATCH", f"/repos/{self.repo}/pulls/{request.number}", {"title": title, "body": body})

    def ask(self, request: Request, owners: Sequence[str]) -> Asked:
        asked = Asked()
        users: list[str] = []
        teams: list[str] = []
        for owner in owners:
            if not owner.startswith("@"):
                asked.skipped.append(f"{owner} (an e-mail address: GitHub asks for reviews by login)")
            elif owner in request.reviewers:
                continue
            elif "/" in owner:
                teams.append(owner.split("/", 1)[1])
                asked.requested.append(owner)
            else:
                users.append(owner[1:])
                asked.requested.append(owner)
        if users or teams:
            path = f"/repos/{self.repo}/pulls/{request.number}/requested_reviewers"
            self.api.call("POST", path, {"reviewers": users, "team_reviewers": teams})
        return asked


@dataclass
class GitLab:
    """Merge requests of one GitLab project."""

    api: Api
    project: str  # URL-encoded id or path
    name: str = "GitLab"
    noun: str = "merge request"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GitLab:
        """From a CI job: CI_API_V4_URL, CI_PROJECT_ID and GITLAB_TOKEN (a project access token with the
        api scope: a job token cannot open merge requests)."""
        headers = {"PRIVATE-TOKEN": need(environ, "GITLAB_TOKEN")}
        api = Api("GitLab", need(environ, "CI_API_V4_URL").rstrip("/"), headers)
        return cls(api, urllib.parse.quote(need(environ, "CI_PROJECT_ID"), safe=""))

    @staticmethod
    def _request(item: Mapping[str, Any]) -> Request:
        reviewers = item.get("reviewers") or []
        return Request(
            int(item["iid"]),
            str(item.get("web_url", "")),
            tuple(f"@{user['username']}" for user in reviewers),
            tuple(int(user["id"]) for user in reviewers),
        )

    def find(self, branch: str) -> Request | None:
        path = f"/projects/{self.project}/merge_requests"
        found = self.api.call("GET", path, source_branch=branch, state="opened")
        return self._request(found[0]) if found else None

    def open(self, branch: str, base: str, title: str, body: str) -> Request:
        payload = {
            "source_branch": branch,
            "target_branch": base,
            "title": title,
            "description": body,
            "remove_source_branch": True,
        }
        return self._request(self.api.call("POST", f"/projects/{self.project}/merge_requests", payload))

    def update(self, request: Request, title: str, body: str) -> None:
        path = f"/projects/{self.project}/merge_requests/{request.number}"
        self.api.call("PUT", path, {"title": title, "description": body})

    def ask(self, request: Request, owners: Sequence[str]) -> Asked:
        asked = Asked()
        ids = list(request.reviewer_ids)
        for owner in owners:
            if owner in request.reviewers:
                continue
            found = self.api.call("GET", "/users", username=owner[1:]) if owner.startswith("@") else []
            if not found:
                asked.skipped.append(f"{owner} (no GitLab user of that name: a group or an e-mail address)")
                continue
            ids.append(int(found[0]["id"]))
            asked.requested.append(owner)
        if asked.requested:
            path = f"/projects/{self.project}/merge_requests/{request.number}"
            self.api.call("PUT", path, {"reviewer_ids": ids})
        return asked


def forge_from_env(name: str, environ: Mapping[str, str]) -> Forge:
    """The forge ``name`` (github | gitlab) from the job's environment."""
    return GitHub.from_env(environ) if name == "github" else GitLab.from_env(environ)


def default_base(name: str, environ: Mapping[str, str]) -> str:
    """The branch a scheduled job runs on: GITHUB_REF_NAME, or GitLab's CI_COMMIT_BRANCH (else its
    CI_DEFAULT_BRANCH); "" when neither is set."""
    if name == "github":
        return environ.get("GITHUB_REF_NAME", "")
    return environ.get("CI_COMMIT_BRANCH") or environ.get("CI_DEFAULT_BRANCH", "")
