"""Bounds on hostile input: nesting, alias and merge expansion, file size, and the one resolution of
attachments shared by validate and the upload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provider.casefiles.attachments import AttachmentError, attachment_file
from provider.casefiles.loader import MAX_CASE_FILE_BYTES
from provider.casefiles.yamlmarks import MAX_DEPTH, MAX_VALUES, Position, YamlError, parse
from tests.casefiles.repo import VALID, Repo

DEEP = f"YAML nested deeper than {MAX_DEPTH} levels; a case file needs no more than 5"


def refusal(text: str) -> tuple[Position, str]:
    with pytest.raises(YamlError) as error:
        parse(text)
    return error.value.position, error.value.message


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 999, 1001, 300_000])
def test_flow_nesting_is_refused_at_the_first_level_too_deep(levels: int) -> None:
    # under about 1,000 brackets the composed tree is walked; above, libyaml's events are read first
    assert refusal("a: " + "[" * levels + "]" * levels) == (Position(1, 4 + MAX_DEPTH - 1), DEEP)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    levels = MAX_DEPTH - 1  # inside the top-level mapping
    document = parse("a: " + "[" * levels + "]" * levels)
    assert document is not None


def test_many_values_without_aliases() -> None:
    text = "a: [" + ",".join(["1"] * (MAX_VALUES + 10)) + "]"
    position, message = refusal(text)
    assert message == f"the document holds more than {MAX_VALUES:,} YAML values; a case file needs far fewer"
    assert position == Position(
        1, 5 + 2 * (MAX_VALUES - 3)
    )  # after the mapping, its key, the list and 49,997 items


def test_an_alias_bomb_is_refused_where_the_aliases_are_used() -> None:
    lines = ['a0: &a0 "lol"'] + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    position, message = refusal("\n".join(lines))
    assert (
        message
        == f"YAML aliases expand the document to more than {MAX_VALUES:,} values; a case file needs far fewer"
    )
    assert position == Position(6, 5)  # a5 holds 9**5 = 59,049 values


def test_a_merge_key_bomb_is_refused() -> None:
    lines = ["m0: &m0 {k: v}"] + [
        f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}, *m{i - 1}]}}" for i in range(1, 30)
    ]
    position, message = refusal("\n".join(lines))
    assert message.startswith("YAML aliases expand the document")
    assert position.col == 14  # at the merge key's value


def test_an_alias_chain_deeper_than_the_limit() -> None:
    lines = ["c0: &c0 [x]"] + [f"c{i}: &c{i} [*c{i - 1}]" for i in range(1, 40)]
    assert refusal("\n".join(lines)) == (Position(MAX_DEPTH, 6), DEEP)


def test_aliases_and_merges_in_reason_still_work() -> None:
    document = parse("base: &b {x: 1, y: [2, 3]}\nuse: {<<: *b, y: [4]}\nagain: *b\n")
    assert document is not None
    assert document.data == {
        "base": {"x": 1, "y": [2, 3]},
        "use": {"x": 1, "y": [4]},
        "again": {"x": 1, "y": [2, 3]},
    }
    assert document.position(("use", "y"), key=True) == Position(2, 15)
    assert document.position(("use", "x")) == Position(2, 6)  # merged: the mapping's position


def test_a_duplicate_key_inside_an_anchor_is_reported_once() -> None:
    document = parse("a: &a {k: 1, k: 2}\nb: *a\nc: *a\n")
    assert document is not None
    assert [(d.pointer, d.position) for d in document.duplicates] == [(("a", "k"), Position(1, 14))]


class TestCaseFileSize:
    def test_up_to_the_limit_is_read(self, repo: Repo) -> None:
        padding = MAX_CASE_FILE_BYTES - len(VALID) - 1
        assert repo.check(VALID + "#" * padding + "\n") == []

    def test_over_the_limit_is_refused_where_the_limit_falls(self, repo: Repo) -> None:
        text = VALID + "#" * (MAX_CASE_FILE_BYTES - len(VALID)) + "\n"
        assert repo.check(text) == [
            f"cases/case.yaml:3:{MAX_CASE_FILE_BYTES - len(VALID) + 1}: the file is {len(text):,} bytes,"
            " over the 1,048,576-byte limit for a case file; attach long text as a file instead"
        ]


class TestAttachmentFile:
    """attachment_file: the path the upload reads, resolved and checked again at that moment."""

    def test_the_resolved_file(self, repo: Repo) -> None:
        target = repo.write("shared/trace.txt", "trace")
        os.symlink("../shared/trace.txt", repo.root / "cases" / "trace.txt")
        repo.allow("cases", "shared")
        assert attachment_file(repo.root, "cases/prod.yaml", "trace.txt") == target.resolve()

    def test_checked_again_when_read(self, repo: Repo, tmp_path: Path) -> None:
        repo.write("cases/trace.txt", "trace")
        assert repo.check(VALID + "attachments: [trace.txt]\n") == []
        secret = tmp_path / "secret.txt"
        secret.write_text("secret")
        (repo.root / "cases" / "trace.txt").unlink()
        os.symlink(secret, repo.root / "cases" / "trace.txt")  # swapped after validation
        with pytest.raises(AttachmentError) as error:
            attachment_file(repo.root, "cases/case.yaml", "trace.txt")
        assert str(error.value) == (
            f"cases/case.yaml: attachment 'trace.txt' resolves outside the repository (to {secret.resolve()})"
        )

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            ("/etc/passwd", "attachment '/etc/passwd' must be a path relative to the case file"),
            (
                "evidence/../x.txt",
                "attachment 'evidence/../x.txt' has '..' after a symlink: it reads"
                " 'logs/x.txt', not 'cases/x.txt' as written; write the path without it",
            ),
            ("gone.txt", "attachment 'gone.txt' does not exist"),
        ],
    )
    def test_refusals_are_validate_s_messages(self, repo: Repo, written: str, message: str) -> None:
        (repo.root / "logs" / "nov").mkdir(parents=True)
        os.symlink("../logs/nov", repo.root / "cases" / "evidence")
        repo.write("cases/x.txt", "x")
        repo.write("logs/x.txt", "another x")
        with pytest.raises(AttachmentError) as error:
            attachment_file(repo.root, "cases/case.yaml", written)
        assert str(error.value) == f"cases/case.yaml: {message}"
        assert repo.check(VALID + f"attachments: ['{written}']\n") == [f"cases/case.yaml:3:15: {message}"]
