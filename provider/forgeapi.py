"""What the plan comments (``provider.review.comments``) and the sync request (``provider.sync.forge``)
share about a forge's REST API: which forge a CI job runs in, its settings from the job's environment,
and one JSON call. An error names the forge, the method, the path and the answer; never a header, so
never the token (which travels only in ``Authorization`` or ``PRIVATE-TOKEN``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

TIMEOUT = 30  # seconds per call


class ForgeError(Exception):
    """A call to the forge failed, its settings are missing, or what was asked of it cannot be done."""


@dataclass(frozen=True)
class Api:
    """A forge's REST API: its name (for errors), base URL without a trailing slash, and headers."""

    name: str
    base: str
    headers: Mapping[str, str]

    def call(self, method: str, path: str, payload: Mapping[str, Any] | None = None, **query: Any) -> Any:
        """The decoded JSON answer (None for an empty one); ForgeError for a failure or a status >= 400."""
        try:
            answer = requests.request(
                method,
                self.base + path,
                headers=dict(self.headers),
                json=payload,
                params=query,
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise ForgeError(f"{self.name}: {method} {path} failed: {error}") from None
        if answer.status_code >= 400:
            raise ForgeError(
                f"{self.name}: {method} {path} answered {answer.status_code}: {answer.text[:300]}"
            )
        return answer.json() if answer.content else None


def detect(environ: Mapping[str, str]) -> str:
    """``github`` in GitHub Actions, ``gitlab`` in GitLab CI."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    raise ForgeError("not in GitHub Actions or GitLab CI: say which with --forge github|gitlab")


def need(environ: Mapping[str, str], name: str) -> str:
    """The job's variable ``name``; ForgeError when it is unset or empty."""
    value = environ.get(name)
    if not value:
        raise ForgeError(f"{name} is not set")
    return value
