"""The sync's git side: a commit of exactly the transcripts, made without moving the checkout, and errors
that never show a token from a remote's URL (git leaves it out of what it says)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from provider.sync.git import Git, GitError


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    root = tmp_path / "repo"
    (root / "cases").mkdir(parents=True)
    (root / "cases" / "a.yaml").write_text("subject: a\n")
    (root / "cases" / "a.thread.md").write_text("old\n")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    return root


def test_a_commit_of_the_changed_transcripts_only_leaves_the_checkout_as_it_was(repo: Path):
    (repo / "cases" / "a.thread.md").write_text("new\n")
    (repo / "cases" / "b.thread.md").write_text("added\n")
    (repo / "cases" / "a.yaml").write_text("subject: edited\n")  # not a transcript: never committed
    repository = Git(repo)
    assert repository.changed_transcripts() == ["cases/a.thread.md", "cases/b.thread.md"]
    commit = repository.commit(repository.changed_transcripts(), "AWS replied on 1 case (stack prod)")
    assert git(repo, "diff", "--name-only", "HEAD", commit).split() == [
        "cases/a.thread.md",
        "cases/b.thread.md",
    ]
    assert git(repo, "log", "-1", "--format=%an <%ae> %s", commit) == (
        "AWS Support sync <support-sync@users.noreply.example.com> AWS replied on 1 case (stack prod)"
    )
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    status = {line.strip() for line in git(repo, "status", "--porcelain").splitlines()}
    assert status == {"M cases/a.thread.md", "M cases/a.yaml", "?? cases/b.thread.md"}  # as before the commit
    assert repository.same_transcripts(commit, commit) and not repository.same_transcripts("HEAD", commit)


def test_no_remote_is_no_sync_branch(repo: Path):
    assert Git(repo).remote_head("supportcases/sync/prod") is None


def test_a_token_in_a_remote_url_never_shows_in_an_error(repo: Path):
    git(repo, "remote", "add", "origin", "http://oauth2:glpat-secret-token@127.0.0.1:9/acme/cases.git")
    with pytest.raises(GitError) as raised:
        Git(repo).remote_head("supportcases/sync/prod")
    assert "glpat-secret-token" not in str(raised.value)
    assert "127.0.0.1:9/acme/cases.git" in str(raised.value)
