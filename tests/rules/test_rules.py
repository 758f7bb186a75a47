"""Each rule of rules.yaml refuses what it should, where it should, and lets the rest pass; a broken
rules file is refused at its own line:col."""

from __future__ import annotations

import pytest

from provider.casefiles.loader import load_cases
from provider.rules.check import rule_problems
from tests.casefiles.repo import Repo

RULES = """\
severityCeilings:
  accounts:
    sandbox: normal
  folders:
    experiments: low
approval:
  severities: [urgent, critical]
ccDomains: [example.com]
"""


def case(severity: str = "normal", extra: str = "") -> str:
    return f"subject: Errors on lb-1\nseverityCode: {severity}\ncommunicationBody: Many 502s.\n{extra}"


def refusals(repo: Repo, env: dict[str, str] | None = None) -> list[str]:
    cases, problems = load_cases(["cases"], root=repo.root)
    assert problems == []
    return [str(problem) for problem in rule_problems(cases, root=repo.root, env=env or {})]


@pytest.fixture
def ruled(repo: Repo) -> Repo:
    repo.write("rules.yaml", RULES)
    return repo


def test_an_account_ceiling_refuses_above_it_and_passes_at_it(ruled: Repo) -> None:
    ruled.write("cases/over.yaml", case("high", "account: sandbox\n"))
    ruled.write("cases/at.yaml", case("normal", "account: sandbox\n"))
    ruled.write("cases/other-account.yaml", case("high", "account: prod\n"))
    assert refusals(ruled) == [
        "cases/over.yaml:2:15: severityCode 'high' is over the ceiling 'normal' for account 'sandbox' "
        "(rule severityCeilings, rules.yaml:3:5)"
    ]


def test_a_folder_ceiling_holds_below_the_folder_and_the_lowest_ceiling_wins(ruled: Repo) -> None:
    ruled.write("cases/experiments/deep/over.yaml", case("normal", "account: sandbox\n"))
    ruled.write("cases/experiments/at.yaml", case("low"))
    ruled.write("cases/experiments-other/free.yaml", case("high"))  # a folder name that only starts alike
    assert refusals(ruled) == [
        "cases/experiments/deep/over.yaml:2:15: severityCode 'normal' is over the ceiling 'low' for folder "
        "cases/experiments/ (rule severityCeilings, rules.yaml:5:5)"
    ]


def test_the_default_account_is_the_one_a_case_without_account_belongs_to(ruled: Repo) -> None:
    ruled.write("cases/implicit.yaml", case("high"))
    cases, _ = load_cases(["cases"], root=ruled.root)
    assert rule_problems(cases, root=ruled.root, env={}) == []
    [problem] = rule_problems(cases, root=ruled.root, default_account="sandbox", env={})
    assert "for account 'sandbox'" in str(problem)


def test_urgent_and_critical_need_a_named_approver_locally(ruled: Repo) -> None:
    ruled.write("cases/unnamed.yaml", case("urgent"))
    ruled.write("cases/named.yaml", case("critical", "approvedBy: alice\n"))
    ruled.write("cases/high.yaml", case("high"))
    assert refusals(ruled) == [
        "cases/unnamed.yaml:2:15: severityCode 'urgent' needs a named approver: add `approvedBy: <login>`, "
        "the person who approves paging AWS at this severity (rule approval, rules.yaml:7:3)"
    ]


