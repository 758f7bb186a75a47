"""A local stand-in of the GitHub and GitLab comment APIs, on 127.0.0.1, for the pipeline's own commands.

It serves what ``provider.review.comments`` calls, the way the real services answer: GitHub
issue comments (list with ``per_page``/``page``, create 201, ``PATCH`` edit; a body over 65,536
characters is refused with 422 as GitHub does), ``/commits/{sha}/pulls``, a pull request (its head),
its reviews and its files (paginated, at most 3,000 files); GitLab merge-request notes
(list, newest first unless ``sort=asc`` is asked, as GitLab's notes API documents; create, ``PUT``
edit; system notes are listed too), ``/user`` (the token's own user, ``GITLAB_BOT``), a resource
group (``unordered`` unless ``process_modes`` says otherwise, as GitLab creates one) and
``/repository/commits/{sha}/merge_requests``, a merge request's approval state and diffs. A comment
or note is written as the token's user (``BOT`` on GitHub). A request without the expected token is
refused with 401.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from re import Match
from typing import Any, ClassVar

from tests.helpers.forge_api import ForgeHandler, serving

TOKEN = "forge-test-token"
BOT = "github-actions[bot]"
GITLAB_BOT = "project_77_bot_5f1c0ffee"  # how GitLab names a project access token's user
GITHUB_COMMENT_LIMIT = 65_536


@dataclass
class Forge:
    """What the stand-in holds: comments by request number, merged commits, and every call made."""

    url: str = ""
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)  # commit sha -> request number
    process_modes: dict[str, str] = field(default_factory=dict)  # GitLab resource group -> its mode
    calls: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000
    approvals: dict[int, list[str]] = field(default_factory=dict)  # pull request -> who approved its head
    files: dict[int, list[str]] = field(default_factory=dict)  # pull request -> the files it changes
    # GitHub: earlier reviews of a pull request (before those of ``approvals``), oldest first, and its
    # renamed files (new path -> old path)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    renames: dict[int, dict[str, str]] = field(default_factory=dict)

    def head(self, number: int) -> str:
        """The head commit of a pull request."""
        return f"{number:040x}"

    def review(self, number: int, login: str, state: str, commit: str | None = None) -> None:
        """A review by ``login`` (of the head commit unless ``commit`` says otherwise)."""
        entry = {"user": {"login": login}, "state": state, "commit_id": commit or self.head(number)}
        self.reviews.setdefault(number, []).append(entry)

    def add(self, number: int, body: str, author: str = BOT, *, system: bool = False) -> dict[str, Any]:
        self.next_id += 1
        user = {"login": author, "username": author}
        item = {"id": self.next_id, "body": body, "user": user, "author": user, "system": system}
        self.comments.setdefault(number, []).append(item)
        return item


_ROUTES = [
    ("GET", r"/repos/[^/]+/[^/]+/issues/(\d+)/comments", "list"),
    ("POST", r"/repos/[^/]+/[^/]+/issues/(\d+)/comments", "create"),
    ("PATCH", r"/repos/[^/]+/[^/]+/issues/comments/(\d+)", "edit"),
    ("GET", r"/repos/[^/]+/[^/]+/commits/(\w+)/pulls", "pulls"),
    ("GET", r"/repos/[^/]+/[^/]+/pulls/(\d+)", "request"),
    ("GET", r"/repos/[^/]+/[^/]+/pulls/(\d+)/reviews", "reviews"),
    ("GET", r"/repos/[^/]+/[^/]+/pulls/(\d+)/files", "changed"),
    ("GET", r"/api/v4/projects/[^/]+/merge_requests/(\d+)/notes", "list"),
    ("POST", r"/api/v4/projects/[^/]+/merge_requests/(\d+)/notes", "create"),
    ("PUT", r"/api/v4/projects/[^/]+/merge_requests/\d+/notes/(\d+)", "edit"),
    ("GET", r"/api/v4/projects/[^/]+/repository/commits/(\w+)/merge_requests", "pulls"),
    ("GET", r"/api/v4/(user)", "user"),
    ("GET", r"/api/v4/projects/[^/]+/resource_groups/([^/]+)", "group"),
    ("GET", r"/api/v4/projects/[^/]+/merge_requests/(\d+)/approvals", "approval_state"),
    ("GET", r"/api/v4/projects/[^/]+/merge_requests/(\d+)/diffs", "diffs"),
]


class _Handler(ForgeHandler):
    """What provider.review.comments calls: comments and notes, merged requests, the user, resource groups."""

    token = TOKEN
    routes = _ROUTES
    forge: ClassVar[Forge]

    def _dispatch(self, action: str, found: Match[str], path: str, query: dict[str, list[str]]) -> None:
        key = found.group(1)
        gitlab = path.startswith("/api/v4/")
        getattr(self, "_" + action)(
            int(key) if action not in ("pulls", "user", "group") else key, query, gitlab
        )

    def _list(self, number: int, query: dict[str, list[str]], gitlab: bool) -> None:
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        items = self.forge.comments.get(number, [])  # oldest first
        if gitlab and query.get("sort", ["desc"])[0] != "asc":
            items = items[::-1]
        self._answer(200, items[(page - 1) * per_page : page * per_page])

    def _create(self, number: int, _query: dict[str, list[str]], gitlab: bool) -> None:
        body = self._payload()["body"]
        if len(body) > GITHUB_COMMENT_LIMIT:
            self._answer(422, {"message": "Body is too long (maximum is 65536 characters)"})
            return
        self._answer(201, self.forge.add(number, body, GITLAB_BOT if gitlab else BOT))

    def _reviews(self, number: int, query: dict[str, list[str]], _gitlab: bool) -> None:
        # GitHub's "List reviews for a pull request", in chronological order, paginated: user.login,
        # state (APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED) and the commit reviewed.
        head = self.forge.head(number)
        approved = [
            {"user": {"login": login}, "state": "APPROVED", "commit_id": head}
            for login in self.forge.approvals.get(number, [])
        ]
        drive_by = {"user": {"login": "drive-by"}, "state": "COMMENTED", "commit_id": head}
        self._page(query, [drive_by, *self.forge.reviews.get(number, []), *approved])

    def _request(self, number: int, _query: dict[str, list[str]], _gitlab: bool) -> None:
        # GitHub's "Get a pull request": its head commit and how many files it changes.
        changed = len(self.forge.files.get(number, []))
        self._answer(
            200, {"number": number, "head": {"sha": self.forge.head(number)}, "changed_files": changed}
        )

    def _changed(self, number: int, query: dict[str, list[str]], _gitlab: bool) -> None:
        # GitHub's "List pull requests files": `filename` (and `previous_filename` of a rename), 30 per
        # page unless asked, at most 3,000 files in all.
        renames = self.forge.renames.get(number, {})
        items = [
            {"filename": name, "status": "renamed", "previous_filename": renames[name]}
            if name in renames
            else {"filename": name, "status": "modified"}
            for name in self.forge.files.get(number, [])
        ]
        self._page(query, items[:3000])

    def _page(self, query: dict[str, list[str]], items: list[dict[str, Any]]) -> None:
        """One page of a GitHub list (``per_page`` 30 unless asked, at most 100)."""
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        self._answer(200, items[(page - 1) * per_page : page * per_page])

    def _approval_state(self, number: int, _query: dict[str, list[str]], _gitlab: bool) -> None:
        # GitLab's "Get approval state" of a merge request: approved_by[].user.username.
        approved = [{"user": {"username": name, "id": 9}} for name in self.forge.approvals.get(number, [])]
        self._answer(200, {"iid": number, "approvals_required": 1, "approved_by": approved})

    def _diffs(self, number: int, query: dict[str, list[str]], _gitlab: bool) -> None:
        # GitLab's "List merge request diffs", paginated: old_path and new_path of each changed file.
        per_page, page = int(query.get("per_page", ["20"])[0]), int(query.get("page", ["1"])[0])
        items = [{"old_path": name, "new_path": name} for name in self.forge.files.get(number, [])]
        self._answer(200, items[(page - 1) * per_page : page * per_page])

    def _group(self, key: str, _query: dict[str, list[str]], _gitlab: bool) -> None:
        # GitLab creates a resource group, unordered, when a pipeline first names it.
        mode = self.forge.process_modes.get(key, "unordered")
        self._answer(200, {"id": 3, "key": key, "process_mode": mode})

    def _user(self, _me: str, _query: dict[str, list[str]], _gitlab: bool) -> None:
        self._answer(200, {"id": 5, "username": GITLAB_BOT, "bot": True})

    def _edit(self, comment: int, _query: dict[str, list[str]], _gitlab: bool) -> None:
        body = self._payload()["body"]
        if len(body) > GITHUB_COMMENT_LIMIT:
            self._answer(422, {"message": "Body is too long (maximum is 65536 characters)"})
            return
        for items in self.forge.comments.values():
            for item in items:
                if item["id"] == comment:
                    item["body"] = body
                    self._answer(200, item)
                    return
        self._answer(404, {"message": "Not Found"})

    def _pulls(self, sha: str, _query: dict[str, list[str]], gitlab: bool) -> None:
        if sha not in self.forge.merged:
            self._answer(200, [])
            return
        number = self.forge.merged[sha]
        if gitlab:
            self._answer(200, [{"iid": number, "state": "merged", "merge_commit_sha": sha}])
        else:
            merged = {"number": number, "merged_at": "2026-11-28T12:00:00Z", "merge_commit_sha": sha}
            self._answer(200, [{"number": number + 1, "merged_at": None}, merged])


def running_forge() -> AbstractContextManager[Forge]:
    """Serve a fresh stand-in on 127.0.0.1 (a free port) until the block ends."""
    return serving(_Handler, Forge())


def github_env(forge: Forge, event_path: str) -> dict[str, str]:
    """The variables a GitHub Actions job gives the comment command."""
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": forge.url,
        "GITHUB_REPOSITORY": "acme/support-cases",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_EVENT_PATH": event_path,
    }


def gitlab_env(forge: Forge, request: int) -> dict[str, str]:
    """The variables a GitLab CI merge-request pipeline gives the comment command."""
    return {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": forge.url + "/api/v4",
        "CI_PROJECT_ID": "acme/support-cases",
        "CI_MERGE_REQUEST_IID": str(request),
        "GITLAB_TOKEN": TOKEN,
    }
