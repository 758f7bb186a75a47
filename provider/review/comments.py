"""One plan comment per stack on a pull request (GitHub) or merge request (GitLab), and the approved
fingerprint read back from it after the merge.

The comment is found again by its hidden first line (``<!-- support-cases-plan stack=NAME ...-->``) and
edited in place, so a pull request carries one current plan per stack. After the merge the pipeline
asks which request brought the commit and reads the fingerprint from that request's plan comment,
written by the pipeline's own account, never by anyone else: on GitHub the login given (``--author
github-actions[bot]``; an Actions token cannot name its own user), on GitLab the token's own user
unless one is given. When that account wrote more than one plan comment for the stack, the newest
counts, for posting as for reading.

GitHub REST API: issue comments (``/repos/{repo}/issues/{n}/comments``, "Issue comments are ordered by
ascending ID", docs.github.com/en/rest/issues/comments#list-issue-comments; ``PATCH
/repos/{repo}/issues/comments/{id}``) and ``/repos/{repo}/commits/{sha}/pulls``. GitLab REST API v4:
merge-request notes (``/projects/{id}/merge_requests/{iid}/notes``, listed ``sort=desc`` by
``created_at`` unless asked otherwise, docs.gitlab.com/api/notes/#list-all-merge-request-notes, so
they are asked for ``sort=asc&order_by=created_at``), the token's user (``/user``,
docs.gitlab.com/api/users/#get-the-current-user) and
``/projects/{id}/repository/commits/{sha}/merge_requests``. The calls go through ``provider.forgeapi``.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from provider.forgeapi import Api, ForgeError, need
from provider.review.markdown import fingerprint_in, marker_prefix

PAGE = 100  # items per page; both APIs allow at most 100


class Comment(NamedTuple):
    """A comment (GitHub) or note (GitLab): its id, author login and Markdown body."""

    id: int
    author: str
    body: str


@dataclass(frozen=True)
class Forge:
    """A comments API: where it is, how to authenticate, and the paths of the calls."""

    api: Api
    comments_path: str  # of one request, with {number}
    comment_path: str  # of one comment of one request, with {number} and {id}
    requests_of_commit_path: str  # with {sha}
    update_method: str  # PATCH (GitHub) or PUT (GitLab)
    oldest_first: str  # the list query that orders comments oldest first ("" where that is the default)
    user_path: str | None  # the token's own user, where the API can tell
    resource_group_path: str | None  # a resource group of the project, with {key} (GitLab)
    approvals_path: str = ""  # GitLab: the approval state of request {number}
    reviews_path: str = ""  # GitHub: the reviews of request {number}, oldest first
    request_path: str = ""  # GitHub: request {number} itself (its head commit)
    files_path: str = ""  # the files request {number} changes, paginated
    file_keys: tuple[str, ...] = ()  # the keys of a listed file that hold its paths (old and new)
    files_limit: int = 0  # the most files the API lists for one request (0: no documented limit)

    def comments(self, number: int) -> Iterator[Comment]:
        """Every comment of request ``number``, oldest first, page after page."""
        for item in self._pages(self.comments_path.format(number=number), self.oldest_first):
            if not item.get("system"):  # GitLab's own notes ("added 1 commit")
                user = item.get("user") or item.get("author") or {}
                yield Comment(int(item["id"]), str(user.get("login") or user.get("username")), item["body"])

    def own_user(self) -> str:
        """The login of the token's own user: whose plan comments count."""
        if self.user_path is None:
            raise ForgeError(
                f"{self.api.name}: say whose comments carry the plan with --author "
                "(e.g. github-actions[bot]): an Actions token cannot name its own user"
            )
        user = self.api.call("GET", self.user_path)
        return str(user["username"])

    def check_oldest_first(self, key: str) -> None:
        """Refuse unless resource group ``key`` runs its jobs oldest pipeline first: GitLab's default,
        ``unordered``, may run a later merge's apply before an earlier one's, which then leaves the
        earlier merge unapplied (docs.gitlab.com/ci/resource_groups/#process-modes; the mode is set
        only through the API, docs.gitlab.com/api/resource_groups/#edit-an-existing-resource-group)."""
        if self.resource_group_path is None:
            raise ForgeError(f"{self.api.name} has no resource groups: --resource-group is for GitLab")
        path = self.resource_group_path.format(key=urllib.parse.quote(key, safe=""))
        mode = self.api.call("GET", path).get("process_mode")
        if mode != "oldest_first":
            raise ForgeError(
                f"resource group {key} processes jobs {mode!r}, not 'oldest_first', so a later merge may be "
                f"applied first: set it once with PUT {path}?process_mode=oldest_first (docs/pipelines.md)"
            )

    def approvers(self, number: int) -> list[str]:
        """Who approves request ``number`` as it is now.

        GitLab: "Get approval state" of a merge request, ``approved_by[].user.username``
        (docs.gitlab.com/api/merge_request_approvals/). GitHub: "List reviews for a pull request" (in
        chronological order, docs.github.com/en/rest/pulls/reviews): a reviewer's latest review that
        approves, requests changes or was dismissed decides (a comment review decides nothing), and an
        approval counts only for the pull request's head commit (``commit_id`` against ``head.sha`` of
        "Get a pull request"): an approval given before the last push approved other case files."""
        if self.approvals_path:
            state = self.api.call("GET", self.approvals_path.format(number=number))
            return sorted({str(entry["user"]["username"]) for entry in state.get("approved_by") or []})
        head = str(self.api.call("GET", self.request_path.format(number=number))["head"]["sha"])
        decided: dict[str, dict[str, Any]] = {}
        for review in self._pages(self.reviews_path.format(number=number)):
            if review.get("state") in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                decided[str((review.get("user") or {}).get("login"))] = review
        return sorted(
            login
            for login, review in decided.items()
            if review["state"] == "APPROVED" and review.get("commit_id") == head
        )

    def changed_files(self, number: int) -> list[str]:
        """The paths request ``number`` changes, old and new names of a rename alike. GitLab: "List merge
        request diffs", ``old_path``/``new_path`` (docs.gitlab.com/api/merge_requests/); GitHub: "List
        pull requests files", ``filename``/``previous_filename``, at most 3,000 files
        (docs.github.com/en/rest/pulls/pulls#list-pull-requests-files). A request past that limit is
        refused: a case file left off the list would escape its named approver."""
        paths, listed = set(), 0
        for item in self._pages(self.files_path.format(number=number)):
            listed += 1
            paths |= {str(item[key]) for key in self.file_keys if item.get(key)}
        if self.files_limit and listed >= self.files_limit:
            raise ForgeError(
                f"{self.api.name}: request {number} changes {listed} or more files, the most the API "
                "lists: split it, so that every case file it changes is held to its approvals"
            )
        return sorted(paths)

    def _pages(self, path: str, query: str = "") -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, page after page (``query``: more of it, from ``&``)."""
        for page in range(1, 10_000):
            items = self.api.call("GET", f"{path}?per_page={PAGE}&page={page}{query}")
            yield from items
            if len(items) < PAGE:
                return
        raise ForgeError(f"{self.api.name}: {path} lists more items than can be read")

    def create(self, number: int, body: str) -> int:
        return int(self.api.call("POST", self.comments_path.format(number=number), {"body": body})["id"])

    def update(self, number: int, comment: int, body: str) -> None:
        self.api.call(self.update_method, self.comment_path.format(number=number, id=comment), {"body": body})

    def merged_request(self, sha: str) -> int:
        """The number of the merged request that brought commit ``sha``."""
        found = self.api.call("GET", self.requests_of_commit_path.format(sha=sha))
        merged = [item for item in found if item.get("merged_at") or item.get("state") == "merged"]
        exact = [
            item for item in merged if sha in (item.get("merge_commit_sha"), item.get("squash_commit_sha"))
        ]
        for item in exact or merged:
            return int(item.get("number") or item["iid"])
        raise ForgeError(f"{self.api.name}: no merged request brought commit {sha}")


def github(environ: Mapping[str, str]) -> Forge:
    """GitHub from an Actions job's environment: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN."""
    repo = need(environ, "GITHUB_REPOSITORY")
    headers = {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {need(environ, 'GITHUB_TOKEN')}",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "support-cases-as-code",
    }
    return Forge(
        api=Api("GitHub", environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"), headers),
        comments_path=f"/repos/{repo}/issues/{{number}}/comments",
        comment_path=f"/repos/{repo}/issues/comments/{{id}}",
        requests_of_commit_path=f"/repos/{repo}/commits/{{sha}}/pulls",
        update_method="PATCH",
        oldest_first="",
        user_path=None,
        resource_group_path=None,
        reviews_path=f"/repos/{repo}/pulls/{{number}}/reviews",
        request_path=f"/repos/{repo}/pulls/{{number}}",
        files_path=f"/repos/{repo}/pulls/{{number}}/files",
        file_keys=("filename", "previous_filename"),
        files_limit=3000,
    )


def gitlab(environ: Mapping[str, str]) -> Forge:
    """GitLab from a CI job's environment: CI_API_V4_URL, CI_PROJECT_ID, and GITLAB_TOKEN (a project
    access token with the api scope: a job token cannot write notes)."""
    project = urllib.parse.quote(need(environ, "CI_PROJECT_ID"), safe="")
    base = f"/projects/{project}"
    headers = {"PRIVATE-TOKEN": need(environ, "GITLAB_TOKEN"), "User-Agent": "support-cases-as-code"}
    return Forge(
        api=Api("GitLab", need(environ, "CI_API_V4_URL").rstrip("/"), headers),
        comments_path=f"{base}/merge_requests/{{number}}/notes",
        comment_path=f"{base}/merge_requests/{{number}}/notes/{{id}}",
        requests_of_commit_path=f"{base}/repository/commits/{{sha}}/merge_requests",
        update_method="PUT",
        oldest_first="&sort=asc&order_by=created_at",
        user_path="/user",
        resource_group_path=f"{base}/resource_groups/{{key}}",
        approvals_path=f"{base}/merge_requests/{{number}}/approvals",
        files_path=f"{base}/merge_requests/{{number}}/diffs",
        file_keys=("old_path", "new_path"),
    )


FORGES = {"github": github, "gitlab": gitlab}


def request_number(forge: str, environ: Mapping[str, str]) -> int:
    """The pull request of a GitHub ``pull_request`` event, or GitLab's CI_MERGE_REQUEST_IID."""
    if forge == "gitlab":
        return int(need(environ, "CI_MERGE_REQUEST_IID"))
    event = json.loads(Path(need(environ, "GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
    number = (event.get("pull_request") or {}).get("number")
    if number is None:
        raise ForgeError("the GitHub event is not a pull request: give --request NUMBER")
    return int(number)


def post_plan(forge: Forge, number: int, stack: str | None, body: str, author: str | None) -> str:
    """Create this stack's plan comment on request ``number``, or edit the newest one the pipeline's
    account wrote there (``author``, default the token's own user)."""
    prefix = marker_prefix(stack)
    if not body.startswith(prefix + " "):
        raise ForgeError(f"the comment does not start with this stack's marker {prefix} ... -->")
    mine = _plan_comments(forge, number, stack, author or forge.own_user())
    if mine:
        forge.update(number, mine[-1].id, body)
        return f"updated comment {mine[-1].id} on request {number}"
    return f"created comment {forge.create(number, body)} on request {number}"


def approved(
    forge: Forge, sha: str, stack: str | None, author: str | None, resource_group: str | None = None
) -> str:
    """The fingerprint in the newest plan comment by the pipeline's account (``author``, default the
    token's own user) on the request that merged ``sha``; an older comment never stands in for it.
    With ``resource_group``, first check that GitLab runs that group's jobs oldest first."""
    if resource_group:
        forge.check_oldest_first(resource_group)
    who = author or forge.own_user()
    number = forge.merged_request(sha)
    mine = _plan_comments(forge, number, stack, who)
    fingerprint = fingerprint_in(mine[-1].body, stack) if mine else None
    if fingerprint is None:
        found = "its newest plan comment has no fingerprint" if mine else "no plan comment"
        raise ForgeError(f"request {number}: {found} by {who} for stack {stack}")
    return fingerprint


def _plan_comments(forge: Forge, number: int, stack: str | None, author: str) -> list[Comment]:
    """This stack's plan comments on request ``number`` written by ``author``, oldest first."""
    prefix = marker_prefix(stack) + " "
    return [c for c in forge.comments(number) if c.author == author and c.body.startswith(prefix)]
