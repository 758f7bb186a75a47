"""The keys beyond CreateCase (aliases, sensitive, account), and the real forms of caseId, displayId and
language."""

from __future__ import annotations

import pytest

from provider.casefiles.loader import check_spec, load_cases
from tests.casefiles.repo import VALID, Repo

F = "cases/case.yaml"


@pytest.mark.parametrize(
    "case_id",
    [
        "case-123456789012-muen-2012-74a757cd8cf7558a",  # S20: EventBridge example
        "case-111122223333-muen-2022-7118885805350839",  # S20
        "case-12345678910-exen-2025-c4c1d2bf33c5cf47",  # S4: the pinned botocore model's example
        "case-111122223333-muen-2016-c3f2077e504940f2",  # S11: a CloudTrail record
        "case-123456789012-muen-2023-75d2c35481b96357",  # S21: a CloudTrail ResolveCase record
        "case-12345678910-2013-c4c1d2bf33c5cf47",  # older API reference (before the 4-letter segment)
    ],
)
def test_real_case_ids_are_accepted(repo: Repo, case_id: str) -> None:
    assert repo.check(VALID + f"caseId: {case_id}\n") == []


def test_a_real_display_id_is_accepted(repo: Repo) -> None:
    assert repo.check(VALID + "displayId: '1234563851'\n") == []  # S20


@pytest.mark.parametrize("language", ["zh", "en", "ja", "es", "pt", "fr", "ko", "tr"])  # S4
def test_every_documented_language_is_accepted(repo: Repo, language: str) -> None:
    assert repo.check(VALID + f"language: {language}\n") == []


def test_sensitive_and_account(repo: Repo) -> None:
    repo.write(F, VALID + "sensitive: true\naccount: prod-eu-1\n")
    cases, problems = load_cases(root=repo.root)
    assert problems == []
    assert (cases[0].spec["sensitive"], cases[0].spec["account"]) == (True, "prod-eu-1")
    assert "aliases" not in cases[0].spec  # no default is added: the spec stays as written


@pytest.mark.parametrize("account", ["Prod", "-prod", "a" * 64, "prod_eu", ""])
def test_a_bad_account_alias(repo: Repo, account: str) -> None:
    assert repo.check(VALID + f"account: '{account}'\n") == [
        f"{F}:3:10: account '{account}' is not an account alias: 1 to 63 lowercase letters, digits and '-',"
        " starting with a letter or digit"
    ]


class TestAliases:
    """aliases: earlier names of the file, each a case name that no other file has or claims."""

    def test_earlier_names_are_accepted(self, repo: Repo) -> None:
        repo.write("cases/prod/rds.yaml", VALID + "aliases: [rds, old/prod/rds-failover]\n")
        cases, problems = load_cases(root=repo.root)
        assert problems == []
        assert cases[0].spec["aliases"] == ["rds", "old/prod/rds-failover"]

    @pytest.mark.parametrize("alias", ["../x", "./x", "a/../b", "a//b", "/abs", "a/", "a\\\\b", "."])
    def test_not_a_case_name(self, repo: Repo, alias: str) -> None:
        assert repo.check(VALID + f'aliases: ["{alias}"]\n') == [
            f"{F}:3:11: aliases[0] '{alias.replace(chr(92) * 2, chr(92))}' is not a case name: the path of a"
            " case file under cases/ without the extension, such as 'prod/rds-failover'"
        ]

    @pytest.mark.parametrize(
        ("alias", "meant"), [("old.yaml", "old"), ("cases/old.yml", "old"), ("team/cases/prod/a", "prod/a")]
    )
    def test_a_path_instead_of_a_name(self, repo: Repo, alias: str, meant: str) -> None:
        assert repo.check(VALID + f"aliases: [{alias}]\n") == [
            f"{F}:3:11: aliases[0] '{alias}' is a path, not a case name: the path under cases/ without the"
            f" extension (did you mean '{meant}'?)"
        ]

    def test_its_own_name(self, repo: Repo) -> None:
        assert repo.check(VALID + "aliases:\n  - earlier\n  - case\n") == [
            f"{F}:5:5: aliases[1] 'case' is this file's own name"
        ]

    def test_the_same_alias_twice(self, repo: Repo) -> None:
        assert repo.check(VALID + "aliases: [a, b, a]\n") == [f"{F}:3:10: aliases lists 'a' twice"]

    def test_the_name_of_a_file_that_is_still_there(self, repo: Repo) -> None:
        repo.write("cases/old.yaml")
        repo.write("cases/new.yaml", VALID + "aliases: [old]\n")
        assert repo.problems() == [
            "cases/new.yaml:3:11: aliases[0] 'old' is the name of 'cases/old.yaml', which is still there:"
            " one case file per case"
        ]

    def test_two_files_claiming_one_earlier_name(self, repo: Repo) -> None:
        repo.write("cases/a.yaml", VALID + "aliases: [old]\n")
        repo.write("cases/b.yaml", VALID + "# b\naliases: [other, old]\n")
        cases, problems = load_cases(root=repo.root)
        assert cases == []
        assert [str(problem) for problem in problems] == [
            "cases/a.yaml:3:11: aliases[0] 'old' is also listed by 'cases/b.yaml': only one file can take"
            " over its case",
            "cases/b.yaml:4:18: aliases[1] 'old' is also listed by 'cases/a.yaml': only one file can take"
            " over its case",
        ]

    def test_check_spec_knows_the_name_when_given(self, repo: Repo) -> None:
        spec = {"subject": "s", "communicationBody": "b", "aliases": ["prod/rds"]}
        assert check_spec(spec, source="cases/prod/rds.yaml", root=repo.root) == []
        [problem] = check_spec(spec, source="cases/prod/rds.yaml", root=repo.root, name="prod/rds")
        assert (problem.pointer, problem.message) == (
            ("aliases", 0),
            "aliases[0] 'prod/rds' is this file's own name",
        )
