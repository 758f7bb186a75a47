"""The pipelines as far as they can be checked here: the GitHub workflow linted by actionlint, both CI
files checked against their published schemas, and the workflow's own jobs (and GitLab's) run step by
step in a git repository holding the committed stack configuration, against supportlocal and a local
stand-in of the comments API.

actionlint is built from the Go module proxy into Go's bin directory when it is not there yet (about
20 s, once per machine); `go` is the one tools/engine.sh uses.
"""

from __future__ import annotations

import hashlib
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
from tests.review.forge_standin import BOT, GITLAB_BOT, TOKEN, Forge, running_forge

ACTIONLINT = "github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION = "v1.7.12"
WORKFLOW = ROOT / ".github" / "workflows" / "support-cases.yml"
GITLAB_CI = ROOT / ".gitlab-ci.yml"
ACCESS_KEY = "AKIA444444444444"
STACK = "prod"
APPLY = "Apply every approved merge not applied yet, oldest first"
RECOVER = "After a cancelled or failed apply, make the stack usable again"
WRITES = ("AddAttachmentsToSet", "CreateCase", "AddCommunicationToCase", "ResolveCase")
GIT = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}

RDS = {
    "subject": "RDS Multi-AZ failover took 20 minutes",
    "communicationBody": "db-prod failed over at 03:10 UTC; writes were unavailable for 20 minutes.",
    "serviceCode": "amazon-relational-database-service-postgresql",
    "categoryCode": "other",
}
BROKEN = "subject: Broken\ncommunicationBody: x\nseverityCode: loud\n"
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


