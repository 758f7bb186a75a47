"""Each hostile or broken case file of the corpus is refused by ``validate``, with its message and place."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.casefiles.loader import load_cases
from provider.commands.cli import main
from tests.casefiles.hostile_corpus import CORPUS, install, shown


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """A repository holding the whole corpus, and what validate must say about each file."""
    root = tmp_path_factory.mktemp("hostile") / "repo"
    (root / ".git").mkdir(parents=True)
    return root, install(root)


def _problems(root: Path, *paths: str) -> list[str]:
    cases, problems = load_cases(paths, root=root)
    assert cases == []
    return [shown(str(problem)) for problem in problems]


def test_the_corpus_is_large_and_every_file_announces_its_refusal(corpus) -> None:
    _, expected = corpus
    assert len(expected) >= 50
    assert all(expected.values())
    assert len(list(CORPUS.glob("*.yaml"))) + 13 == len(expected)


def test_the_alias_bomb_is_485_bytes_of_yaml_after_its_comment() -> None:
    lines = (CORPUS / "alias-bomb.yaml").read_bytes().splitlines(keepends=True)
    assert sum(len(line) for line in lines if not line.startswith(b"# refused: ")) == 485


def test_each_file_is_refused_with_its_message_and_position(
    corpus, monkeypatch: pytest.MonkeyPatch, subtests: pytest.Subtests
) -> None:
    root, expected = corpus
    monkeypatch.chdir(root)
    for path, lines in expected.items():
        with subtests.test(path=path):
            assert _problems(root, path) == lines


def test_validate_refuses_all_of_them_at_once(
    corpus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root, expected = corpus
    monkeypatch.chdir(root)
    assert main(["validate", "cases"]) == 1
    printed = [shown(line) for line in capsys.readouterr().out.splitlines()]
    every = sorted(line for lines in expected.values() for line in lines)
    assert sorted(printed[:-1]) == every
    assert printed[-1] == f"{len(every)} problems in {len(expected)} of {len(expected)} case files"
