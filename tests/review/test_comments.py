"""`python -m provider comment`: one plan comment per stack, edited in place, and the approved fingerprint
read back after the merge; against a local stand-in of the GitHub and GitLab APIs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from provider.commands.cli import main
from provider.review.markdown import marker
from tests.review.forge_standin import BOT, GITLAB_BOT, Forge, github_env, gitlab_env, running_forge

FINGERPRINT = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32


@pytest.fixture
def forge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Forge]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    with running_forge() as standin:
        for key, value in github_env(standin, str(event)).items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("GITLAB_CI", raising=False)
        yield standin


def body(stack: str, fingerprint: str | None, text: str = "plan") -> str:
    return f"{marker(stack, fingerprint)}\n## {text}\n"


def post(tmp_path: Path, text: str, *extra: str) -> int:
    (tmp_path / "comment.md").write_text(text)
    return main(["comment", "post", str(tmp_path / "comment.md"), *extra])


def test_one_comment_per_stack_edited_in_place_past_the_first_page(forge: Forge, tmp_path: Path, capsys):
    for index in range(150):
        forge.add(7, f"review remark {index}", author="alice")
    assert post(tmp_path, body("prod", FINGERPRINT), "--stack", "prod", "--author", BOT) == 0
    assert post(tmp_path, body("prod2", FINGERPRINT), "--stack", "prod2", "--author", BOT) == 0
    assert post(tmp_path, body("prod", OTHER, "second plan"), "--stack", "prod", "--author", BOT) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("created comment ") and out[2] == out[0].replace("created", "updated")
    plans = [c["body"] for c in forge.comments[7] if c["body"].startswith("<!--")]
    assert plans == [body("prod", OTHER, "second plan"), body("prod2", FINGERPRINT)]
    assert (
        "PATCH",
        f"/repos/acme/support-cases/issues/comments/{forge.comments[7][150]['id']}",
    ) in forge.calls


def test_a_marker_in_someone_elses_comment_is_never_edited(forge: Forge, tmp_path: Path):
    forged = forge.add(7, body("prod", OTHER, "forged"), author="mallory")
    assert post(tmp_path, body("prod", FINGERPRINT), "--stack", "prod", "--author", BOT) == 0
    assert forged["body"] == body("prod", OTHER, "forged")
    assert [c["author"]["login"] for c in forge.comments[7]] == ["mallory", BOT]


def test_a_body_without_this_stacks_marker_is_refused(forge: Forge, tmp_path: Path, capsys):
    assert post(tmp_path, body("prod", FINGERPRINT), "--stack", "dev") == 1
    assert (
        "does not start with this stack's marker <!-- support-cases-plan stack=dev" in capsys.readouterr().err
    )
    assert forge.comments == {}


def test_api_errors_name_the_call_and_never_the_token(forge: Forge, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_TOKEN", "wrong-token-value")
    assert post(tmp_path, body("prod", FINGERPRINT), "--stack", "prod", "--author", BOT) == 1
    err = capsys.readouterr().err
    assert "GitHub: GET /repos/acme/support-cases/issues/7/comments?per_page=100&page=1 answered 401" in err
    assert "wrong-token-value" not in err


def test_the_approved_fingerprint_comes_from_the_bots_comment_on_the_merged_request(forge: Forge, capsys):
    forge.merged["0a1b2c"] = 7
    forge.add(7, body("prod", OTHER), author="mallory")
    forge.add(7, body("prod", FINGERPRINT))
    forge.add(7, body("dev", OTHER))
    assert main(["comment", "approved", "0a1b2c", "--stack", "prod", "--author", BOT]) == 0
    assert capsys.readouterr().out == FINGERPRINT + "\n"
    assert main(["comment", "approved", "0a1b2c", "--stack", "test", "--author", BOT]) == 1
    assert "request 7: no plan comment by github-actions[bot] for stack test" in capsys.readouterr().err
    assert main(["comment", "approved", "ffffff", "--stack", "prod", "--author", BOT]) == 1
    assert "no merged request brought commit ffffff" in capsys.readouterr().err


def test_on_github_the_pipelines_account_must_be_named(forge: Forge, capsys):
    forge.merged["0a1b2c"] = 7
    forge.add(7, body("prod", FINGERPRINT))
    assert main(["comment", "approved", "0a1b2c", "--stack", "prod"]) == 1
    assert "GitHub: say whose comments carry the plan with --author" in capsys.readouterr().err


@pytest.fixture
def gitlab(forge: Forge, monkeypatch: pytest.MonkeyPatch) -> Forge:
    for key, value in gitlab_env(forge, 12).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_ACTIONS")
    return forge


def test_gitlab_merge_request_notes(gitlab: Forge, tmp_path: Path, capsys):
    gitlab.add(12, "added 1 commit", author="gitlab", system=True)
    assert post(tmp_path, body("prod", FINGERPRINT), "--stack", "prod") == 0
    assert post(tmp_path, body("prod", OTHER), "--stack", "prod") == 0
    assert [(c["body"], c["author"]["username"]) for c in gitlab.comments[12]] == [
        ("added 1 commit", "gitlab"),
        (body("prod", OTHER), GITLAB_BOT),
    ]
    assert ("PUT", f"/api/v4/projects/acme%2Fsupport-cases/merge_requests/12/notes/{gitlab.next_id}") in (
        gitlab.calls
    )
    gitlab.merged["9f8e"] = 12
    capsys.readouterr()
    assert main(["comment", "approved", "9f8e", "--stack", "prod"]) == 0
    assert capsys.readouterr().out == OTHER + "\n"


def test_gitlab_takes_the_approval_from_the_tokens_own_note_only(gitlab: Forge, capsys):
    gitlab.merged["9f8e"] = 12
    gitlab.add(12, body("prod", FINGERPRINT), author=GITLAB_BOT)
    gitlab.add(12, body("prod", OTHER, "forged after the pipeline's"), author="mallory")
    assert main(["comment", "approved", "9f8e", "--stack", "prod"]) == 0
    assert capsys.readouterr().out == FINGERPRINT + "\n"
    gitlab.comments[12].pop(0)
    assert main(["comment", "approved", "9f8e", "--stack", "prod"]) == 1
    assert f"request 12: no plan comment by {GITLAB_BOT} for stack prod" in capsys.readouterr().err


def test_gitlab_reads_and_edits_the_newest_of_the_pipelines_notes(gitlab: Forge, tmp_path: Path, capsys):
    """GitLab lists notes newest first unless asked otherwise; the newest plan note counts."""
    gitlab.merged["9f8e"] = 12
    for index in range(120):
        gitlab.add(12, f"review remark {index}", author="alice")
    gitlab.add(12, body("prod", OTHER, "an older plan"), author=GITLAB_BOT)
    gitlab.add(12, body("prod", FINGERPRINT, "the newest plan"), author=GITLAB_BOT)
    assert main(["comment", "approved", "9f8e", "--stack", "prod"]) == 0
    assert capsys.readouterr().out == FINGERPRINT + "\n"
    assert post(tmp_path, body("prod", OTHER, "planned again"), "--stack", "prod") == 0
    assert [c["body"] for c in gitlab.comments[12][-2:]] == [
        body("prod", OTHER, "an older plan"),
        body("prod", OTHER, "planned again"),
    ]
    gitlab.comments[12][-1]["body"] = body("prod", None, "problems: no plan")
    assert main(["comment", "approved", "9f8e", "--stack", "prod"]) == 1
    assert "its newest plan comment has no fingerprint" in capsys.readouterr().err


def test_gitlab_refuses_an_approval_unless_the_resource_group_runs_oldest_first(gitlab: Forge, capsys):
    gitlab.merged["9f8e"] = 12
    gitlab.add(12, body("prod", FINGERPRINT), author=GITLAB_BOT)
    command = ["comment", "approved", "9f8e", "--stack", "prod", "--resource-group", "support-cases-prod"]
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "resource group support-cases-prod processes jobs 'unordered', not 'oldest_first'" in err
    assert "PUT /projects/acme%2Fsupport-cases/resource_groups/support-cases-prod?process_mode=" in err
    gitlab.process_modes["support-cases-prod"] = "oldest_first"
    assert main(command) == 0
    assert capsys.readouterr().out == FINGERPRINT + "\n"


def exported(printed: str) -> tuple[str, str, str]:
    """What sourcing ``comment approvals``' output sets: approvers, forge, changed files."""
    done = subprocess.run(
        [
            "bash",
            "-c",
            printed + 'printf "%s|%s|%s" "$SUPPORTCASES_APPROVERS" "$SUPPORTCASES_FORGE" '
            '"$SUPPORTCASES_CHANGED_FILES"',
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    approvers, forge, changed = done.stdout.split("|")
    return approvers, forge, changed


def test_github_approvals_are_each_reviewers_latest_decision_on_the_head_commit(forge: Forge, capsys):
    """The Approvals step read the first 100 reviews and counted every APPROVED one ever given: an
    approval withdrawn by a later "request changes", or given before the last push, still counted."""
    forge.review(7, "alice", "APPROVED", commit="0" * 40)  # an earlier push
    forge.review(7, "bob", "APPROVED")
    forge.review(7, "bob", "CHANGES_REQUESTED")
    forge.review(7, "carol", "CHANGES_REQUESTED")
    forge.review(7, "carol", "APPROVED")
    forge.review(7, "carol", "COMMENTED")  # a comment decides nothing
    forge.review(7, "dave", "APPROVED")
    forge.review(7, "dave", "DISMISSED")
    for index in range(120):
        forge.review(7, f"remark{index}", "COMMENTED")
    forge.approvals[7] = ["erin"]  # past the first page of reviews
    assert main(["comment", "approvals"]) == 0
    approvers, name, _ = exported(capsys.readouterr().out)
    assert (approvers, name) == ("carol,erin", "github")


def test_github_changed_files_are_every_page_and_both_names_of_a_rename(forge: Forge, capsys):
    """The Approvals step read the first 100 files: a case file listed after them escaped its named
    approver (the rules hold only the files a pull request changes to its approvals)."""
    forge.files[7] = [f"docs/n{n:03}.md" for n in range(140)] + ["cases/late.yaml", "cases/new.yaml"]
    forge.renames[7] = {"cases/new.yaml": "cases/old.yaml"}
    assert main(["comment", "approvals", "--forge", "github"]) == 0
    _, _, changed = exported(capsys.readouterr().out)
    assert changed.split("\n") == sorted([*forge.files[7], "cases/old.yaml"])


def test_a_pull_request_past_githubs_file_listing_limit_is_refused(forge: Forge, capsys):
    forge.files[7] = [f"docs/n{n:04}.md" for n in range(3000)] + ["cases/hidden.yaml"]
    assert main(["comment", "approvals"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing to source: the plan step fails without its file
    assert "changes 3000 or more files, the most the API lists" in captured.err


def test_gitlab_approvals_are_printed_as_shell_exports_for_the_rules(gitlab: Forge, capsys):
    """GitLab's plan job gives the rules' named approvers what GitHub's workflow gives them: who approved
    the merge request and the files it changes, past the first page of diffs."""
    gitlab.approvals[12] = ["bob", "alice"]
    gitlab.files[12] = [f"cases/c{n:03}.yaml" for n in range(130)] + ["cases/it's here.yaml"]
    assert main(["comment", "approvals"]) == 0
    approvers, forge, changed = exported(capsys.readouterr().out)
    assert (approvers, forge) == ("alice,bob", "gitlab")
    assert changed.split("\n") == sorted(gitlab.files[12])
