"""The sync pipeline's own commands, end to end: one stack of 5 cases on supportlocal through the real
`pulumi` CLI, a local bare repository as the remote, and a local stand-in of the GitHub and GitLab APIs.

Each sync runs in a fresh clone of the remote, as a CI job checks the repository out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import ROOT, PulumiProject
from tests.helpers.staged_project import staged_project
from tests.review.ci_runner import JobRun, run_job
from tests.sync.forge_standin import TOKEN, Forge, github_env, gitlab_env, running_forge

ACCESS_KEY = "AKIA111122223333"  # supportlocal's account 111122223333, the account of the recorded event
STACK = "prod"
BRANCH = f"supportcases/sync/{STACK}"
EVENT = Path(__file__).parent / "events" / "support-case-update-aws-reply.json"
WORKFLOW = ROOT / ".github" / "workflows" / "support-sync.yml"
GITLAB_JOB = ROOT / ".gitlab" / "support-sync.gitlab-ci.yml"
AWS_AND_PULUMI = (
    "AWS_ENDPOINT_URL_SUPPORT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
)
IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
CODEOWNERS = """\
# Last matching pattern wins (GitHub): db/ and billing/ override the catch-all.
*                      @platform-lead
cases/db/              @dba-lead
cases/billing/         @billing-lead @acme/finance
cases/storage/*.yaml   @storage-lead
"""
CASES = {
    "db/rds-failover": ("amazon-relational-database-service-postgresql", "Multi-AZ failover took 15 minutes"),
    "db/aurora-lag": ("amazon-relational-database-service-aurora-postgres", "Aurora replica lag of 40 s"),
    "billing/duplicate-charge": ("billing", "Duplicate charge on the November invoice"),
    "storage/s3-replication": ("amazon-simple-storage-service", "S3 replication to eu-west-1 lags 6 hours"),
    "lambda-cold-starts": ("aws-lambda", "Cold starts doubled after the runtime update"),
}


def thread(name: str) -> str:
    return f"cases/{name}.thread.md"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


class World:
    """The project's repository (its remote a bare repository), its stack, supportlocal and a forge."""

    def __init__(self, project: PulumiProject, support: Endpoint, remote: Path, scratch: Path) -> None:
        self.project = project
        self.support = support
        self.remote = remote
        self.scratch = scratch
        self.runs = 0

    def case_id(self, name: str) -> str:
        return self.project.outputs()["cases"][name]["caseId"]

    def checkout(self, remote: Path | None = None) -> Path:
        """A fresh clone of the remote's main branch, as a CI job starts."""
        self.runs += 1
        work = self.scratch / f"run-{self.runs}"
        git(self.scratch, "clone", "--quiet", str(remote or self.remote), str(work))
        return work

    def provider(
        self, work: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python -m provider ARGS`` in ``work`` with the job's environment."""
        return subprocess.run(
            [sys.executable, "-m", "provider", *args],
            cwd=work,
            env={**self.project.env, "GIT_CONFIG_GLOBAL": os.devnull, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def sync(
        self, forge: Forge, *args: str, gitlab: bool = False, remote: Path | None = None
    ) -> tuple[Path, str]:
        """One scheduled job: a fresh checkout, then ``python -m provider sync``; its work tree and output."""
        work = self.checkout(remote)
        summary = work.parent / f"summary-{self.runs}.md"
        env = {**(gitlab_env(forge) if gitlab else github_env(forge)), "GITHUB_STEP_SUMMARY": str(summary)}
        done = self.provider(work, "sync", "--stack", STACK, *args, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        if out_dir := os.environ.get("SYNC_DOCS_OUT"):  # the real output docs/answers.md shows
            with Path(out_dir, "sync.txt").open("a") as log:
                log.write(f"$ python -m provider sync --stack {STACK} {' '.join(args)}\n{done.stdout}\n")
            if summary.exists():
                shutil.copy(summary, Path(out_dir, f"summary-{self.runs}.md"))
        return work, done.stdout

    def workflow(self, forge: Forge, event: dict[str, Any]) -> JobRun:
        """The workflow's own `run:` steps on a repository_dispatch of ``event`` (tests/review/ci_runner.py),
        in a fresh checkout. Its `uses:` steps and "Set up" (the project's .venv and engine, linked in as
        tools/setup.sh leaves them) are the runner's business."""
        work = self.checkout()
        shutil.copytree(ROOT / "tools", work / "tools", ignore=shutil.ignore_patterns("__pycache__"))
        (work / ".venv").symlink_to(ROOT / ".venv")
        (work / ".engine").symlink_to(ROOT / ".engine")
        workflow = yaml.safe_load(WORKFLOW.read_text())
        steps = workflow["jobs"]["sync"]["steps"]
        workflow["jobs"]["sync"]["steps"] = [step for step in steps if step.get("name") != "Set up"]
        runner = self.scratch / f"runner-{self.runs}"
        runner.mkdir()
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(runner),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "RUNNER_TEMP": str(runner),
            "GITHUB_EVENT_NAME": "repository_dispatch",
            **{
                key: self.project.env[key]
                for key in ("AWS_ENDPOINT_URL_SUPPORT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
            },
            **github_env(forge),
        }
        context = {
            "vars.PULUMI_BACKEND_URL": self.project.env["PULUMI_BACKEND_URL"],
            "secrets.PULUMI_CONFIG_PASSPHRASE": self.project.env.get("PULUMI_CONFIG_PASSPHRASE", ""),
            "matrix.stack": STACK,
            "github.token": TOKEN,
            "toJSON(github.event.client_payload)": json.dumps(event, indent=2),
        }
        return run_job(workflow, "sync", work, env, context, runner)

    def gitlab_job(self, forge: Forge, remote: Path, **variables: str) -> subprocess.CompletedProcess[str]:
        """The GitLab job's before_script and script in one shell, as the runner runs them, in a fresh
        checkout of ``remote``; the image's package install, tools/setup.sh (the project's .venv and engine
        are linked in) and the push URL with the project token are the runner's business and left out."""
        work = self.checkout(remote)
        shutil.copytree(ROOT / "tools", work / "tools", ignore=shutil.ignore_patterns("__pycache__"))
        (work / ".venv").symlink_to(ROOT / ".venv")
        (work / ".engine").symlink_to(ROOT / ".engine")
        (job,) = yaml.safe_load(GITLAB_JOB.read_text()).values()
        skipped = ("apt-get ", "bash tools/setup.sh", "git remote set-url ")
        lines = [line for line in job["before_script"] + job["script"] if not line.startswith(skipped)]
        env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.scratch),
            "GIT_CONFIG_GLOBAL": os.devnull,
            **{key: self.project.env[key] for key in AWS_AND_PULUMI if key in self.project.env},
            **{
                key: str(value).replace("$CI_PROJECT_DIR", str(work))
                for key, value in job["variables"].items()
            },
            **gitlab_env(forge),
            "CI_PROJECT_DIR": str(work),
            "CI_PIPELINE_SOURCE": "trigger",
            **variables,
        }
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(lines)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def calls(self) -> Counter[str]:
        return Counter(call["operation"] for call in self.support.control.calls())


@pytest.fixture
def world(tmp_path: Path):
    remote = tmp_path / "remote.git"
    with running_server(tmp_path / "supportlocal", quotas=False) as support:
        project = staged_project(tmp_path / "project", support.url, ACCESS_KEY, stack=STACK)
        work = project.workdir
        for name, (service, subject) in CASES.items():
            path = work / "cases" / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            body = f"{subject}. What changed on your side?"
            document = {
                "subject": subject,
                "serviceCode": service,
                "categoryCode": "other",
                "communicationBody": body,
            }
            path.write_text(yaml.safe_dump(document, sort_keys=False))
        (work / ".github").mkdir()
        (work / ".github" / "CODEOWNERS").write_text(CODEOWNERS)
        project.up()
        # The repository as the team keeps it: the case files and their transcripts so far, on main.
        done = subprocess.run(
            [sys.executable, "-m", "provider", "transcripts", "--stack", STACK],
            cwd=work,
            env=project.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
        git(work, "init", "--quiet", "--initial-branch=main")
        git(work, "add", ".")
        git(work, *IDENTITY, "commit", "--quiet", "-m", "Cases and their transcripts")
        git(work, "push", "--quiet", str(remote), "main")
        scratch = tmp_path / "jobs"
        scratch.mkdir()
        yield World(project, support, remote, scratch)


def reviewers(item: dict[str, Any]) -> list[str]:
    users = [f"@{user['login']}" for user in item["requested_reviewers"]]
    return users + [f"@acme/{team['slug']}" for team in item["requested_teams"]]


def test_replies_become_one_pull_request_per_stack_and_nothing_new_changes_nothing(world: World):
    control = world.support.control
    rds, billing = world.case_id("db/rds-failover"), world.case_id("billing/duplicate-charge")
    with running_forge(world.remote) as forge:
        # AWS replies on 2 of the 5 cases.
        control.reply(
            rds,
            "How many open transactions did the instance have at 03:12 UTC?",
            status="pending-customer-action",
        )
        control.reply(
            billing, "We found the duplicate charge and are issuing a refund.", status="work-in-progress"
        )
        control.reset_calls()
        work, out = world.sync(forge)
        assert out.splitlines()[-2:] == [
            f"sync {STACK}: AWS replied on 2 cases (stack {STACK}): pushed {BRANCH} "
            f"({git(world.remote, 'rev-parse', BRANCH)[:12]}), opened pull request #1 "
            "https://github.com/acme/support-cases/pull/1",
            f"sync {STACK}: review requested from @billing-lead, @acme/finance, @dba-lead",
        ]
        # Refresh read the 5 cases; the transcripts read only the 2 cases AWS touched.
        first = world.calls()
        assert set(first) == {"DescribeCases", "DescribeCommunications"}
        assert first["DescribeCommunications"] == 2
        (request,) = forge.requests.values()
        assert request["title"] == f"AWS replied on 2 cases (stack {STACK})"
        assert forge.files(1) == [thread("billing/duplicate-charge"), thread("db/rds-failover")]
        assert reviewers(request) == ["@billing-lead", "@dba-lead", "@acme/finance"]
        assert "How many open transactions" in git(
            world.remote, "show", f"{BRANCH}:{thread('db/rds-failover')}"
        )
        assert "| `db/rds-failover` " in request["body"]
        assert "unassigned → pending-customer-action" in request["body"]
        assert "`db/rds-failover`: AWS waits on us since its reply of" in request["body"]
        summary = (work.parent / f"summary-{world.runs}.md").read_text()
        assert summary.startswith(f"## Support cases sync: stack `{STACK}`\n\nAWS replied on 2 cases")
        assert "5 case(s); 1 waiting on us (pending-customer-action)" in summary

        # Merging it changes no case at AWS: the plan of the sync branch has no change.
        merged = world.checkout()
        git(merged, "checkout", "--quiet", BRANCH)
        control.reset_calls()
        plan = world.provider(merged, "plan", "--stack", STACK, "--detailed-exitcode")
        assert (plan.returncode, plan.stdout.splitlines()[-1]) == (
            0,
            "0 step(s) for 0 case(s); 5 unchanged",
        ), plan.stdout
        assert control.calls() == []

        # No news: nothing pushed, nothing opened or edited, and only the calls a refresh makes.
        head, writes = git(world.remote, "rev-parse", BRANCH), forge.writes()
        control.reset_calls()
        _, out = world.sync(forge)
        assert out.splitlines()[-1].endswith("nothing new since: nothing pushed")
        assert (git(world.remote, "rev-parse", BRANCH), forge.writes()) == (head, writes)
        unchanged = world.calls()
        control.reset_calls()
        world.project.refresh()
        assert unchanged == world.calls()  # exactly the calls of `pulumi refresh` alone
        assert set(unchanged) == {"DescribeCases"}

        # A third reply: --dry-run says what it would push, pushing and opening nothing.
        control.reply(world.case_id("lambda-cold-starts"), "Which runtime version do the functions use?")
        _, out = world.sync(forge, "--dry-run")
        assert out.splitlines()[-1] == (
            f"sync {STACK}: AWS replied on 3 cases (stack {STACK}): would push {BRANCH} "
            "(--dry-run: nothing pushed)"
        )
        assert (git(world.remote, "rev-parse", BRANCH), forge.writes()) == (head, writes)

        # The run after it updates the same pull request.
        _, out = world.sync(forge)
        assert "updated pull request #1" in out
        assert list(forge.requests) == [1]
        assert forge.files(1) == [
            thread("billing/duplicate-charge"),
            thread("db/rds-failover"),
            thread("lambda-cold-starts"),
        ]
        assert forge.requests[1]["title"] == f"AWS replied on 3 cases (stack {STACK})"
        assert reviewers(forge.requests[1]) == [
            "@billing-lead",
            "@dba-lead",
            "@platform-lead",
            "@acme/finance",
        ]

        # AWS's case event, fed to the trigger path, starts the same sync for the stack that holds the case.
        world.project.run("stack", "init", "staging", "--secrets-provider", "passphrase", stack=False)
        storage = world.case_id("storage/s3-replication")
        control.reply(storage, "The replication backlog is draining.")
        event = json.loads(EVENT.read_text())
        event["detail"].update(
            {
                "case-id": storage,
                "display-id": world.project.outputs()["cases"]["storage/s3-replication"]["displayId"],
            }
        )
        path = world.scratch / "event.json"
        path.write_text(json.dumps(event))
        _, out = world.sync(forge, "--event", str(path), "--stack", "staging")
        lines = out.splitlines()
        assert lines[0] == (
            f"sync: AddCommunicationToCase by AWS on case {event['detail']['display-id']} "
            f"(account 111122223333): the case is in {STACK}"
        )
        assert "updated pull request #1" in lines[-2]
        assert thread("storage/s3-replication") in forge.files(1)
        assert reviewers(forge.requests[1])[-2:] == ["@storage-lead", "@acme/finance"]
        if out_dir := os.environ.get("SYNC_DOCS_OUT"):
            Path(out_dir, "pull-request.md").write_text(
                forge.requests[1]["title"] + "\n\n" + forge.requests[1]["body"]
            )
            diff = git(world.remote, "diff", f"main...{BRANCH}", "--", thread("db/rds-failover"))
            Path(out_dir, "pull-request.diff").write_text(diff + "\n")

        # The recorded event as it is, a case no stack holds: it syncs nothing and calls nothing.
        control.reset_calls()
        writes = forge.writes()
        _, out = world.sync(forge, "--event", str(EVENT), "--stack", "staging")
        assert out.splitlines() == [
            "sync: AddCommunicationToCase by AWS on case 1234563851 (account 111122223333): the case is in "
            "none of the stacks (prod, staging)"
        ]
        assert (control.calls(), forge.writes()) == ([], writes)

        # The workflow itself, on the repository_dispatch that forwards AWS's event of a reply on aurora-lag.
        aurora = world.case_id("db/aurora-lag")
        control.reply(
            aurora, "Please send the replica's CloudWatch metrics.", status="pending-customer-action"
        )
        shown = world.project.outputs()["cases"]["db/aurora-lag"]["displayId"]
        event["detail"].update({"case-id": aurora, "display-id": shown})
        run = world.workflow(forge, event)
        synced = run.step("Sync")
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert f"the case is in {STACK}" in synced.stdout.splitlines()[0]
        assert "AWS replied on 5 cases" in synced.stdout and "updated pull request #1" in synced.stdout
        assert thread("db/aurora-lag") in forge.files(1)
        assert synced.summary.startswith(f"## Support cases sync: stack `{STACK}`")
        alert = run.step("Alert when a case waits on us")  # the alert: exit 3, two cases wait on us
        assert (alert.returncode, alert.stdout.splitlines()[-1]) == (
            3,
            "5 case(s); 2 waiting on us (pending-customer-action)",
        )

        # The same pipeline on GitLab: a project whose main has only the first transcripts.
        gitlab_remote = world.scratch / "gitlab.git"
        git(
            world.scratch,
            "clone",
            "--quiet",
            "--bare",
            "--single-branch",
            "--branch",
            "main",
            str(world.remote),
            str(gitlab_remote),
        )
        moved = world.checkout(gitlab_remote)  # GitLab reads CODEOWNERS from the root, docs/ or .gitlab/
        (moved / ".gitlab").mkdir()
        git(moved, "mv", ".github/CODEOWNERS", ".gitlab/CODEOWNERS")
        git(moved, *IDENTITY, "commit", "--quiet", "-m", "CODEOWNERS where GitLab reads it")
        git(moved, "push", "--quiet", "origin", "main")
    with running_forge(gitlab_remote) as gitlab:
        _, out = world.sync(gitlab, gitlab=True, remote=gitlab_remote)
        assert (
            "opened merge request #1 https://gitlab.example.com/acme/support-cases/-/merge_requests/1" in out
        )
        assert (
            f"sync {STACK}: not asked: @acme/finance (no GitLab user of that name: a group or an e-mail "
            "address)" in out
        )
        (request,) = gitlab.requests.values()
        assert (request["source_branch"], request["target_branch"]) == (BRANCH, "main")
        assert gitlab.files(1) == sorted(thread(name) for name in CASES)
        assert [user["username"] for user in request["reviewers"]] == [
            "billing-lead",
            "dba-lead",
            "platform-lead",
            "storage-lead",
        ]
        assert request["title"] == f"AWS replied on 5 cases (stack {STACK})"

        # The GitLab job itself, from the pipeline trigger that passes the case of AWS's event.
        lambda_id = world.case_id("lambda-cold-starts")
        control.reply(lambda_id, "The new runtime loads more modules at init; see the attached profile.")
        job = world.gitlab_job(gitlab, gitlab_remote, SUPPORT_CASE_ID=lambda_id)
        lines = job.stdout.splitlines()
        assert lines[0].endswith(f"on case {lambda_id} (account 111122223333): the case is in {STACK}")
        assert "updated merge request #1" in job.stdout
        assert list(gitlab.requests) == [1]
        assert (job.returncode, lines[-1]) == (3, "5 case(s); 2 waiting on us (pending-customer-action)")
