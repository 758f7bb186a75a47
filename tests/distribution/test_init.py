"""`supportcases init`: the files of a team's repository, rendered from provider/templates/ (in process)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from provider import __version__
from provider.commands.cli import build_parser, main
from provider.commands.init import PULUMI_VERSION, TEMPLATES
from tests.helpers.pulumi_cli import ROOT
from tests.review.test_workflow import actionlint

SOURCE = "https://git.example.com/platform/support-cases-as-code.git"
WORKFLOW = ".github/workflows/support-cases.yml"


@pytest.fixture
def team(tmp_path: Path) -> Path:
    repo = tmp_path / "team"
    assert main(["init", str(repo), "--source", SOURCE, "--stack", "live", "--owner", "@acme/support"]) == 0
    return repo


def test_every_template_is_written_with_its_placeholders_filled(capsys, team: Path):
    written = sorted(p.relative_to(team).as_posix() for p in team.rglob("*") if p.is_file())
    assert written == sorted(target.replace("@@{stack}", "live") for _, target in TEMPLATES)
    for name in written:
        text = (team / name).read_text()
        assert "@@" not in text, name
        if name.endswith((".yaml", ".yml")):
            assert yaml.safe_load(text) is not None, name
    assert (team / "requirements.txt").read_text() == f"support-cases-as-code @ git+{SOURCE}@v{__version__}\n"
    assert "/cases/ @acme/support" in (team / "CODEOWNERS").read_text().splitlines()
    assert yaml.safe_load((team / "Pulumi.live.yaml").read_text())["config"] == {
        "supportcases:referenceTrailer": "true"
    }
    assert "Pulumi.*.yaml" not in (team / ".gitignore").read_text()
    assert "pulumi stack init live --secrets-provider passphrase" in capsys.readouterr().out


def test_an_index_requirement_and_bad_names(tmp_path: Path, capsys):
    spec = f"support-cases-as-code=={__version__}"
    assert main(["init", str(tmp_path / "a"), "--source", SOURCE, "--requirement", spec]) == 0
    assert (tmp_path / "a" / "requirements.txt").read_text() == spec + "\n"
    assert main(["init", str(tmp_path / "b"), "--source", SOURCE, "--stack", "prod/eu"]) == 2
    assert "--stack 'prod/eu' may hold only" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_the_github_workflow_passes_actionlint(team: Path):
    done = subprocess.run([actionlint(), str(team / WORKFLOW)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@pytest.mark.parametrize(
    ("schema", "path"), [("vendor.github-workflows", WORKFLOW), ("vendor.gitlab-ci", ".gitlab-ci.yml")]
)
def test_the_pipelines_match_their_published_schemas(team: Path, schema: str, path: str):
    checker = ROOT / ".venv" / "bin" / "check-jsonschema"
    done = subprocess.run(
        [checker, "--builtin-schema", schema, team / path], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _commands(text: str) -> set[str]:
    """The subcommands the pipeline runs as `supportcases COMMAND`."""
    return set(re.findall(r"supportcases (\w[\w-]*)", text)) - {"init"}


def test_the_pipelines_run_commands_that_exist_and_the_official_pulumi_cli(team: Path):
    known = set(build_parser()._subparsers._group_actions[0].choices)
    for name in (WORKFLOW, ".gitlab-ci.yml"):
        text = (team / name).read_text()
        assert _commands(text) and _commands(text) <= known, name
        assert PULUMI_VERSION in text and "tools/" not in text and "python -m provider" not in text
        assert "go build" not in text and "setup-go" not in text


def test_the_github_workflow_uses_the_actions_the_reference_workflow_pins():
    # The templates follow this repository's own workflow: the same actions at the same commits.
    reference = (ROOT / WORKFLOW).read_text()
    template = (ROOT / "provider" / "templates" / "github-workflow.yml").read_text()
    uses = set(re.findall(r"uses: (\S+@[0-9a-f]{40})", template))
    assert uses and uses <= set(re.findall(r"uses: (\S+@[0-9a-f]{40})", reference))
    assert not re.findall(r"uses: \S+@(?![0-9a-f]{40}\b)", template)


def test_the_gitlab_apply_job_is_ordered_per_stack(team: Path):
    jobs = yaml.safe_load((team / ".gitlab-ci.yml").read_text())
    assert jobs["apply:live"]["resource_group"] == "support-cases-live"
    assert jobs["plan:live"]["variables"] == {"STACK": "live"}
    script = " ".join(shlex.quote(line) for line in jobs[".plan"]["script"])
    assert "supportcases comment post" in script and "supportcases validate || validated=$?" in script


def _as_team(text: str) -> str:
    """A reference pipeline command as a team's repository runs it (the distribution's commands)."""
    return text.replace("source tools/env.sh\n", "").replace("python -m provider", "supportcases")


@pytest.fixture
def prod(tmp_path: Path) -> Path:
    """A team's repository with the reference pipelines' stack, prod."""
    assert main(["init", str(tmp_path / "prod"), "--source", SOURCE]) == 0
    return tmp_path / "prod"


def test_the_gitlab_jobs_run_the_reference_pipelines_commands(prod: Path):
    reference = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())
    template = yaml.safe_load((prod / ".gitlab-ci.yml").read_text())
    for job in (".plan", ".apply"):
        assert [_as_team(line) for line in reference[job]["script"]] == template[job]["script"], job
        assert reference[job]["rules"] == template[job]["rules"]
    assert reference[".plan"]["artifacts"] == template[".plan"]["artifacts"]
    assert (
        reference["apply:prod"] == template["apply:prod"] and reference["plan:prod"] == template["plan:prod"]
    )


def test_the_github_steps_run_the_reference_workflows_commands(prod: Path):
    reference = yaml.safe_load((ROOT / WORKFLOW).read_text())["jobs"]
    template = yaml.safe_load((prod / WORKFLOW).read_text())["jobs"]
    assert set(reference) == set(template)
    for job in ("state", "plan", "apply"):
        assert reference[job]["permissions"] == template[job]["permissions"], job
        assert reference[job]["concurrency"] == template[job]["concurrency"], job
    steps = {step["name"]: step for step in template["plan"]["steps"] if "name" in step}
    for step in reference["plan"]["steps"]:
        if step.get("name") in (
            "Validate the case files",
            "Plan",
            "Job summary",
            "Comment on the pull request",
        ):
            assert _as_team(step["run"]).strip() == steps[step["name"]]["run"].strip(), step["name"]
            assert step.get("if") == steps[step["name"]].get("if") and step.get("env") == steps[
                step["name"]
            ].get("env")


def test_the_hook_manifest_and_the_teams_pre_commit_config_are_valid(team: Path):
    pre_commit = ROOT / ".venv" / "bin" / "pre-commit"
    for command, path in (
        ("validate-manifest", ROOT / ".pre-commit-hooks.yaml"),
        ("validate-config", team / ".pre-commit-config.yaml"),
    ):
        done = subprocess.run([pre_commit, command, path], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["language"] == "python" and hook["require_serial"] is True and hook["always_run"] is True
    assert hook["entry"] == "supportcases precommit"
