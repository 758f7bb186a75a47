"""The installed wheel: its commands, its version, and package data identical to the repository's files."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from provider import __version__
from tests.distribution.installed import Installed
from tests.helpers.pulumi_cli import ROOT

pytestmark = pytest.mark.engine

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

WHERE = """
import json, provider, supportlocal
from importlib import metadata
from provider.casefiles.shipped import shipped
from supportlocal.catalogue import DEFAULT_PATH
dist = metadata.distribution("support-cases-as-code")
print(json.dumps({
    "provider": provider.__file__,
    "supportlocal": supportlocal.__file__,
    "shipped": {source: str(shipped(source)) for source in json.loads(input())},
    "supportlocal catalogue": str(DEFAULT_PATH),
    "requires": dist.requires,
    "requires-python": dist.metadata["Requires-Python"],
}))
"""


def test_the_commands_and_their_version(installed: Installed, tmp_path: Path):
    assert installed.run("supportcases", "--version", cwd=tmp_path).stdout == f"supportcases {__version__}\n"
    assert installed.run("python", "-m", "provider", "--version", cwd=tmp_path).stdout == (
        f"supportcases {__version__}\n"
    )
    usage = installed.run("supportcases", "--help", cwd=tmp_path).stdout
    for command in (
        "validate",
        "plan",
        "comment",
        "recover",
        "new",
        "transcripts",
        "init",
        "precommit",
        "ci",
    ):
        assert f"    {command} " in usage or f"    {command}\n" in usage, command


def test_the_package_data_is_the_repositorys_files(installed: Installed, tmp_path: Path):
    mapping = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    done = subprocess.run(
        [installed.bin / "python", "-c", WHERE],
        input=json.dumps(list(mapping)),
        cwd=tmp_path,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    site = str(installed.venv)
    assert found["provider"].startswith(site) and found["supportlocal"].startswith(site)
    for source, path in found["shipped"].items():
        assert path.startswith(site) and path.endswith(f"/{mapping[source]}")
        assert Path(path).read_bytes() == (ROOT / source).read_bytes(), source
    assert found["supportlocal catalogue"] == found["shipped"]["catalogue/aws-support.json"]
    assert {r.lower() for r in found["requires"]} == {r.lower() for r in PYPROJECT["project"]["dependencies"]}
    assert SpecifierSet(found["requires-python"]) == SpecifierSet(PYPROJECT["project"]["requires-python"])