def test_in_a_pipeline_the_approver_approved_the_pull_request_and_owns_the_file(ruled: Repo) -> None:
    ruled.write(".github/CODEOWNERS", "/cases/ @alice @acme/sre\n/cases/db/ @dana\n")
    ruled.write("cases/by-alice.yaml", case("urgent", "approvedBy: '@Alice'\n"))
    ruled.write("cases/by-bob.yaml", case("urgent", "approvedBy: bob\n"))  # in the team @acme/sre
    ruled.write("cases/by-carol.yaml", case("urgent", "approvedBy: carol\n"))  # approved, owns nothing
    ruled.write("cases/by-erin.yaml", case("urgent", "approvedBy: erin\n"))  # did not approve
    ruled.write("cases/db/by-alice.yaml", case("urgent", "approvedBy: alice\n"))  # /cases/db/ is dana's
    env = {"SUPPORTCASES_APPROVERS": "alice, bob:@acme/sre carol"}
    assert refusals(ruled, env) == [
        "cases/by-carol.yaml:4:13: approvedBy 'carol' approved, but does not own cases/by-carol.yaml in "
        ".github/CODEOWNERS (owners: @alice @acme/sre) (rule approval, rules.yaml:7:3)",
        "cases/by-erin.yaml:4:13: approvedBy 'erin' has not approved this pull request (approved by: alice, "
        "bob, carol) (rule approval, rules.yaml:7:3)",
        "cases/db/by-alice.yaml:4:13: approvedBy 'alice' approved, but does not own cases/db/by-alice.yaml "
        "in .github/CODEOWNERS (owners: @dana) (rule approval, rules.yaml:7:3)",
    ]
    # only the files the pull request changes are held to its approvals
    changed = {**env, "SUPPORTCASES_CHANGED_FILES": "cases/by-erin.yaml\nREADME.md"}
    assert [line.split(":")[0] for line in refusals(ruled, changed)] == ["cases/by-erin.yaml"]


def test_cc_addresses_outside_the_allowed_domains_are_refused_where_written(ruled: Repo) -> None:
    ruled.write(
        "cases/cc.yaml",
        case(
            extra="ccEmailAddresses: [ops@example.com, ops@eu.example.com, x@evil.org]\n"
            "communications:\n"
            "  - communicationBody: more\n"
            "    ccEmailAddresses:\n"
            "      - someone@gmail.com\n"
            "      - ops@notexample.com\n"
        ),
    )
    assert refusals(ruled) == [
        "cases/cc.yaml:4:57: ccEmailAddresses[2] 'x@evil.org' is not at an allowed domain (example.com; "
        "rule ccDomains, rules.yaml:8:1)",
        "cases/cc.yaml:8:9: communications[0].ccEmailAddresses[0] 'someone@gmail.com' is not at an allowed "
        "domain (example.com; rule ccDomains, rules.yaml:8:1)",
        "cases/cc.yaml:9:9: communications[0].ccEmailAddresses[1] 'ops@notexample.com' is not at an allowed "
        "domain (example.com; rule ccDomains, rules.yaml:8:1)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "severityCeilings:\n  accounts:\n    sandbox: hgih\n",
            "rules.yaml:3:14: severityCeilings.accounts.sandbox:",
        ),
        ("ccDomain: [example.com]\n", "rules.yaml:1:1: the top level: Additional properties are not allowed"),
        ("ccDomains: [Example.COM]\n", "rules.yaml:1:13: ccDomains[0] 'Example.COM' is not a domain name"),
        ("approval: {}\n", "rules.yaml:1:11: approval: 'severities' is a required property"),
        (
            "secrets:\n  allow: ['(']\n",
            "rules.yaml:2:11: secrets.allow[0]: missing ), unterminated subpattern",
        ),
        ("a: [\n", "rules.yaml:2:1: invalid YAML"),
    ],
)
def test_a_broken_rules_file_is_refused_at_its_line_and_col(repo: Repo, text: str, expected: str) -> None:
    repo.write("rules.yaml", text)
    repo.write("cases/fine.yaml", case())
    [problem] = refusals(repo)
    assert problem.startswith(expected), problem


def test_an_empty_rules_file_has_no_rules(repo: Repo) -> None:
    repo.write("rules.yaml", "# nothing yet\n")
    repo.write("cases/any.yaml", case("critical", "ccEmailAddresses: [a@b.org]\n"))
    assert refusals(repo) == []
