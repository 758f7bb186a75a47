"""The pipelines as far as they can be checked here: the GitHub workflow linted by actionlint, both CI
files checked against their published schemas, and the workflow's own commands (and GitLab's) run
against supportlocal, posting to a local stand-in of the comments API.

actionlint is built from the Go module proxy into Go's bin directory when it is not there yet (about
20 s, once per machine); `go` is the one tools/engine.sh uses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider.review.markdown import fingerprint_in
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import ROOT, PulumiProject
from tests.helpers.staged_project import staged_project
from tests.review.ci_runner import JobRun, run_job
from tests.review.forge_standin import BOT, TOKEN, Forge, running_forge

ACTIONLINT = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"
WORKFLOW = ROOT / ".github" / "workflows" / "support-cases.yml"
GITLAB_CI = ROOT / ".gitlab-ci.yml"
ACCESS_KEY = "AKIA444444444444"
STACK = "prod"
WRITES = ("AddAttachmentsToSet", "CreateCase", "AddCommunicationToCase", "ResolveCase")
SETUP_ACTIONS = [
    "actions/checkout",
    "actions/setup-python",
    "actions/setup-go",
    "actions/cache",
    "aws-actions/configure-aws-credentials",
]

RDS = {
    "subject": "RDS Multi-AZ failover took 20 minutes",
    "communicationBody": "db-prod failed over at 03:10 UTC; writes were unavailable for 20 minutes.",
    "serviceCode": "amazon-relational-database-service-postgresql",
    "categoryCode": "other",
}
LAMBDA = {
    "subject": "Lambda cold starts doubled after runtime update",
    "communicationBody": "p99 init duration went from 400 ms to 900 ms on python3.11 functions.",
    "serviceCode": "aws-lambda",
    "categoryCode": "other",
    "severityCode": "low",
}


def _go() -> str:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    assert Path(go).exists(), "Go is needed to build actionlint (and the Pulumi engine)"
    return go


def actionlint() -> str:
    """The pinned actionlint, built with `go install` when missing."""
    go = _go()
    gobin = subprocess.run([go, "env", "GOBIN"], capture_output=True, text=True, check=True).stdout.strip()
    gopath = subprocess.run([go, "env", "GOPATH"], capture_output=True, text=True, check=True).stdout.strip()
    binary = Path(gobin or Path(gopath) / "bin") / "actionlint"
    version = ""
    if binary.exists():
        version = subprocess.run([binary, "-version"], capture_output=True, text=True, check=False).stdout
    if not version.startswith(ACTIONLINT_VERSION + "\n"):
        subprocess.run([go, "install", f"{ACTIONLINT}@{ACTIONLINT_VERSION}"], check=True, timeout=900)
    return str(binary)


def test_the_github_workflow_passes_actionlint():
    done = subprocess.run([actionlint(), str(WORKFLOW)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


@pytest.mark.parametrize(
    ("schema", "path"), [("vendor.github-workflows", WORKFLOW), ("vendor.gitlab-ci", GITLAB_CI)]
)
def test_the_ci_files_match_their_published_schemas(schema: str, path: Path):
    checker = ROOT / ".venv" / "bin" / "check-jsonschema"
    done = subprocess.run(
        [checker, "--builtin-schema", schema, path], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pre_commit_hook_validates_changed_case_files(tmp_path: Path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    files = re.compile(hook["files"])
    assert [
        p for p in ("cases/a.yaml", "cases/prod/b.yml", "schemas/x.yaml", "a.yaml") if files.search(p)
    ] == [
        "cases/a.yaml",
        "cases/prod/b.yml",
    ]
    repo = tmp_path / "repo"
    (repo / "cases").mkdir(parents=True)
    (repo / "Pulumi.yaml").write_text("name: t\n")
    for name in (".venv", "provider", "schemas", "catalogue"):
        (repo / name).symlink_to(ROOT / name)
    (repo / "cases" / "ok.yaml").write_text("subject: Fine\ncommunicationBody: y\n")
    (repo / "cases" / "bad.yaml").write_text(
        "subject: Broken\ncommunicationBody: x\nseverityCode: apocalyptic\n"
    )
    command = [*hook["entry"].split(), "cases/ok.yaml", "cases/bad.yaml"]  # as pre-commit passes them
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stdout.startswith("cases/bad.yaml:3:15: ")
    ok = subprocess.run(command[:-1], cwd=repo, capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout) == (0, "1 case file OK\n")


class Pipeline:
    """A repository as CI checks it out (set up as tools/setup.sh leaves it), its stack, supportlocal
    and the comments API stand-in."""

    def __init__(self, project: PulumiProject, support: Endpoint, forge: Forge, scratch: Path) -> None:
        self.project = project
        self.support = support
        self.forge = forge
        self.scratch = scratch
        self.work = project.workdir

    def write(self, name: str, document: dict[str, Any]) -> None:
        (self.work / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def runner_env(self) -> dict[str, str]:
        """What a fresh runner has, after the set-up actions: no project tool on PATH yet."""
        return {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": os.environ.get("HOME", str(self.scratch)),
            "AWS_ENDPOINT_URL_SUPPORT": self.support.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": "pipeline-secret",
        }

    def github(self, job: str, *, request: int = 0, sha: str = "") -> JobRun:
        event = self.scratch / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": request}} if request else {}))
        env = {
            **self.runner_env(),
            "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": self.forge.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/support-cases",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_SHA": sha or "0" * 40,
            "GITHUB_EVENT_PATH": str(event),
        }
        context = {
            "vars.PULUMI_BACKEND_URL": self.project.env["PULUMI_BACKEND_URL"],
            "secrets.PULUMI_CONFIG_PASSPHRASE": self.project.env.get("PULUMI_CONFIG_PASSPHRASE", ""),
            "matrix.stack": STACK,
            "github.token": TOKEN,
            "github.event.pull_request.number": str(request),
        }
        workflow = yaml.safe_load(WORKFLOW.read_text())
        run = run_job(workflow, job, self.work, env, context, self.scratch)
        assert [step["uses"].split("@")[0] for step in run.uses[: len(SETUP_ACTIONS)]] == SETUP_ACTIONS
        return run

    def gitlab(self, job: str, *, request: int = 0, sha: str = "") -> subprocess.CompletedProcess[str]:
        """A GitLab job's before_script and script in one shell, as the runner runs them; the image's
        package install is the image's business and is left out."""
        document = yaml.safe_load(GITLAB_CI.read_text())
        definition = document[job]
        merged: dict[str, Any] = {}
        for parent in [definition["extends"]]:
            template = document[parent]
            merged.update(document[template["extends"]] if "extends" in template else {})
            merged.update(template)
        merged.update(definition)
        lines = [
            line for line in merged["before_script"] + merged["script"] if not line.startswith("apt-get ")
        ]
        env = {
            **self.runner_env(),
            **{key: str(value) for key, value in document["variables"].items()},
            **{key: str(value) for key, value in merged["variables"].items()},
            "CI_PROJECT_DIR": str(self.work),
            "GITLAB_CI": "true",
            "CI_API_V4_URL": self.forge.url + "/api/v4",
            "CI_PROJECT_ID": "77",
            "CI_JOB_URL": "https://gitlab.example.com/acme/support-cases/-/jobs/9",
            "CI_COMMIT_SHA": sha or "0" * 40,
            "GITLAB_TOKEN": TOKEN,
            "PULUMI_BACKEND_URL": self.project.env["PULUMI_BACKEND_URL"],
            **({"CI_MERGE_REQUEST_IID": str(request)} if request else {}),
        }
        env["GOPATH"] = env["GOPATH"].replace("$CI_PROJECT_DIR", str(self.work))
        env["PIP_CACHE_DIR"] = env["PIP_CACHE_DIR"].replace("$CI_PROJECT_DIR", str(self.work))
        script = "\n".join(lines)
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def writes(self) -> Counter[str]:
        calls = self.support.control.calls()
        return Counter(c["operation"] for c in calls if c["operation"] in WRITES and c["outcome"] == "ok")

    def plan(self) -> dict[str, Any]:
        return json.loads((self.work / "plan.json").read_text())


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    with running_server(tmp_path / "supportlocal") as support, running_forge() as forge:
        project = staged_project(tmp_path / "project", support.url, ACCESS_KEY, stack=STACK)
        work = project.workdir
        shutil.copytree(ROOT / "tools", work / "tools", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "requirements.lock", work / "requirements.lock")
        (work / ".venv").symlink_to(ROOT / ".venv")  # as tools/setup.sh leaves it (a cache hit)
        (work / ".engine").mkdir()
        (work / ".engine" / "bin").symlink_to(ROOT / ".engine" / "bin")
        shutil.copy(ROOT / ".engine" / "stamp", work / ".engine" / "stamp")
        scratch = tmp_path / "runner"
        scratch.mkdir()
        yield Pipeline(project, support, forge, scratch)


