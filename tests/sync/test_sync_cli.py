"""`python -m provider sync` refuses what it cannot do before touching the stack, git or the forge."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.commands.cli import main

CI_VARIABLES = ("GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_TOKEN", "GITLAB_TOKEN", "GITHUB_REPOSITORY")


@pytest.fixture(autouse=True)
def outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # no `pulumi`, no `git`: neither may be run
    monkeypatch.chdir(tmp_path)


def test_outside_ci_the_forge_must_be_named(capsys):
    assert main(["sync", "--stack", "prod"]) == 2
    assert (
        capsys.readouterr().err
        == "sync: not in GitHub Actions or GitLab CI: say which with --forge github|gitlab\n"
    )


def test_a_missing_token_is_named(capsys, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["sync", "--stack", "prod"]) == 2
    assert capsys.readouterr().err == "sync: GITHUB_TOKEN is not set\n"


def test_a_document_that_is_no_case_event_is_refused_naming_it(tmp_path: Path, capsys):
    event = tmp_path / "event.json"
    event.write_text('{"source": "aws.health", "detail-type": "AWS Health Event", "detail": {}}')
    assert main(["sync", "--stack", "prod", "--event", str(event)]) == 2
    assert capsys.readouterr().err == (
        f"sync: {event}: not an AWS Support case event (source 'aws.health', detail-type 'AWS Health Event'; "
        "expected 'aws.support', 'Support Case Update')\n"
    )


def test_event_and_case_id_are_one_trigger(capsys):
    assert main(["sync", "--stack", "prod", "--event", "e.json", "--case-id", "case-1"]) == 2
    assert "argument --case-id: not allowed with argument --event" in capsys.readouterr().err