class Pipeline:
    """A repository as CI checks it out (set up as tools/setup.sh leaves it, its stack configuration
    committed), its stack, supportlocal and the comments API stand-in."""

    def __init__(self, project: PulumiProject, support: Endpoint, forge: Forge, scratch: Path) -> None:
        self.project = project
        self.support = support
        self.forge = forge
        self.scratch = scratch
        self.work = project.workdir

    def write(self, name: str, document: dict[str, Any]) -> None:
        (self.work / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.work,
            env={**os.environ, **GIT},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def commit(self, message: str, *paths: str) -> str:
        """Commit ``paths`` (default: every case file) as a merge on main would land; returns its sha."""
        self.git("add", "--all", "--", *(paths or ("cases",)))
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def runner_env(self) -> dict[str, str]:
        """What a fresh runner has, after the set-up actions: no project tool on PATH yet."""
        return {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": os.environ.get("HOME", str(self.scratch)),
            "AWS_ENDPOINT_URL_SUPPORT": self.support.url,
            **GIT,
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
            "github.event.pull_request.base.sha": self.git("rev-parse", "HEAD"),
            # what configure-aws-credentials gives as outputs (output-env-credentials: false)
            "steps.aws.outputs.aws-access-key-id": ACCESS_KEY,
            "steps.aws.outputs.aws-secret-access-key": "pipeline-secret",
            "steps.aws.outputs.aws-session-token": "",
        }
        workflow = yaml.safe_load(WORKFLOW.read_text())
        tools = {"pulumi/actions": ROOT / ".engine" / "bin"}
        return run_job(workflow, job, self.work, env, context, self.scratch, tools)

    def pull_request(self, request: int) -> JobRun:
        """The pull request's jobs: the state export, then the plan; the plan job's run."""
        state = self.github("state", request=request)
        assert not state.failed, [(s.name, s.stdout, s.stderr) for s in state.steps]
        return self.github("plan", request=request)

    def gitlab(self, job: str, *, request: int = 0, sha: str = "") -> subprocess.CompletedProcess[str]:
        """A GitLab job's before_script and script in one `bash -e`, as the runner runs them, on a
        runner whose image has the Pulumi CLI (this machine's build) on PATH."""
        document = yaml.safe_load(GITLAB_CI.read_text())
        definition = document[job]
        merged: dict[str, Any] = {}
        for parent in [definition["extends"]]:
            template = document[parent]
            merged.update(document[template["extends"]] if "extends" in template else {})
            merged.update(template)
        merged.update(definition)
        env = {
            **self.runner_env(),
            **{key: str(value) for key, value in document["variables"].items()},
            **{key: str(value) for key, value in merged["variables"].items()},
            "PATH": f"{ROOT / '.engine' / 'bin'}:{self.runner_env()['PATH']}",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": "pipeline-secret",
            "CI_PROJECT_DIR": str(self.work),
            "GITLAB_CI": "true",
            "CI_API_V4_URL": self.forge.url + "/api/v4",
            "CI_PROJECT_ID": "77",
            "CI_JOB_URL": "https://gitlab.example.com/acme/support-cases/-/jobs/9",
            "CI_COMMIT_SHA": sha or "0" * 40,
            "GITLAB_TOKEN": TOKEN,
            "PULUMI_BACKEND_URL": self.project.env["PULUMI_BACKEND_URL"],
            "PULUMI_CONFIG_PASSPHRASE": self.project.env.get("PULUMI_CONFIG_PASSPHRASE", ""),
            **({"CI_MERGE_REQUEST_IID": str(request)} if request else {}),
        }
        env["PIP_CACHE_DIR"] = env["PIP_CACHE_DIR"].replace("$CI_PROJECT_DIR", str(self.work))
        # The runner's own commands follow the job's: a failing `a && b` list does not end the job.
        script = "\n".join([*merged["before_script"], *merged["script"], ":"])
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-c", script],
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def writes(self) -> list[tuple[str, str]]:
        """Each successful write call to supportlocal, in order: (operation, caseId)."""
        calls = self.support.control.calls()
        return [
            (c["operation"], c["caseId"]) for c in calls if c["operation"] in WRITES and c["outcome"] == "ok"
        ]

    def plan(self) -> dict[str, Any]:
        return json.loads((self.work / "plan.json").read_text())


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    with running_server(tmp_path / "supportlocal") as support, running_forge() as forge:
        project = staged_project(tmp_path / "project", support.url, ACCESS_KEY, stack=STACK)
        work = project.workdir
        # The stack as a team creates it (docs/pipelines.md): from the committed Pulumi.prod.yaml and its
        # salt, then one `pulumi up` without case files, which records only the stack itself.
        project.remove_stack()
        shutil.copy(ROOT / f"Pulumi.{STACK}.yaml", work / f"Pulumi.{STACK}.yaml")
        project.init()
        project.up()
        shutil.copytree(ROOT / "tools", work / "tools", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "requirements.lock", work / "requirements.lock")
        shutil.copy(ROOT / ".gitignore", work / ".gitignore")
        # .venv as tools/setup.sh leaves it for this requirements.lock (a cache hit): the project's own
        # packages, with the stamp of the lock the repository holds.
        (work / ".venv").mkdir()
        for entry in (ROOT / ".venv").iterdir():
            if entry.name != ".requirements.lock.sha256":
                (work / ".venv" / entry.name).symlink_to(entry)
        lock = hashlib.sha256((work / "requirements.lock").read_bytes()).hexdigest()
        (work / ".venv" / ".requirements.lock.sha256").write_text(lock + "\n")
        (work / ".engine").mkdir()
        (work / ".engine" / "bin").symlink_to(ROOT / ".engine" / "bin")
        shutil.copy(ROOT / ".engine" / "stamp", work / ".engine" / "stamp")
        scratch = tmp_path / "runner"
        scratch.mkdir()
        ready = Pipeline(project, support, forge, scratch)
        ready.git("init", "--quiet", "--initial-branch=main")
        ready.commit("the repository", ".")
        yield ready


def _failures(run: JobRun) -> list[tuple[str, str, str]]:
    return [(s.name, s.stdout[-2000:], s.stderr[-2000:]) for s in run.steps if s.returncode]


def test_pull_request_then_main_through_the_github_workflows_own_jobs(pipeline: Pipeline):
    pipeline.write("rds", RDS)
    pipeline.commit("rds")
    pipeline.project.up()

    # A pull request: a message on the open case and a new case. Nothing reaches AWS while planning.
    pipeline.write("rds", {**RDS, "communications": [{"communicationBody": "Again at 04:40 UTC."}]})
    pipeline.write("lambda", LAMBDA)
    pipeline.support.control.reset_calls()
    run = pipeline.pull_request(5)
    assert not run.failed, _failures(run)
    assert run.step("Plan").outputs == {"exitcode": "2"}
    assert [step["uses"].split("@")[0] for step in run.uses] == [
        "actions/checkout",
        "actions/setup-python",
        "pulumi/actions",
        "actions/download-artifact",
        "actions/upload-artifact",
    ]
    assert (pipeline.work / "plan.md").exists()
    plan = pipeline.plan()
    (comment,) = pipeline.forge.comments[5]
    assert fingerprint_in(comment["body"], STACK) == plan["fingerprint"]
    assert "Again at 04:40 UTC." in comment["body"] and comment["author"]["login"] == BOT
    assert "Again at 04:40 UTC." in run.step("Job summary").summary
    assert pipeline.support.control.calls() == []
    # Another push to the pull request edits the same comment.
    assert not pipeline.pull_request(5).failed
    assert len(pipeline.forge.comments[5]) == 1

    # Merged: main applies exactly the approved plan.
    merge = pipeline.commit("merge !5")
    pipeline.forge.merged[merge] = 5
    applied = pipeline.github("apply", sha=merge)
    assert not applied.failed, _failures(applied)
    assert f"apply: {merge} with {plan['fingerprint']}" in applied.step(APPLY).stdout
    assert Counter(op for op, _ in pipeline.writes()) == Counter(plan["totals"]["calls"])

    # Reviewed, then changed by a later commit that nobody planned: main refuses it, calling nothing.
    pipeline.write("lambda", {**LAMBDA, "communications": [{"communicationBody": "Still slow."}]})
    assert not pipeline.pull_request(6).failed
    pipeline.write("lambda", {**LAMBDA, "communications": [{"communicationBody": "Still slow!!"}]})
    merge = pipeline.commit("merge !6")
    pipeline.forge.merged[merge] = 6
    pipeline.support.control.reset_calls()
    refused = pipeline.github("apply", sha=merge)
    up = refused.step(APPLY)
    assert up.returncode != 0 and "not the approved sha256:" in up.stdout + up.stderr
    # After the failed step, recover found the stack usable as it was: no lock, nothing pending.
    assert "recover: stack prod is ready" in refused.step(RECOVER).stdout
    assert pipeline.support.control.calls() == []


def test_a_critical_case_is_planned_only_once_its_named_approver_approved_the_pull_request(
    pipeline: Pipeline,
):
    # rules.yaml (the repository's): urgent and critical need a named approver (docs/rules.md)
    shutil.copy(ROOT / "rules.yaml", pipeline.work / "rules.yaml")
    pipeline.commit("the team's rules", "rules.yaml")
    pipeline.write("lambda", {**LAMBDA, "severityCode": "critical", "approvedBy": "alice"})
    pipeline.forge.files[9] = ["cases/lambda.yaml"]
    pipeline.forge.approvals[9] = ["bob"]
    run = pipeline.pull_request(9)
    assert run.step("Plan").outputs == {"exitcode": "1"}  # refused: no fingerprint to approve
    (comment,) = pipeline.forge.comments[9]
    assert "approvedBy 'alice' has not approved this pull request" in comment["body"]
    assert fingerprint_in(comment["body"], STACK) is None
    # alice approves: the review event plans again, and the plan can be approved.
    pipeline.forge.approvals[9] = ["bob", "alice"]
    run = pipeline.pull_request(9)
    assert not run.failed, _failures(run)
    assert run.step("Plan").outputs == {"exitcode": "2"}
    assert fingerprint_in(pipeline.forge.comments[9][0]["body"], STACK) == pipeline.plan()["fingerprint"]
    assert pipeline.support.control.calls() == [] or all(
        call["operation"] in ("DescribeCases", "DescribeCommunications")
        for call in pipeline.support.control.calls()
    )


def test_a_named_approver_is_held_to_a_case_file_past_the_first_hundred_files_and_to_the_head(
    pipeline: Pipeline,
):
    """The Approvals step read one page of files and of reviews: a critical case file listed after 100
    others was held to nobody's approval, and an approval taken back (changes requested) still counted."""
    shutil.copy(ROOT / "rules.yaml", pipeline.work / "rules.yaml")
    pipeline.commit("the team's rules", "rules.yaml")
    pipeline.write("lambda", {**LAMBDA, "severityCode": "critical", "approvedBy": "alice"})
    pipeline.forge.files[9] = [f"docs/notes/n{n:03}.md" for n in range(120)] + ["cases/lambda.yaml"]
    run = pipeline.pull_request(9)
    assert run.step("Plan").outputs == {"exitcode": "1"}  # before: exitcode 2, a plan to approve
    assert "approvedBy 'alice' has not approved this pull request" in pipeline.forge.comments[9][0]["body"]
    pipeline.forge.review(9, "alice", "APPROVED")
    pipeline.forge.review(9, "alice", "CHANGES_REQUESTED")
    pipeline.forge.comments[9].clear()
    run = pipeline.pull_request(9)
    assert run.step("Plan").outputs == {"exitcode": "1"}
    assert fingerprint_in(pipeline.forge.comments[9][0]["body"], STACK) is None


def test_three_quick_merges_are_applied_in_order_though_github_cancelled_the_pending_run(pipeline: Pipeline):
    """GitHub keeps one pending run per concurrency group: the second merge's run is cancelled when the
    third arrives. The third run applies the second merge, then its own, each as approved."""
    pipeline.write("lambda", LAMBDA)
    assert not pipeline.pull_request(21).failed
    first = pipeline.commit("merge !21")
    pipeline.forge.merged[first] = 21
    assert not pipeline.github("apply", sha=first).failed
    ((create, lambda_case),) = pipeline.writes()

    # Two pull requests planned from the same main: a new case, and a message on the first one.
    pipeline.write("rds", RDS)
    assert not pipeline.pull_request(22).failed
    (pipeline.work / "cases" / "rds.yaml").unlink()
    pipeline.write("lambda", {**LAMBDA, "communications": [{"communicationBody": "Now 1.2 s."}]})
    assert not pipeline.pull_request(23).failed
    pipeline.write("rds", RDS)
    second = pipeline.commit("merge !22", "cases/rds.yaml")
    third = pipeline.commit("merge !23", "cases/lambda.yaml")
    pipeline.forge.merged.update({second: 22, third: 23})
    pipeline.support.control.reset_calls()

    run = pipeline.github("apply", sha=third)  # the second merge's run never ran
    assert not run.failed, _failures(run)
    assert f"apply: 2 commit(s) since {first}: {second} {third}" in run.step(APPLY).stdout
    (_, rds_case), message = pipeline.writes()
    assert (create, message) == ("CreateCase", ("AddCommunicationToCase", lambda_case))
    assert rds_case != lambda_case and pipeline.writes()[0][0] == "CreateCase"
    # A run for the same commit again finds nothing left to apply.
    pipeline.support.control.reset_calls()
    again = pipeline.github("apply", sha=third)
    assert "is applied already" in again.step(APPLY).stdout and pipeline.writes() == []


def test_a_broken_case_file_is_annotated_and_the_comment_says_so(pipeline: Pipeline):
    (pipeline.work / "cases" / "bad.yaml").write_text(
        "subject: Broken\ncommunicationBody: x\nseverityCode: loud\n"
    )
    run = pipeline.pull_request(7)
    validate = run.step("Validate the case files")
    assert validate.returncode == 1
    assert validate.stdout.startswith("::error file=cases/bad.yaml,line=3,col=15,title=case file::")
    assert run.step("Plan").outputs == {"exitcode": "1"}
    (comment,) = pipeline.forge.comments[7]
    assert "**1 problem(s) in the case files: no plan.**" in comment["body"]
    assert "cases/bad.yaml:3:15: " in comment["body"]
    assert (pipeline.scratch / "artifacts" / f"support-cases-plan-{STACK}" / "plan.json").exists()


def test_nothing_runs_after_a_failed_set_up(pipeline: Pipeline):
    """A repository without its committed stack configuration fails loudly at set-up; no plan, summary,
    comment or artifact follows, and no Pulumi.prod.yaml is written."""
    assert not pipeline.github("state", request=8).failed
    pipeline.git("rm", "--quiet", f"Pulumi.{STACK}.yaml")
    pipeline.commit("no stack configuration", ".")
    pipeline.write("lambda", LAMBDA)
    run = pipeline.github("plan", request=8)
    assert [s.name for s in run.steps] == ["Versions", "Set up"]
    assert f"Pulumi.{STACK}.yaml is not committed: create the stack" in run.step("Set up").stderr
    assert run.outcomes["plan"] == "skipped" and not (pipeline.work / "plan.json").exists()
    assert pipeline.forge.comments == {}
    assert not (pipeline.scratch / "artifacts" / f"support-cases-plan-{STACK}").exists()
    state = pipeline.github("state", request=8)
    assert state.failed and not (pipeline.work / f"Pulumi.{STACK}.yaml").exists()


def test_a_plan_that_fails_leaves_no_plan_json_and_nothing_reads_one(pipeline: Pipeline):
    assert not pipeline.github("state", request=9).failed
    (pipeline.scratch / "artifacts" / f"support-cases-state-{STACK}" / "state.json").write_text("{not json")
    pipeline.write("lambda", LAMBDA)
    run = pipeline.github("plan", request=9)
    plan = run.step("Plan")
    assert plan.returncode != 0 and "cannot read the stack state" in plan.stderr
    assert plan.outputs == {} and not (pipeline.work / "plan.json").exists()
    assert [s.name for s in run.steps][-1] == "Plan" and pipeline.forge.comments == {}


def test_secrets_reach_only_the_steps_that_need_them_and_every_action_is_pinned_by_sha():
    text = WORKFLOW.read_text()
    workflow = yaml.safe_load(text)
    secret = re.compile(r"secrets\.|github\.token")
    assert not secret.search(json.dumps(workflow.get("env")))
    users = set()
    for name, job in workflow["jobs"].items():
        assert not secret.search(json.dumps(job.get("env"))), name
        for step in job["steps"]:
            if secret.search(json.dumps(step.get("env"))) or secret.search(json.dumps(step.get("with"))):
                users.add((name, step.get("name")))
    assert users == {
        ("state", "Export the stack state"),
        ("plan", "Approvals"),
        ("plan", "Comment on the pull request"),
        ("apply", APPLY),
        ("apply", RECOVER),  # the passphrase, to import the state (no forge token)
    }
    assert workflow["jobs"]["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    uses = re.findall(r"^\s*(?:- )?uses: (.*)$", text, re.MULTILINE)
    pinned = [re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line) for line in uses]
    assert uses and all(pinned), uses


def test_merge_request_then_default_branch_through_the_gitlab_jobs(pipeline: Pipeline):
    pipeline.write("lambda", LAMBDA)
    planned = pipeline.gitlab("plan:prod", request=12)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    (note,) = pipeline.forge.comments[12]
    plan = pipeline.plan()
    assert (
        fingerprint_in(note["body"], STACK) == plan["fingerprint"]
        and note["author"]["username"] == GITLAB_BOT
    )
    # Anyone can write a note with the marker, later than the pipeline's: it is not the approval.
    other = "sha256:" + "0" * 64
    pipeline.forge.add(12, note["body"].replace(plan["fingerprint"], other), author="mallory")
    merge = pipeline.commit("merge !12")
    pipeline.forge.merged[merge] = 12
    # As GitLab creates it, the resource group runs jobs in any order: the apply refuses, calling nothing.
    unordered = pipeline.gitlab("apply:prod", sha=merge)
    assert unordered.returncode == 1
    assert "resource group support-cases-prod processes jobs 'unordered', not 'oldest_first'" in (
        unordered.stderr
    )
    assert pipeline.support.control.calls() == []
    pipeline.forge.process_modes["support-cases-prod"] = "oldest_first"
    applied = pipeline.gitlab("apply:prod", sha=merge)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert Counter(op for op, _ in pipeline.writes()) == Counter(plan["totals"]["calls"])


def test_gitlab_notes_a_broken_case_file_and_keeps_the_plan_as_artifact(pipeline: Pipeline):
    (pipeline.work / "cases" / "bad.yaml").write_text(
        "subject: Broken\ncommunicationBody: x\nseverityCode: loud\n"
    )
    planned = pipeline.gitlab("plan:prod", request=13)
    assert planned.returncode == 1
    assert "cases/bad.yaml:3:15: " in planned.stdout
    (note,) = pipeline.forge.comments[13]
    assert "cases/bad.yaml:3:15: " in note["body"]
    assert pipeline.plan()["status"] == "invalid" and (pipeline.work / "plan.md").exists()


def test_gitlab_fails_loudly_without_the_committed_stack_configuration(pipeline: Pipeline):
    pipeline.git("rm", "--quiet", f"Pulumi.{STACK}.yaml")
    pipeline.commit("no stack configuration", ".")
    planned = pipeline.gitlab("plan:prod", request=14)
    assert planned.returncode == 1
    assert f"error: Pulumi.{STACK}.yaml is not committed" in planned.stderr
    assert not (pipeline.work / f"Pulumi.{STACK}.yaml").exists() and pipeline.forge.comments == {}
