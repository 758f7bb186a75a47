"""Fixtures for the rules tests: a throw-away repository, the current directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.casefiles.repo import Repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An empty repository in a temporary directory, made the current directory."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "cases").mkdir()
    monkeypatch.chdir(root)
    return Repo(root)
