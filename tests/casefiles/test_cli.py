"""``python -m provider validate``: output format, summary line and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from provider.commands.cli import main
from tests.casefiles.repo import VALID, Repo

PROJECT = Path(__file__).resolve().parents[2]


def test_clean_run_exits_0(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("cases/a.yaml")
    repo.write("cases/b/c.yml")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "2 case files OK\n"


def test_problems_exit_1_with_one_line_each_and_a_summary(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("cases/a.yaml", "subject: 1\ncommunicationBody: b\nsubject: 2\n")
    repo.write("cases/b.yaml", "subject: [\n")
    repo.write("cases/c.yaml")
    assert main(["validate", "cases"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "cases/a.yaml:3:1: duplicate key 'subject' (first at line 1)",
        "cases/a.yaml:3:10: subject must be a string, not a number (2); put it in quotes to keep it as text",
        "cases/b.yaml:2:1: invalid YAML: did not find expected node content"
        " (while parsing a flow node at line 2)",
        "3 problems in 2 of 3 case files",
    ]


def test_singular_summary(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("cases/a.yaml", "subject: a\n")
    assert main(["validate", "cases/a.yaml"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "1 problem in 1 of 1 case file"


def test_no_case_files(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == "0 case files OK\n"


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["validate", "--bogus"]])
def test_usage_errors_exit_2(repo: Repo, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 2
    assert "usage: python -m provider" in capsys.readouterr().err


def test_missing_path_is_a_usage_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("cases/a.yaml", VALID)
    assert main(["validate", "cases", "nowhere"]) == 2
    assert capsys.readouterr().err == "validate: no such file or directory: nowhere\n"


def test_help_names_each_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out
    assert main(["validate", "--help"]) == 0
    assert "path:line:col: message" in capsys.readouterr().out


def test_module_entry_point(repo: Repo) -> None:
    repo.write("cases/a.yaml", "subject: a\n")
    result = subprocess.run(
        [sys.executable, "-m", "provider", "validate"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(PROJECT)},
    )
    assert (result.returncode, result.stdout) == (
        1,
        "cases/a.yaml:1:1: missing required key 'communicationBody'\n1 problem in 1 of 1 case file\n",
    )
