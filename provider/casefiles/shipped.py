"""The files the distribution ships beside its code: the case schema, the catalogue's schema, the catalogue.

The repository keeps them where its reference layout has them (``schemas/``, ``catalogue/``); the wheel
carries the same files under ``provider/data/``, mapped at build time by pyproject.toml
(``[tool.hatch.build.targets.wheel.force-include]``), so no copy lives in the checkout to drift.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

_PACKAGE = Path(__file__).resolve().parents[1]  # provider/
DATA = _PACKAGE / "data"  # only in an installed distribution


def shipped(repository_path: str) -> Path:
    """The file the repository keeps at ``repository_path`` (e.g. ``schemas/case.schema.json``):
    ``provider/data/<its name>`` when installed, the repository's own file in a checkout."""
    installed = DATA / PurePosixPath(repository_path).name
    return installed if installed.is_file() else _PACKAGE.parent / repository_path
