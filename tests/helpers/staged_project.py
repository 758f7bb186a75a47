"""A throwaway copy of this repository's Pulumi project, pointed at a running supportlocal.

Usage::

    with running_server(tmp / "supportlocal") as endpoint:
        project = staged_project(tmp / "project", endpoint.url, "AKIA111111111111", stack="trial")
        project.up()

Each copy has its own stack and file backend; the access key id chooses supportlocal's account.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.pulumi_cli import ROOT, PulumiProject, copy_project

#: What the Pulumi program needs from the repository (the catalogue only once it exists).
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "provider", "schemas", "catalogue")


def stage_project(dest: Path) -> Path:
    """Copy the program, provider and schemas to ``dest`` (with an empty ``cases/``); returns ``dest``."""
    stage = dest.parent / f"{dest.name}-stage"
    stage.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, stage / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, stage / name)
    workdir = copy_project(stage, dest)
    shutil.rmtree(stage)
    (workdir / "cases").mkdir(exist_ok=True)
    return workdir


def staged_project(
    dest: Path,
    endpoint_url: str,
    access_key: str,
    stack: str = "test",
    extra_env: Mapping[str, str] | None = None,
) -> PulumiProject:
    """A staged copy with its stack initialised, calling supportlocal as ``access_key``'s account only.

    ``extra_env`` is applied last (another ``PULUMI_BACKEND_URL``, for one).
    """
    env = {
        "AWS_ENDPOINT_URL_SUPPORT": endpoint_url,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": "staged-secret",
        **(extra_env or {}),
    }
    project = PulumiProject(stage_project(dest), stack=stack, env_overrides=env)
    project.env.pop("AWS_PROFILE", None)
    project.env.pop("AWS_SESSION_TOKEN", None)
    project.init()
    return project
