"""The suite's two parts: the ``engine`` marker is the slow one (the real `pulumi` CLI, the installed
distribution); ``python -m pytest -m 'not engine'`` is the fast part (.ci/run runs it on every Python).

A test is in the slow part when it says so (``pytest.mark.engine``), when it lives in a folder whose
tests all drive the engine, or when its module uses the helpers that stage a Pulumi project.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import pulumi_cli, staged_project

TESTS = Path(__file__).resolve().parent
ENGINE_FOLDERS = ("e2e", "engine")
ENGINE_HELPERS = (pulumi_cli.PulumiProject, pulumi_cli.copy_project, staged_project.staged_project)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of the slow part ``engine``."""
    for item in items:
        path = Path(str(item.path)).resolve()
        folder = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else ""
        module = getattr(item, "module", None)
        uses_helpers = module is not None and any(
            value in ENGINE_HELPERS for value in vars(module).values() if callable(value)
        )
        if folder in ENGINE_FOLDERS or uses_helpers:
            item.add_marker(pytest.mark.engine)


@pytest.fixture(autouse=True)
def _same_working_directory() -> Iterator[None]:
    """Every test leaves the working directory as it found it (a folder a test removed would break the
    ``monkeypatch.chdir`` of every later test)."""
    before = os.getcwd()
    yield
    os.chdir(before)
