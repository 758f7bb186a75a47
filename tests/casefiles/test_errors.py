"""Every kind of mistake ``validate`` catches, with its exact line and column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.casefiles.repo import VALID, Repo

F = "cases/case.yaml"
TOP_LEVEL_KEYS = (
    "'subject', 'communicationBody', 'serviceCode', 'categoryCode', 'severityCode', 'issueType', "
    "'language', 'ccEmailAddresses', 'attachments', 'communications', 'status', 'caseId', 'displayId', "
    "'aliases', 'sensitive', 'approvedBy' or 'account'"
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "subject: [unclosed\ncommunicationBody: x\n",
            [
                f"{F}:2:18: invalid YAML: did not find expected ',' or ']'"
                " (while parsing a flow sequence at line 1)"
            ],
            id="yaml-syntax",
        ),
        pytest.param(
            "subject: a\ncommunicationBody: b: c\n",
            [f"{F}:2:21: invalid YAML: mapping values are not allowed in this context"],
            id="yaml-colon-in-plain-value",
        ),
        pytest.param(
            "subject: a\ncommunicationBody: \x07\n",
            [f"{F}:2:20: invalid YAML: control characters are not allowed"],
            id="yaml-control-character",
        ),
        pytest.param(
            "subject: 日本語の件名\ncommunicationBody: é \x07\n",
            [f"{F}:2:22: invalid YAML: control characters are not allowed"],
            id="yaml-control-character-after-non-ascii",
        ),
        pytest.param(
            "subject: 日本語の件名\ncommunicationBody: é\nseverityCode: 日本\n",
            [f"{F}:3:15: severityCode '日本' is not one of 'low', 'normal', 'high', 'urgent' or 'critical'"],
            id="position-after-non-ascii",
        ),
        pytest.param(
            VALID + "---\n" + VALID,
            [
                f"{F}:3:1: invalid YAML: but found another document (expected a single document in the stream"
                " at line 1)"
            ],
            id="two-documents",
        ),
        pytest.param(
            "subject: a\nk: !!python/object:os.system x\n",
            [
                f"{F}:2:4: invalid YAML: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/object:os.system'"
            ],
            id="unsafe-tag",
        ),
        pytest.param(
            "# comment\nsubject: one\ncommunicationBody: x\nsubject: two\n",
            [f"{F}:4:1: duplicate key 'subject' (first at line 2)"],
            id="duplicate-key",
        ),
        pytest.param(
            VALID + "communications:\n  - communicationBody: a\n    ccEmailAddresses: []\n"
            "    communicationBody: b\n",
            [f"{F}:6:5: duplicate key 'communicationBody' (first at line 4)"],
            id="duplicate-nested-key",
        ),
        pytest.param(
            "sujbect: a\ncommunicationBody: b\n",
            [f"{F}:1:1: unknown key 'sujbect' (did you mean 'subject'?)"],
            id="unknown-key-suggestion",
        ),
        pytest.param(
            VALID + "Language: en\n",
            [f"{F}:3:1: unknown key 'Language' (did you mean 'language'?)"],
            id="unknown-key-case",
        ),
        pytest.param(
            VALID + "priority: 1\n",
            [f"{F}:3:1: unknown key 'priority' (expected one of {TOP_LEVEL_KEYS})"],
            id="unknown-key-no-suggestion",
        ),
        pytest.param(
            VALID + "communications:\n  - communicationBody: a\n    cc: [x@example.com]\n",
            [
                f"{F}:5:5: unknown key 'cc' in communications[0] (expected one of 'communicationBody', "
                "'ccEmailAddresses' or 'attachments')"
            ],
            id="unknown-nested-key",
        ),
        pytest.param(
            "communicationBody: b\n",
            [f"{F}:1:1: missing required key 'subject'"],
            id="missing-required",
        ),
        pytest.param(
            "# nothing but\nccEmailAddresses: []\n",
            [
                f"{F}:2:1: missing required key 'subject'",
                f"{F}:2:1: missing required key 'communicationBody'",
            ],
            id="missing-required-both",
        ),
        pytest.param(
            VALID + "communications:\n  - ccEmailAddresses: [x@example.com]\n",
            [f"{F}:4:5: missing required key 'communicationBody' in communications[0]"],
            id="missing-required-nested",
        ),
        pytest.param(
            "subject: 2024\ncommunicationBody: b\n",
            [f"{F}:1:10: subject must be a string, not a number (2024); put it in quotes to keep it as text"],
            id="wrong-type-number",
        ),
        pytest.param(
            "subject:\ncommunicationBody: b\n",
            [f"{F}:1:9: subject must be a string, not empty"],
            id="wrong-type-null",
        ),
        pytest.param(
            VALID + "ccEmailAddresses: ops@example.com\n",
            [f"{F}:3:19: ccEmailAddresses must be a list, not a string"],
            id="wrong-type-list",
        ),
        pytest.param(
            VALID + "communications:\n  - just a string\n",
            [f"{F}:4:5: communications[0] must be a mapping, not a string"],
            id="wrong-type-mapping",
        ),
        pytest.param(
            VALID + "severityCode: hgih\n",
            [
                f"{F}:3:15: severityCode 'hgih' is not one of 'low', 'normal', 'high', 'urgent' or 'critical'"
                " (did you mean 'high'?)"
            ],
            id="enum-suggestion",
        ),
        pytest.param(
            VALID + "issueType: billing\n",
            [f"{F}:3:12: issueType 'billing' is not one of 'technical' or 'customer-service'"],
            id="enum",
        ),
        pytest.param(
            VALID + "language: 5\n",
            [f"{F}:3:11: language 5 is not one of 'en', 'ja', 'ko', 'zh', 'es', 'pt', 'fr' or 'tr'"],
            id="enum-not-a-string",
        ),
        pytest.param(
            VALID + "status: closed\n",
            [f"{F}:3:9: status 'closed' is not one of 'open' or 'resolved'"],
            id="enum-status",
        ),
        pytest.param(
            "subject: ''\ncommunicationBody: b\n",
            [f"{F}:1:10: subject must not be empty"],
            id="empty-string",
        ),
        pytest.param(
            "subject: a\ncommunicationBody: " + "x" * 8123 + "\n",
            [f"{F}:2:20: communicationBody is 8,123 characters, 123 over the 8,000 limit"],
            id="body-too-long",
        ),
        pytest.param(
            VALID + "communications:\n  - communicationBody: |\n      " + "y" * 8001 + "\n",
            [f"{F}:4:24: communications[0].communicationBody is 8,002 characters, 2 over the 8,000 limit"],
            id="follow-up-too-long",
        ),
        pytest.param(
            VALID + "ccEmailAddresses:\n  - ops@example.com\n  - no-at-sign.example.com\n"
            "  - two words@example.com\n  - ops@localhost\n  - a@b@example.com\n",
            [
                f"{F}:5:5: ccEmailAddresses[1] 'no-at-sign.example.com' is not a valid email address",
                f"{F}:6:5: ccEmailAddresses[2] 'two words@example.com' is not a valid email address",
                f"{F}:7:5: ccEmailAddresses[3] 'ops@localhost' is not a valid email address",
                f"{F}:8:5: ccEmailAddresses[4] 'a@b@example.com' is not a valid email address",
            ],
            id="bad-email",
        ),
        pytest.param(
            VALID + "ccEmailAddresses: [" + ", ".join(f"u{n}@example.com" for n in range(12)) + "]\n",
            [f"{F}:3:19: ccEmailAddresses has 12 entries, 2 over the limit of 10"],
            id="too-many-cc",
        ),
        pytest.param(
            VALID + "caseId: case-123456789012-2024-abc\ndisplayId: '12345'\n",
            [f"{F}:4:1: give only one of 'caseId' and 'displayId', not both"],
            id="case-and-display-id",
        ),
        pytest.param(
            VALID + "caseId: 12345\n",
            [f"{F}:3:9: caseId must be a string, not a number (12345); put it in quotes to keep it as text"],
            id="case-id-type",
        ),
        pytest.param(
            VALID + "caseId: CASE-1\n",
            [f"{F}:3:9: caseId 'CASE-1' does not look like 'case-123456789012-muen-2012-74a757cd8cf7558a'"],
            id="case-id-pattern",
        ),
        pytest.param(
            VALID + "displayId: '12a'\n",
            [f"{F}:3:12: displayId '12a' does not look like '1234563851'"],
            id="display-id-pattern",
        ),
        pytest.param(
            "subject: 2024-11-24\ncommunicationBody: yes\n",
            [
                f"{F}:1:10: subject must be a string, not a date (2024-11-24); put it in quotes to keep it"
                " as text",
                f"{F}:2:20: communicationBody must be a string, not a boolean (true);"
                " put it in quotes to keep it as text",
            ],
            id="yaml-implicit-types",
        ),
        pytest.param(
            "- subject: a\n",
            [f"{F}:1:1: the top level must be a mapping, not a list"],
            id="top-level-list",
        ),
        pytest.param(
            "# a case\njust text\n",
            [f"{F}:2:1: the top level must be a mapping, not a string"],
            id="top-level-scalar",
        ),
        pytest.param(
            "",
            [f"{F}:1:1: the file is empty: a case needs subject and communicationBody"],
            id="empty-file",
        ),
        pytest.param(
            "# yaml-language-server: $schema=../schemas/case.schema.json\n\n",
            [f"{F}:1:1: the file is empty: a case needs subject and communicationBody"],
            id="comments-only",
        ),
        pytest.param(
            b"subject: caf\xc3\xa9 \xe9t\xe9\ncommunicationBody: b\n",
            [f"{F}:1:15: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8"],
            id="not-utf8",
        ),
        pytest.param(
            "\ufeffsubject: a\ncommunicationBody: b\nstatus: 1\n",
            [f"{F}:3:9: status 1 is not one of 'open' or 'resolved'"],
            id="utf8-bom-accepted",
        ),
    ],
)
def test_problem_is_reported_at_its_position(repo: Repo, content: str | bytes, expected: list[str]) -> None:
    assert repo.check(content) == expected


def test_every_problem_of_a_file_is_reported_in_line_order(repo: Repo) -> None:
    content = "sujbect: a\ncommunicationBody: b\nseverityCode: hgih\nlanguage: en\nlanguage: ja\n"
    assert repo.check(content) == [
        f"{F}:1:1: unknown key 'sujbect' (did you mean 'subject'?)",
        f"{F}:3:15: severityCode 'hgih' is not one of 'low', 'normal', 'high', 'urgent' or 'critical'"
        " (did you mean 'high'?)",
        f"{F}:5:1: duplicate key 'language' (first at line 4)",
    ]


def test_misspelt_required_key_is_one_problem_but_a_missing_one_is_reported(repo: Repo) -> None:
    assert repo.check("subject: a\nbody: b\n") == [
        f"{F}:1:1: missing required key 'communicationBody'",
        f"{F}:2:1: unknown key 'body' (expected one of {TOP_LEVEL_KEYS})",
    ]


class TestAttachments:
    """Attachment paths are relative to the case file and must name a small file inside the repository."""

    def test_missing(self, repo: Repo) -> None:
        assert repo.check(VALID + "attachments:\n  - logs/x.txt\n") == [
            f"{F}:4:5: attachment 'logs/x.txt' does not exist"
        ]

    def test_missing_in_a_follow_up(self, repo: Repo) -> None:
        content = VALID + "communications:\n  - communicationBody: more\n    attachments: [a.txt, b.txt]\n"
        repo.write("cases/a.txt", "ok")
        assert repo.check(content) == [f"{F}:5:26: attachment 'b.txt' does not exist"]

    def test_directory(self, repo: Repo) -> None:
        (repo.root / "cases" / "logs").mkdir()
        assert repo.check(VALID + "attachments: [logs]\n") == [
            f"{F}:3:15: attachment 'logs' is a directory, not a file"
        ]

    def test_over_5_mb(self, repo: Repo) -> None:
        repo.write("cases/big.bin", b"\0" * (5 * 1024 * 1024 + 1))
        repo.write("cases/limit.bin", b"\0" * (5 * 1024 * 1024))
        assert repo.check(VALID + "attachments:\n  - limit.bin\n  - big.bin\n") == [
            f"{F}:5:5: attachment 'big.bin' is 5,242,881 bytes, 1 over the 5 MB (5,242,880 bytes) limit"
        ]

    def test_outside_the_repository(self, repo: Repo) -> None:
        outside = repo.root.parent / "secret.txt"
        outside.write_text("secret")
        assert repo.check(VALID + "attachments: [../../secret.txt]\n") == [
            f"{F}:3:15: attachment '../../secret.txt' resolves outside the repository (to {outside})"
        ]

    def test_symlink_pointing_outside_the_repository(self, repo: Repo) -> None:
        outside = repo.root.parent / "secret.txt"
        outside.write_text("secret")
        os.symlink(outside, repo.root / "cases" / "innocent.txt")
        assert repo.check(VALID + "attachments: [innocent.txt]\n") == [
            f"{F}:3:15: attachment 'innocent.txt' resolves outside the repository (to {outside})"
        ]

    def test_symlink_inside_the_repository_is_fine(self, repo: Repo) -> None:
        target = repo.write("shared/trace.txt", "trace")
        os.symlink(target, repo.root / "cases" / "trace.txt")
        repo.allow("cases", "shared")
        assert repo.check(VALID + "attachments: [trace.txt, ../shared/trace.txt]\n") == []

    def test_absolute_path(self, repo: Repo) -> None:
        assert repo.check(VALID + "attachments: [/etc/hosts]\n") == [
            f"{F}:3:15: attachment '/etc/hosts' must be a path relative to the case file"
        ]

    def test_relative_to_the_case_file_in_a_subfolder(self, repo: Repo) -> None:
        repo.write("cases/prod/evidence/trace.txt", "trace")
        assert repo.check(VALID + "attachments: [evidence/trace.txt]\n", "cases/prod/rds.yaml") == []
        assert repo.check(VALID + "attachments: [prod/evidence/trace.txt]\n", "cases/prod/rds.yaml") == [
            "cases/prod/rds.yaml:3:15: attachment 'prod/evidence/trace.txt' does not exist"
        ]

    def test_more_than_three_is_allowed(self, repo: Repo) -> None:
        # The provider sends them three per attachment set.
        for name in "abcd":
            repo.write(f"cases/{name}.txt", name)
        assert repo.check(VALID + "attachments: [a.txt, b.txt, c.txt, d.txt]\n") == []


def test_two_files_with_the_same_case_name(repo: Repo) -> None:
    repo.write("cases/prod/rds.yaml")
    repo.write("cases/prod/rds.yml")
    repo.write("cases/prod/other.yaml")
    assert repo.problems() == [
        "cases/prod/rds.yaml:1:1: case name 'prod/rds' is also the name of cases/prod/rds.yml",
        "cases/prod/rds.yml:1:1: case name 'prod/rds' is also the name of cases/prod/rds.yaml",
    ]


def test_problems_in_several_files_are_all_reported(repo: Repo) -> None:
    repo.write("cases/a.yaml", "subject: a\n")
    repo.write("cases/b.yaml")
    repo.write("cases/c/d.yml", "subject: [\n")
    assert repo.problems() == [
        "cases/a.yaml:1:1: missing required key 'communicationBody'",
        "cases/c/d.yml:2:1: invalid YAML: did not find expected node content"
        " (while parsing a flow node at line 2)",
    ]


def test_recursive_alias_is_reported_not_followed_forever(repo: Repo) -> None:
    content = VALID + "communications: &loop\n  - communicationBody: a\n    attachments: *loop\n"
    assert repo.check(content) == [
        f"{F}:3:17: communications[0].attachments[0] must be a string, not a mapping"
    ]


def test_unreadable_file(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write(F)
    real_open = os.open

    def refuse(path: str | Path, flags: int, *args: int) -> int:
        if Path(path).name == "case.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    assert repo.problems() == [f"{F}: cannot read the file: Permission denied"]
