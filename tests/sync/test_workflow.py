"""The sync pipeline files: the GitHub workflow passes actionlint (built as tests/review/test_workflow.py
builds it), both files match their published schemas, and the GitLab job is the one .gitlab-ci.yml can
include, in a stage that file has."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers.pulumi_cli import ROOT
from tests.review.test_workflow import actionlint

WORKFLOW = ROOT / ".github" / "workflows" / "support-sync.yml"
GITLAB = ROOT / ".gitlab" / "support-sync.gitlab-ci.yml"


def test_the_sync_workflow_passes_actionlint():
    done = subprocess.run([actionlint(), str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@pytest.mark.parametrize(
    ("schema", "path"), [("vendor.github-workflows", WORKFLOW), ("vendor.gitlab-ci", GITLAB)]
)
def test_the_sync_files_match_their_published_schemas(schema: str, path: Path):
    checker = ROOT / ".venv" / "bin" / "check-jsonschema"
    done = subprocess.run(
        [checker, "--builtin-schema", schema, path], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_runs_on_a_schedule_and_on_aws_case_events():
    """Its steps run in tests/sync/test_sync_e2e.py (a repository_dispatch); here, that both triggers stay."""
    triggers = yaml.safe_load(WORKFLOW.read_text())[True]  # YAML 1.1 reads the key `on` as true
    assert [cron["cron"] for cron in triggers["schedule"]] == ["17 * * * *"]
    assert triggers["repository_dispatch"] == {"types": ["aws-support-case-update"]}


def test_the_gitlab_job_fits_the_main_gitlab_file():
    """Its script runs in tests/sync/test_sync_e2e.py; here, that it runs in a stage .gitlab-ci.yml has, on
    schedules and triggers only."""
    jobs = yaml.safe_load(GITLAB.read_text())
    stages = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())["stages"]
    (job,) = jobs.values()
    assert job["stage"] in stages
    assert [rule["if"] for rule in job["rules"]] == [
        '$CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "trigger" '
        '|| $CI_PIPELINE_SOURCE == "web"'
    ]
