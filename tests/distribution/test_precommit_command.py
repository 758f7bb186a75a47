"""`supportcases precommit`: which case files a commit has checked (in process, in a git repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from provider.commands.cli import main

CASE = "subject: s\ncommunicationBody: b\nattachments:\n  - {path}\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed repository: cases/rds.yaml attaches cases/evidence/a.log, cases/db/x.yaml shared/b.log
    (outside cases/, inside the repository), and a README no case names."""
    root = tmp_path / "repo"
    for name, text in {
        "cases/rds.yaml": CASE.format(path="evidence/a.log"),
        "cases/evidence/a.log": "a\n",
        "cases/db/x.yaml": CASE.format(path="../../shared/b.log"),
        "shared/b.log": "b\n",
        "README.md": "team\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "--quiet", "-m", "cases")
    monkeypatch.chdir(root)
    return root


def test_a_changed_case_file_is_checked(repo: Path, capsys):
    assert main(["precommit", "cases/rds.yaml", "README.md"]) == 0
    assert capsys.readouterr().out == "1 case file OK\n"


def test_files_no_case_names_check_nothing(repo: Path, capsys):
    assert main(["precommit", "README.md"]) == 0
    assert capsys.readouterr().out == "precommit: no case file to check\n"


def test_a_changed_attachment_has_its_case_checked_wherever_it_is(repo: Path, capsys):
    assert main(["precommit", "shared/b.log"]) == 0
    assert capsys.readouterr().out == "1 case file OK\n"  # cases/db/x.yaml, not cases/rds.yaml
    assert main(["precommit", "cases/evidence/a.log", "shared/b.log"]) == 0
    assert capsys.readouterr().out == "2 case files OK\n"


def test_a_staged_deletion_blocks_the_case_that_names_it(repo: Path, capsys):
    git(repo, "rm", "--quiet", "cases/evidence/a.log")
    assert main(["precommit"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "cases/rds.yaml:4:5: attachment 'evidence/a.log' does not exist",
        "1 problem in 1 of 1 case file",
    ]


def test_a_rename_away_counts_as_a_deletion(repo: Path, capsys):
    git(repo, "mv", "shared/b.log", "shared/c.log")
    assert main(["precommit", "shared/c.log"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "1 problem in 1 of 1 case file"


def test_a_broken_case_file_is_reported_once(repo: Path, capsys):
    (repo / "cases" / "rds.yaml").write_text("subject: s\n")
    assert main(["precommit", "cases/rds.yaml", "cases/evidence/a.log"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "cases/rds.yaml:1:1: missing required key 'communicationBody'",
        "1 problem in 1 of 1 case file",
    ]
