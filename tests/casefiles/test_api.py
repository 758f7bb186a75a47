"""The loader API the provider builds on: names, sources, defaults, check_spec."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from provider.casefiles.loader import Case, Problem, check_spec, find_root, load_cases
from tests.casefiles.repo import VALID, Repo

DEFAULTS = {
    "issueType": "technical",
    "language": "en",
    "status": "open",
    "ccEmailAddresses": [],
    "attachments": [],
    "communications": [],
}


def test_case_has_name_source_and_spec_with_defaults(repo: Repo) -> None:
    repo.write("cases/prod/evidence/trace.txt", "trace")
    repo.write(
        "cases/prod/rds.yaml",
        VALID + "attachments: [evidence/trace.txt]\ncommunications:\n  - communicationBody: more\n",
    )
    cases, problems = load_cases(root=repo.root)
    assert problems == []
    assert cases == [
        Case(
            name="prod/rds",
            source="cases/prod/rds.yaml",
            spec={
                **DEFAULTS,
                "subject": "Elevated 5xx errors on lb-1",
                "communicationBody": "The target group returns HTTP 502 for about 3 percent of requests.",
                "attachments": ["evidence/trace.txt"],
                "communications": [{"communicationBody": "more", "ccEmailAddresses": [], "attachments": []}],
            },
        )
    ]


def test_written_values_win_over_defaults(repo: Repo) -> None:
    repo.write("cases/a.yaml", VALID + "issueType: customer-service\nlanguage: ja\nstatus: resolved\n")
    cases, _ = load_cases(root=repo.root)
    assert {key: cases[0].spec[key] for key in ("issueType", "language", "status")} == {
        "issueType": "customer-service",
        "language": "ja",
        "status": "resolved",
    }


def test_cases_and_specs_are_frozen_and_independent(repo: Repo) -> None:
    repo.write("cases/a.yaml")
    repo.write("cases/b.yaml")
    (a, b), _ = load_cases(root=repo.root)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "other"  # type: ignore[misc]
    a.spec["ccEmailAddresses"].append("x@example.com")
    assert b.spec["ccEmailAddresses"] == []


@pytest.mark.parametrize(
    ("files", "arguments", "names"),
    [
        (
            ["cases/a.yaml", "cases/prod/rds.yml", "cases/prod/eu/s3.yaml"],
            ["cases"],
            ["a", "prod/eu/s3", "prod/rds"],
        ),
        (["cases/prod/rds.yaml"], ["cases/prod"], ["prod/rds"]),
        (["cases/prod/rds.yaml"], ["cases/prod/rds.yaml"], ["prod/rds"]),
        (["team/cases/x.yaml"], ["team"], ["x"]),
        (["examples/x.yaml", "examples/sub/y.yaml"], ["examples"], ["sub/y", "x"]),
        (["examples/sub/y.yaml"], ["examples/sub/y.yaml"], ["y"]),
    ],
)
def test_case_names(repo: Repo, files: list[str], arguments: list[str], names: list[str]) -> None:
    for file in files:
        repo.write(file)
    cases, problems = load_cases(arguments, root=repo.root)
    assert problems == []
    assert sorted(case.name for case in cases) == names


def test_only_yaml_files_are_collected_from_directories_in_sorted_order(repo: Repo) -> None:
    for name in ("cases/b.yaml", "cases/a.yml", "cases/c/a.yaml", "cases/notes.txt", "cases/d.json"):
        repo.write(name)
    cases, problems = load_cases(root=repo.root)
    assert [case.source for case in cases] == ["cases/a.yml", "cases/b.yaml", "cases/c/a.yaml"]
    assert problems == []


def test_a_file_named_twice_is_loaded_once(repo: Repo) -> None:
    repo.write("cases/a.yaml")
    cases, problems = load_cases(["cases", "cases/a.yaml", "./cases/a.yaml"], root=repo.root)
    assert ([case.name for case in cases], problems) == (["a"], [])


def test_missing_path_is_a_problem(repo: Repo) -> None:
    missing = Problem("nowhere", 0, 0, "no such file or directory")
    assert load_cases(["nowhere"], root=repo.root) == ([], [missing])


def test_files_outside_the_repository_get_absolute_sources(repo: Repo, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "cases"
    elsewhere.mkdir(parents=True)
    (elsewhere / "x.yaml").write_text(VALID)
    cases, problems = load_cases([elsewhere], root=repo.root)
    assert problems == []
    assert [(case.name, case.source) for case in cases] == [("x", (elsewhere / "x.yaml").as_posix())]


def test_problem_paths_are_relative_to_the_cwd(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("cases/a.yaml", "subject: a\n")
    monkeypatch.chdir(repo.root / "cases")
    _, problems = load_cases(["."], root=repo.root)
    assert problems == [
        Problem("a.yaml", 1, 1, "missing required key 'communicationBody'", ("communicationBody",))
    ]


def test_problems_carry_a_pointer(repo: Repo) -> None:
    repo.write(
        "cases/a.yaml", VALID + "communications:\n  - communicationBody: a\n    ccEmailAddresses: [bad]\n"
    )
    _, problems = load_cases(root=repo.root)
    assert [problem.pointer for problem in problems] == [("communications", 0, "ccEmailAddresses", 0)]


def test_problem_text() -> None:
    assert str(Problem("cases/a.yaml", 3, 7, "boom")) == "cases/a.yaml:3:7: boom"
    assert str(Problem("cases/a.yaml", 0, 0, "boom")) == "cases/a.yaml: boom"


def test_yaml_anchors_aliases_and_merge_keys_work(repo: Repo) -> None:
    repo.write(
        "cases/a.yaml",
        VALID + "ccEmailAddresses: &cc [ops@example.com]\ncommunications:\n"
        "  - &first\n    communicationBody: c\n    ccEmailAddresses: *cc\n"
        "  - <<: *first\n    communicationBody: d\n",
    )
    cases, problems = load_cases(root=repo.root)
    assert problems == []
    assert cases[0].spec["communications"] == [
        {"communicationBody": "c", "ccEmailAddresses": ["ops@example.com"], "attachments": []},
        {"communicationBody": "d", "ccEmailAddresses": ["ops@example.com"], "attachments": []},
    ]


class TestCheckSpec:
    """check_spec validates a parsed document like validate, without positions."""

    def test_valid(self, repo: Repo) -> None:
        repo.write("cases/prod/trace.txt", "trace")
        spec = {"subject": "s", "communicationBody": "b", "attachments": ["trace.txt"]}
        assert check_spec(spec, source="cases/prod/rds.yaml", root=repo.root) == []

    def test_problems_have_pointers_and_no_position(self, repo: Repo) -> None:
        spec = {
            "subject": "s",
            "communicationBody": "b" * 8001,
            "severityCode": "meh",
            "communications": [{"communicationBody": "c", "attachments": ["gone.txt"]}],
        }
        assert check_spec(spec, source="cases/rds.yaml", root=repo.root) == [
            Problem(
                "cases/rds.yaml",
                0,
                0,
                "communicationBody is 8,001 characters, 1 over the 8,000 limit",
                ("communicationBody",),
            ),
            Problem(
                "cases/rds.yaml",
                0,
                0,
                "severityCode 'meh' is not one of 'low', 'normal', 'high', 'urgent' or 'critical'",
                ("severityCode",),
            ),
            Problem(
                "cases/rds.yaml",
                0,
                0,
                "attachment 'gone.txt' does not exist",
                ("communications", 0, "attachments", 0),
            ),
        ]


def test_find_root(tmp_path: Path) -> None:
    (tmp_path / "project" / "cases" / "deep").mkdir(parents=True)
    (tmp_path / "project" / "Pulumi.yaml").write_text("name: x\n")
    assert find_root(tmp_path / "project" / "cases" / "deep") == tmp_path / "project"
    assert find_root(tmp_path) == tmp_path
