"""provider.forgeapi, the one forge call behind the plan comments and the sync request: its errors name
the forge, the method and the path, and never carry a header, so never the token."""

from __future__ import annotations

import socket

import pytest

from provider.forgeapi import Api, ForgeError, detect, need
from tests.review.forge_standin import running_forge

SECRET = "glpat-never-in-an-error"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_forge_that_cannot_be_reached_is_named_without_the_token():
    api = Api("GitLab", f"http://127.0.0.1:{_closed_port()}/api/v4", {"PRIVATE-TOKEN": SECRET})
    with pytest.raises(ForgeError) as error:
        api.call("GET", "/user")
    assert str(error.value).startswith("GitLab: GET /user failed: ")
    assert SECRET not in str(error.value)


def test_a_refusal_names_the_status_and_the_answer_but_not_the_token():
    with running_forge() as forge, pytest.raises(ForgeError) as error:
        Api("GitLab", forge.url + "/api/v4", {"PRIVATE-TOKEN": SECRET}).call("GET", "/user")
    assert str(error.value) == 'GitLab: GET /user answered 401: {"message": "Bad credentials"}'
    assert forge.calls == [("GET", "/api/v4/user")]


def test_the_forge_is_the_ci_systems_and_a_missing_setting_is_named():
    assert detect({"GITHUB_ACTIONS": "true"}) == "github"
    assert detect({"GITLAB_CI": "true"}) == "gitlab"
    with pytest.raises(ForgeError, match="not in GitHub Actions or GitLab CI"):
        detect({})
    with pytest.raises(ForgeError, match=r"^GITLAB_TOKEN is not set$"):
        need({"GITLAB_TOKEN": ""}, "GITLAB_TOKEN")
