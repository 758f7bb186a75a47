"""One case, one file: names the engine's URNs cannot carry, two files for one case name, two files for
one existing case (caseId, displayId), and file names printed on one line."""

from __future__ import annotations

import pytest

from provider.casefiles.names import name_problem
from provider.casefiles.shown import printable
from provider.commands.cli import main
from provider.review.state import records_from_state
from tests.casefiles.repo import VALID, Repo

CASE_ID = "case-123456789012-muen-2026-6230ea95ad0336cf"


@pytest.mark.parametrize(
    ("name", "fit"),
    [
        ("prod/rds", True),
        ("colon:name", True),
        ("trailing:", True),
        ("colon::name", False),
        ("prod/::x", False),
        (":leading", False),
        ("new\nline", False),
        ("rtl\u202eelif", False),
        ("tab\tname", False),
        ("nbsp\u00a0name", False),
        ("caf\u00e9", True),
    ],
)
def test_the_urn_name_rule(name: str, fit: bool) -> None:
    assert (name_problem(name) is None) is fit


def test_a_file_name_holding_the_urn_delimiter_is_refused_at_line_1_col_1(repo: Repo) -> None:
    repo.write("cases/colon::name.yaml")
    repo.write("cases/fine.yaml")
    assert repo.problems() == [
        "cases/colon::name.yaml:1:1: the case name 'colon::name' holds '::', the delimiter of the engine's "
        "resource URNs: rename the file"
    ]


def test_a_folder_holding_the_urn_delimiter_is_refused(repo: Repo) -> None:
    repo.write("cases/team::a/rds.yaml")
    [problem] = repo.problems()
    assert problem.startswith("cases/team::a/rds.yaml:1:1: the case name 'team::a/rds' holds '::'")


def test_a_file_name_starting_with_a_colon_is_refused(repo: Repo) -> None:
    repo.write("cases/:x.yaml")
    [problem] = repo.problems()
    assert problem.startswith("cases/:x.yaml:1:1: the case name ':x' starts with ':'")


def test_the_name_problem_comes_with_the_other_problems_of_the_file(repo: Repo) -> None:
    repo.write("cases/a::b.yaml", "subject: only a subject\n")
    problems = repo.problems()
    assert problems[0].startswith("cases/a::b.yaml:1:1: the case name 'a::b' holds '::'")
    assert len(problems) == 2 and "communicationBody" in problems[1]


@pytest.mark.parametrize(
    ("alias", "said"),
    [
        ("old::name", "aliases[0] 'old::name' holds '::', the delimiter of the engine's resource URNs"),
        (":old", "aliases[0] ':old' starts with ':'"),
        ("old\u202ename", "aliases[0] 'old\\u202ename' holds a character that is not printable"),
    ],
)
def test_an_alias_the_urns_cannot_carry_is_refused_at_its_entry(repo: Repo, alias: str, said: str) -> None:
    [problem] = repo.check(VALID + f'aliases:\n  - "{alias}"\n')
    assert problem.startswith(f"cases/case.yaml:4:5: {said}")


def test_a_file_whose_name_holds_a_newline_is_printed_on_one_line(repo: Repo) -> None:
    repo.write("cases/two\nlines.yaml")
    [problem] = repo.problems()
    assert problem.startswith("cases/two\\nlines.yaml:1:1: the case name 'two\\nlines' holds a character")
    assert "\n" not in problem


def test_validate_prints_escaped_file_names(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("cases/evil\u202eLMY.yaml", "subject: x\n")
    repo.write("cases/line\nbreak.yml", "subject: [\n")
    assert main(["validate"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert all(line.isprintable() for line in lines)
    files = {line.split(":")[0] for line in lines[:-1]}
    assert files == {"cases/evil\\u202eLMY.yaml", "cases/line\\nbreak.yml"}
    assert lines[-1].endswith("in 2 of 2 case files")


def test_printable_escapes_only_what_is_not_printable() -> None:
    assert printable("cases/caf\u00e9.yaml") == "cases/caf\u00e9.yaml"
    assert printable("a\r\nb\u2028c\u2066d\x00") == "a\\r\\nb\\u2028c\\u2066d\\x00"


def test_two_files_adopting_one_case_id_are_both_refused(repo: Repo) -> None:
    repo.write("cases/a.yaml", VALID + f"caseId: {CASE_ID}\n")
    repo.write("cases/b.yaml", VALID + f"caseId: {CASE_ID}\n")
    repo.write("cases/c.yaml")
    cases, problems = repo.loaded()
    assert [case.name for case in cases] == ["c"]
    assert problems == [
        f"cases/a.yaml:3:9: caseId '{CASE_ID}' is also declared by 'cases/b.yaml': one case file per case",
        f"cases/b.yaml:3:9: caseId '{CASE_ID}' is also declared by 'cases/a.yaml': one case file per case",
    ]


def test_three_files_adopting_one_display_id_name_each_other(repo: Repo) -> None:
    for name in "xyz":
        repo.write(f"cases/{name}.yaml", VALID + "displayId: '1700000001'\n")
    assert repo.problems() == [
        f"cases/{me}.yaml:3:12: displayId '1700000001' is also declared by 'cases/{a}.yaml' and "
        f"'cases/{b}.yaml': one case file per case"
        for me, a, b in (("x", "y", "z"), ("y", "x", "z"), ("z", "x", "y"))
    ]


def test_different_cases_adopted_by_different_files_are_fine(repo: Repo) -> None:
    repo.write("cases/a.yaml", VALID + f"caseId: {CASE_ID}\n")
    repo.write("cases/b.yaml", VALID + "displayId: '1700000001'\n")
    assert repo.problems() == []


def test_validate_refuses_two_files_for_one_case(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("cases/a.yaml", VALID + f"caseId: {CASE_ID}\n")
    repo.write("cases/b.yml", VALID + f"caseId: {CASE_ID}\n")
    assert main(["validate"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "2 problems in 2 of 2 case files"


@pytest.mark.parametrize(
    ("urn", "name"),
    [
        ("urn:pulumi:prod::support-cases::supportcases:index:SupportCase::prod/rds", "prod/rds"),
        # as the engine reads a URN: everything after the third '::' (urn.go, URN.Name())
        ("urn:pulumi:prod::support-cases::supportcases:index:SupportCase::colon::name", "colon::name"),
        ("urn:pulumi:prod::support-cases::supportcases:index:SupportCase:::lead", ":lead"),
    ],
)
def test_the_plan_names_a_recorded_case_as_the_engine_does(urn: str, name: str) -> None:
    sent = {"fields": {}, "messages": [], "status": "open"}
    outputs = {"caseName": "elsewhere", "sent": sent, "caseId": CASE_ID}
    state = {"deployment": {"resources": [{"urn": urn, "outputs": outputs}]}}
    assert list(records_from_state(state)) == [name]
