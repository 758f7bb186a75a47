"""The distribution as a team gets it: the wheel, built once per session, in a fresh virtualenv."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.distribution.installed import Installed, build_wheel, install


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the working tree (built offline with the pinned backend, once per session)."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh virtualenv with the wheel installed (its dependencies at requirements.lock's versions)."""
    return install(wheel, tmp_path_factory.mktemp("fresh") / "venv")