def test_pull_request_then_main_through_the_github_workflows_own_commands(pipeline: Pipeline):
    pipeline.write("rds", RDS)
    pipeline.project.up()

    # A pull request: a message on the open case and a new case. Nothing reaches AWS while planning.
    pipeline.write("rds", {**RDS, "communications": [{"communicationBody": "Again at 04:40 UTC."}]})
    pipeline.write("lambda", LAMBDA)
    pipeline.support.control.reset_calls()
    run = pipeline.github("plan", request=5)
    assert not run.failed, [(s.name, s.stdout, s.stderr) for s in run.steps]
    assert run.step("Plan").outputs == {"exitcode": "2"}
    assert [step["uses"].split("@")[0] for step in run.uses[len(SETUP_ACTIONS) :]] == [
        "actions/upload-artifact"
    ]
    assert (pipeline.work / "plan.md").exists()
    plan = pipeline.plan()
    (comment,) = pipeline.forge.comments[5]
    assert fingerprint_in(comment["body"], STACK) == plan["fingerprint"]
    assert "Again at 04:40 UTC." in comment["body"] and comment["author"]["login"] == BOT
    assert "Again at 04:40 UTC." in run.step("Job summary").summary
    assert pipeline.support.control.calls() == []
    # Another push to the pull request edits the same comment.
    assert not pipeline.github("plan", request=5).failed
    assert len(pipeline.forge.comments[5]) == 1

    # Merged: main applies exactly the approved plan.
    pipeline.forge.merged["1" * 40] = 5
    applied = pipeline.github("apply", sha="1" * 40)
    assert not applied.failed, [(s.name, s.stdout, s.stderr) for s in applied.steps]
    assert applied.step("Find the approved plan").outputs == {"fingerprint": plan["fingerprint"]}
    assert pipeline.writes() == Counter(plan["totals"]["calls"])

    # Reviewed, then changed by a later commit that nobody planned: main refuses it, calling nothing.
    pipeline.write("lambda", {**LAMBDA, "communications": [{"communicationBody": "Still slow."}]})
    assert not pipeline.github("plan", request=6).failed
    pipeline.write("lambda", {**LAMBDA, "communications": [{"communicationBody": "Still slow!!"}]})
    pipeline.forge.merged["2" * 40] = 6
    pipeline.support.control.reset_calls()
    refused = pipeline.github("apply", sha="2" * 40)
    up = refused.step("Apply the approved plan")
    assert up.returncode != 0 and "not the approved sha256:" in up.stdout + up.stderr
    assert pipeline.support.control.calls() == []


