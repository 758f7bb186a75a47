"""Who owns a case file: the repository's CODEOWNERS file, read as GitHub and GitLab read it.

GitHub ("About code owners", https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):
the file is ``.github/CODEOWNERS``, ``CODEOWNERS`` or ``docs/CODEOWNERS``, searched in that order, the
first one found used; "the last matching pattern takes the most precedence"; patterns follow gitignore
rules, with owners given as ``@user``, ``@org/team`` or an e-mail address. GitLab ("Code Owners",
https://docs.gitlab.com/user/project/codeowners/) looks in the root, ``docs/`` and ``.gitlab/``, in that
order as observed in https://gitlab.com/gitlab-org/gitlab/-/issues/366394. The
patterns are matched by the ``codeowners`` library (a port of hmarr/codeowners, which GitHub's rules
define), not by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codeowners import CodeOwners

LOCATIONS = {
    "github": (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"),
    "gitlab": ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"),
}


@dataclass(frozen=True)
class Owners:
    """The repository's code owners, or none when it has no CODEOWNERS file."""

    source: str  # the CODEOWNERS file used, relative to the root ("" for none)
    rules: CodeOwners | None

    @classmethod
    def read(cls, root: Path, forge: str = "github") -> Owners:
        """The first CODEOWNERS file the forge would use."""
        for location in LOCATIONS[forge]:
            path = root / location
            if path.is_file():
                return cls(location, CodeOwners(path.read_text(encoding="utf-8")))
        return cls("", None)

    def of(self, path: str) -> list[str]:
        """The owners of ``path`` (relative to the root, ``/``-separated), as written: ``@user``,
        ``@org/team`` or an e-mail address."""
        if self.rules is None:
            return []
        return [owner for _, owner in self.rules.of(path)]

    def of_all(self, paths: Iterable[str]) -> list[str]:
        """The owners of any of ``paths``, each once, in the order first met."""
        found: dict[str, None] = {}
        for path in paths:
            found.update(dict.fromkeys(self.of(path)))
        return list(found)
