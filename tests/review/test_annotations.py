"""`validate --format github`: a broken case file is marked on its line in the pull request."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.casefiles.loader import Problem
from provider.commands.cli import main
from provider.review.annotations import annotation


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "cases").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


def test_each_problem_is_an_error_annotation_on_its_line(repo: Path, capsys):
    (repo / "cases" / "bad.yaml").write_text(
        "subject: Broken\ncommunicationBody: x\nseverityCode: apocalyptic\n"
    )
    (repo / "cases" / "ok.yaml").write_text("subject: Fine\ncommunicationBody: y\n")
    assert main(["validate", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("::error file=cases/bad.yaml,line=3,col=15,title=case file::")
    assert out[0].count("::") == 2 and "apocalyptic" in out[0]
    assert out[1] == "1 problem in 1 of 2 case files"


def test_over_ten_problems_the_rest_go_to_the_job_summary(repo: Path, tmp_path: Path, monkeypatch, capsys):
    for index in range(12):
        (repo / "cases" / f"bad{index:02}.yaml").write_text("subject: [\n")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["validate", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in out[:11]] == ["::error"] * 10 + ["::notice::2"]
    assert out[10] == "::notice::2 more problem(s) in the case files: see the job summary of this step"
    table = summary.read_text()
    assert table.startswith("earlier step\n### Case file problems\n")
    assert all(f"| `cases/bad{index:02}.yaml` | 2 | 1 |" in table for index in range(12))


def test_valid_files_give_no_annotation_and_no_summary(repo: Path, tmp_path: Path, monkeypatch, capsys):
    (repo / "cases" / "ok.yaml").write_text("subject: Fine\ncommunicationBody: y\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    assert main(["validate", "--format", "github"]) == 0
    assert capsys.readouterr().out == "1 case file OK\n"
    assert not (tmp_path / "summary.md").exists()


def test_values_are_escaped_as_the_actions_toolkit_does():
    problem = Problem("cases/a,b:c.yaml", 0, 0, "100% wrong\nsecond line")
    assert (
        annotation(problem) == "::error file=cases/a%2Cb%3Ac.yaml,title=case file::100%25 wrong%0Asecond line"
    )
