"""A throw-away repository to write case files into, shared by the case file tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.casefiles.loader import Case, load_cases

VALID = """\
subject: Elevated 5xx errors on lb-1
communicationBody: The target group returns HTTP 502 for about 3 percent of requests.
"""


class Repo:
    """A temporary repository (it holds ``.git``) that is also the current directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, path: str, content: str | bytes = VALID) -> Path:
        """Write a file under the repository, creating its folders."""
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            file.write_bytes(content)
        else:
            file.write_text(content, encoding="utf-8")
        return file

    def allow(self, *folders: str) -> None:
        """Let case files attach the files under ``folders`` (supportcases.yaml attachmentFolders)."""
        self.write("supportcases.yaml", "attachmentFolders: [" + ", ".join(folders) + "]\n")

    def problems(self, *paths: str) -> list[str]:
        """``validate``'s problem lines for ``paths`` (default: cases)."""
        return self.loaded(*paths)[1]

    def loaded(self, *paths: str) -> tuple[list[Case], list[str]]:
        """The valid cases under ``paths`` (default: cases) and ``validate``'s problem lines."""
        cases, problems = load_cases(paths or ("cases",), root=self.root)
        return cases, [str(problem) for problem in problems]

    def check(self, content: str | bytes, path: str = "cases/case.yaml") -> list[str]:
        """Write one case file and return its problem lines."""
        self.write(path, content)
        return self.problems(path)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """An empty repository in a temporary directory, made the current directory (the ``repo`` fixture of
    tests/casefiles and tests/rules, whose conftest files import it)."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "cases").mkdir()
    monkeypatch.chdir(root)
    return Repo(root)
