"""pyproject.toml against the rest of the repository: pins, package data, versions (no build needed)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement

from provider import __version__
from provider.casefiles.shipped import DATA, shipped
from provider.commands import ci, init
from tests.helpers.pulumi_cli import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WHEEL = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]


def pins(lines: list[str]) -> dict[str, str]:
    """name (normalised) -> the exact version a list of ``name==version`` requirements pins."""
    found = {}
    for line in lines:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", line
        found[re.sub(r"[-_.]+", "-", requirement.name).lower()] = specifier.version
    return found


def requirements_txt() -> dict[str, str]:
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return pins([line for line in lines if line])


def test_the_dependencies_are_pinned_as_requirements_txt_pins_them():
    ours, repository = pins(PYPROJECT["project"]["dependencies"]), requirements_txt()
    assert ours and {name: repository.get(name) for name in ours} == ours


def test_the_build_backend_is_the_one_requirements_txt_pins():
    assert pins(PYPROJECT["build-system"]["requires"]) == {"hatchling": requirements_txt()["hatchling"]}


def _imported(package: str) -> set[str]:
    names = set()
    for file in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"provider", "supportlocal", "__future__"}


def _closure(names: set[str]) -> set[str]:
    """The distributions ``names`` need, transitively (from the installed metadata)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(re.sub(r"[-_.]+", "-", requirement.name).lower())
    return seen


def test_every_module_the_packages_import_comes_with_a_dependency():
    provided = metadata.packages_distributions()
    needed = _closure(set(pins(PYPROJECT["project"]["dependencies"])))
    missing = {
        module: provided.get(module)
        for module in _imported("provider") | _imported("supportlocal")
        if not {re.sub(r"[-_.]+", "-", dist).lower() for dist in provided.get(module, [])} & needed
    }
    assert missing == {}, "add these to [project] dependencies in pyproject.toml (and requirements.txt)"


def test_the_package_data_is_mapped_from_the_repository_files_under_provider_data():
    mapping = WHEEL["force-include"]
    assert set(WHEEL["packages"]) == {"provider", "supportlocal"}
    assert mapping, "the schemas and the catalogue ship with the wheel"
    for source, target in mapping.items():
        assert (ROOT / source).is_file(), source
        assert target == f"provider/data/{PurePosixPath(source).name}"
        assert shipped(source) == ROOT / source  # in the checkout, the repository's own file
    assert not DATA.exists(), "provider/data/ exists only in the wheel: no copy in the checkout"
    called = {
        name
        for file in [*(ROOT / "provider").rglob("*.py"), *(ROOT / "supportlocal").rglob("*.py")]
        for name in re.findall(r'shipped\("([^"]+)"\)', file.read_text(encoding="utf-8"))
    }
    assert called | set(ci.SCRIPTS.values()) == set(mapping)


def test_the_python_versions_agree():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11,<3.14"
    classifiers = [c for c in PYPROJECT["project"]["classifiers"] if re.search(r":: 3\.\d+$", c)]
    assert [c.rsplit(" ", 1)[-1] for c in classifiers] == ["3.11", "3.12", "3.13"]
    assert init.PYTHON_VERSION in ("3.11", "3.12", "3.13")


def test_the_pipelines_install_the_pulumi_cli_the_engine_script_pins():
    engine = (ROOT / "tools" / "engine.sh").read_text(encoding="utf-8")
    assert re.search(r'^PULUMI_VERSION="([^"]+)"', engine, re.MULTILINE)[1] == init.PULUMI_VERSION


def test_the_changelog_has_a_section_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[?{re.escape(__version__)}\]? ", changelog, re.MULTILINE)
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "provider/__init__.py"


def test_the_shipped_files_resolve_in_an_installed_layout(tmp_path: Path, monkeypatch):
    # provider/data/<name> wins once it exists, as in site-packages
    from provider.casefiles import shipped as module

    monkeypatch.setattr(module, "DATA", tmp_path)
    (tmp_path / "case.schema.json").write_text("{}")
    assert module.shipped("schemas/case.schema.json") == tmp_path / "case.schema.json"
    assert module.shipped("catalogue/aws-support.json") == ROOT / "catalogue" / "aws-support.json"