def test_a_broken_case_file_is_annotated_and_the_comment_says_so(pipeline: Pipeline):
    (pipeline.work / "cases" / "bad.yaml").write_text(
        "subject: Broken\ncommunicationBody: x\nseverityCode: loud\n"
    )
    run = pipeline.github("plan", request=7)
    validate = run.step("Validate the case files")
    assert validate.returncode == 1
    assert validate.stdout.startswith("::error file=cases/bad.yaml,line=3,col=15,title=case file::")
    assert run.step("Plan").outputs == {"exitcode": "1"}
    (comment,) = pipeline.forge.comments[7]
    assert "**1 problem(s) in the case files: no plan.**" in comment["body"]
    assert "cases/bad.yaml:3:15: " in comment["body"]


def test_merge_request_then_default_branch_through_the_gitlab_jobs(pipeline: Pipeline):
    pipeline.write("lambda", LAMBDA)
    planned = pipeline.gitlab("plan:prod", request=12)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    (note,) = pipeline.forge.comments[12]
    plan = pipeline.plan()
    assert fingerprint_in(note["body"], STACK) == plan["fingerprint"]
    pipeline.forge.merged["3" * 40] = 12
    applied = pipeline.gitlab("apply:prod", sha="3" * 40)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert pipeline.writes() == Counter(plan["totals"]["calls"])
