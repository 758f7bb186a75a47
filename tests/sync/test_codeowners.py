"""CODEOWNERS as GitHub and GitLab read it: the first file found in each forge's order, the last matching
pattern wins, owners as written."""

from __future__ import annotations

from pathlib import Path

from provider.sync.codeowners import Owners

RULES = """\
# comment
*                    @platform-lead
cases/               @support-team
cases/db/            @dba-lead @acme/dba
cases/db/legacy.yaml finance@example.com
*.thread.md          @nobody
"""


def test_the_last_matching_pattern_wins(tmp_path: Path):
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text(RULES)
    owners = Owners.read(tmp_path)
    assert owners.source == ".github/CODEOWNERS"
    assert owners.of("cases/db/rds.yaml") == ["@dba-lead", "@acme/dba"]
    assert owners.of("cases/db/legacy.yaml") == ["finance@example.com"]
    assert owners.of("cases/lambda.yaml") == ["@support-team"]
    assert owners.of("README.md") == ["@platform-lead"]
    assert owners.of("cases/db/rds.thread.md") == ["@nobody"]
    assert owners.of_all(["cases/db/rds.yaml", "cases/lambda.yaml", "cases/db/aurora.yaml"]) == [
        "@dba-lead",
        "@acme/dba",
        "@support-team",
    ]


def test_each_forge_reads_the_first_file_in_its_own_order(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / ".github").mkdir()
    (tmp_path / ".gitlab").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @from-docs\n")
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @from-github\n")
    (tmp_path / ".gitlab" / "CODEOWNERS").write_text("* @from-gitlab\n")
    assert Owners.read(tmp_path, "github").of("a") == ["@from-github"]
    assert Owners.read(tmp_path, "gitlab").of("a") == ["@from-docs"]
    (tmp_path / "CODEOWNERS").write_text("* @from-root\n")
    assert Owners.read(tmp_path, "github").of("a") == ["@from-github"]
    assert Owners.read(tmp_path, "gitlab").source == "CODEOWNERS"


def test_no_codeowners_file_no_owners(tmp_path: Path):
    owners = Owners.read(tmp_path)
    assert (owners.source, owners.of("cases/a.yaml"), owners.of_all(["x"])) == ("", [], [])
