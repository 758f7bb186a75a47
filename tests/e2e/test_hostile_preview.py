"""Hostile and broken case files through the real engine: `pulumi preview` refuses each one, says where
and why, and not one Support API call is made (supportlocal's call log)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportlocal.launcher import Endpoint, running_server
from tests.casefiles.hostile_corpus import install, shown
from tests.helpers.pulumi_cli import ROOT, PulumiProject, copy_project

ACCESS_KEY = "AKIA444444444444"
REFUSED = "problem(s) in the case files; nothing was sent to AWS"


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """One supportlocal for every preview of this module."""
    with running_server(tmp_path_factory.mktemp("supportlocal"), quotas=False) as endpoint:
        yield endpoint


def project_with_corpus(base: Path, support: Endpoint, keep: str | None = None) -> tuple[PulumiProject, dict]:
    """A copy of the project whose cases/ hold the corpus (only the case file ``keep``, when given), with a
    stack of its own; and the problem lines expected for each case file left."""
    stage = base / "stage"
    stage.mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, stage / name)
    for name in ("provider", "schemas"):
        shutil.copytree(ROOT / name, stage / name, ignore=shutil.ignore_patterns("__pycache__"))
    workdir = copy_project(stage, base / "project")
    expected = install(workdir)
    if keep is not None:
        for path in [path for path in expected if path != keep]:
            (workdir / path).unlink()
        expected = {keep: expected[keep]}
    env = {
        "AWS_ENDPOINT_URL_SUPPORT": support.url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "hostile-secret",
    }
    project = PulumiProject(workdir, stack="hostile", env_overrides=env)
    project.env.pop("AWS_PROFILE", None)
    project.init()
    return project, expected


def refused_preview(project: PulumiProject, support: Endpoint) -> list[str]:
    """Run `pulumi preview`, which must fail without a Support API call; its output lines, escaped."""
    support.control.reset_calls()
    result = project.preview(check=False)
    assert result.returncode != 0, result.stdout
    assert support.control.calls() == []
    output = result.stdout + result.stderr
    assert REFUSED in output
    return [shown(line.strip()) for line in output.splitlines()]


def test_the_whole_corpus_is_refused_by_one_preview(tmp_path: Path, support: Endpoint) -> None:
    project, expected = project_with_corpus(tmp_path, support)
    assert len(expected) >= 50
    said = refused_preview(project, support)
    every = [line for lines in expected.values() for line in lines]
    assert [line for line in every if f"error: {line}" not in said] == []
    assert f"error: {len(every)} {REFUSED}" in said


@pytest.mark.parametrize(
    "case_file",
    [
        "cases/hostile/alias-bomb.yaml",  # 485 bytes that would expand to 9**8 values
        "cases/hostile/merge-key-bomb.yaml",
        "cases/hostile/nesting-100000-flow.yaml",  # would crash libyaml's recursive composer
        "cases/hostile/huge.yaml",
        "cases/symlink-then-dotdot-leaves.yaml",  # issue 9: evidence/../../../secret.txt through a symlink
        "cases/symlink-then-dotdot-elsewhere.yaml",  # issue 9: evidence/../x.txt crashed `up`
    ],
)
def test_one_hostile_file_alone(tmp_path: Path, support: Endpoint, case_file: str) -> None:
    project, expected = project_with_corpus(tmp_path, support, keep=case_file)
    said = refused_preview(project, support)
    [line] = expected[case_file]
    assert f"error: {line}" in said
    assert f"error: 1 {REFUSED}" in said
