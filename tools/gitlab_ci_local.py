"""The GitLab pipeline of this repository run by gitlab-ci-local; started by tools/gitlab-ci-local.sh,
which installs gitlab-ci-local and names it in GITLAB_CI_LOCAL.

A scratch repository holds this project's files and its committed Pulumi.prod.yaml; its stack is
created as docs/pipelines.md says (from the committed salt, one `pulumi up` without case files). Then
three pipelines run `plan:prod` and `apply:prod` exactly as .gitlab-ci.yml defines them (shell
executor, the Pulumi CLI of .engine/bin on PATH as a runner image would have it):

1. a merge request with a broken case file: the job fails, the note names file:line:col, the plan is
   an artifact;
2. a clean merge request adding a case: the note carries the plan's fingerprint, no Support API call;
3. its merge on the default branch: `apply:prod` applies exactly that plan (supportlocal's call log).

Each outcome is checked; the first that differs ends the run with exit 1.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from supportlocal.launcher import Endpoint, running_server  # noqa: E402
from tests.review.forge_standin import GITLAB_BOT, TOKEN, Forge, running_forge  # noqa: E402

FILES = (
    "Pulumi.yaml",
    "Pulumi.prod.yaml",
    "__main__.py",
    "provider",
    "schemas",
    "catalogue",
    "tools",
    "requirements.lock",
    ".gitignore",
    ".gitlab-ci.yml",
    ".gitlab",
)
ACCESS_KEY = "AKIA555555555555"
WRITES = ("AddAttachmentsToSet", "CreateCase", "AddCommunicationToCase", "ResolveCase")
GIT = {"GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.com"}
GIT |= {"GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.com"}
CASE = (
    "subject: Lambda cold starts doubled after runtime update\n"
    "communicationBody: p99 init duration went from 400 ms to 900 ms on python3.11 functions.\n"
    "serviceCode: aws-lambda\ncategoryCode: other\nseverityCode: low\n"
)
BROKEN = "subject: Broken\ncommunicationBody: x\nseverityCode: loud\n"


class Failed(Exception):
    """An outcome differs from what the pipeline should do."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"  ok: {what}")


class Scratch:
    """The scratch repository, its stack, supportlocal and the notes API stand-in."""

    def __init__(self, repo: Path, state: Path, support: Endpoint, forge: Forge) -> None:
        self.repo = repo
        self.support = support
        self.forge = forge
        self.env = {
            **os.environ,
            **GIT,
            "PATH": f"{ROOT / '.engine' / 'bin'}:{os.environ['PATH']}",
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": "",
            "AWS_ENDPOINT_URL_SUPPORT": support.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": "gitlab-ci-local-secret",
            "GCL_IGNORE_PREDEFINED_VARS": "CI_PIPELINE_SOURCE,CI_MERGE_REQUEST_IID,CI_PROJECT_DIR,"
            "CI_API_V4_URL,CI_PROJECT_ID,GITLAB_CI",
        }
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "VIRTUAL_ENV"):
            self.env.pop(name, None)

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=self.repo, env=self.env, capture_output=True, text=True, check=check, timeout=900
        )

    def git(self, *args: str) -> str:
        return self.run("git", *args).stdout.strip()

    def job(self, name: str, variables: dict[str, str]) -> tuple[int, float]:
        """Run one job of .gitlab-ci.yml with gitlab-ci-local, printing its log; exit code and seconds."""
        given = {
            "CI_PROJECT_DIR": str(self.repo),
            "CI_API_V4_URL": self.forge.url + "/api/v4",
            "CI_PROJECT_ID": "77",
            "GITLAB_CI": "true",  # GitLab's runner sets it; gitlab-ci-local does not
            "GITLAB_TOKEN": TOKEN,
            **variables,
        }
        command = [*shlex.split(os.environ["GITLAB_CI_LOCAL"]), "--force-shell-executor", "--no-color"]
        for key, value in given.items():
            command += ["--variable", f"{key}={value}"]
        start = time.monotonic()
        done = self.run(*command, name, check=False)
        seconds = time.monotonic() - start
        print(f"$ gitlab-ci-local --force-shell-executor {name}  (exit {done.returncode}, {seconds:.1f} s)")
        for line in (done.stdout + done.stderr).splitlines():
            if line.startswith(name) or line.lstrip().startswith(("PASS", "FAIL")):
                print("  | " + line)
        return done.returncode, seconds

    def artifact(self, job: str, name: str) -> Path:
        return self.repo / ".gitlab-ci-local" / "artifacts" / job.replace(":", "Og") / name

    def writes(self) -> Counter[str]:
        calls = self.support.control.calls()
        return Counter(c["operation"] for c in calls if c["operation"] in WRITES and c["outcome"] == "ok")


def make_repository(repo: Path) -> None:
    """This project's files in a new git repository, .venv as tools/setup.sh leaves it."""
    repo.mkdir()
    for name in FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, repo / name)
    (repo / "cases").mkdir()
    (repo / "cases" / ".gitkeep").write_text("")
    venv = repo / ".venv"
    venv.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if entry.name != ".requirements.lock.sha256":
            (venv / entry.name).symlink_to(entry)
    lock = subprocess.run(["sha256sum", "requirements.lock"], cwd=repo, capture_output=True, text=True)
    (venv / ".requirements.lock.sha256").write_text(lock.stdout.split()[0] + "\n")


def pipelines(scratch: Scratch) -> list[tuple[str, int, float]]:
    """The three pipelines; (what, exit code, seconds) of each."""
    timings = []
    scratch.git("init", "--quiet", "--initial-branch=main")
    scratch.git("add", "--all")
    scratch.git("commit", "--quiet", "-m", "the repository")
    scratch.run("bash", "-c", "source tools/env.sh && pulumi stack init prod && pulumi up --yes")
    print("stack prod: created with the committed Pulumi.prod.yaml's salt; one `pulumi up` without cases")

    print("\n1. merge request !1 with a broken case file")
    scratch.git("checkout", "--quiet", "-b", "broken")
    (scratch.repo / "cases" / "bad.yaml").write_text(BROKEN)
    scratch.git("add", "cases")
    scratch.git("commit", "--quiet", "-m", "a broken case file")
    mr = {"CI_PIPELINE_SOURCE": "merge_request_event"}
    code, seconds = scratch.job("plan:prod", {**mr, "CI_MERGE_REQUEST_IID": "1"})
    timings.append(("merge request, broken case file: plan:prod", code, seconds))
    expect(code != 0, "the job fails")
    (note,) = scratch.forge.comments.get(1, [{}])
    expect("cases/bad.yaml:3:15: " in note.get("body", ""), "the note names cases/bad.yaml:3:15")
    plan = json.loads(scratch.artifact("plan:prod", "plan.json").read_text())
    expect(plan["status"] == "invalid", "the artifact plan.json says status invalid")

    print("\n2. merge request !2 adding a case")
    scratch.git("checkout", "--quiet", "main")
    scratch.git("checkout", "--quiet", "-b", "lambda")
    (scratch.repo / "cases" / "lambda.yaml").write_text(CASE)
    scratch.git("add", "cases")
    scratch.git("commit", "--quiet", "-m", "a case about Lambda cold starts")
    scratch.support.control.reset_calls()
    code, seconds = scratch.job("plan:prod", {**mr, "CI_MERGE_REQUEST_IID": "2"})
    timings.append(("merge request, new case: plan:prod", code, seconds))
    expect(code == 0, "the job passes")
    plan = json.loads(scratch.artifact("plan:prod", "plan.json").read_text())
    (note,) = scratch.forge.comments[2]
    carried = f"fingerprint={plan['fingerprint']} -->" in note["body"]
    expect(carried, "the note carries the plan's fingerprint")
    expect(note["author"]["username"] == GITLAB_BOT, f"written by the token's user {GITLAB_BOT}")
    expect(scratch.support.control.calls() == [], "no Support API call while planning")

    print("\n3. !2 merged: apply:prod on the default branch")
    scratch.git("checkout", "--quiet", "main")
    scratch.git("merge", "--quiet", "--no-ff", "-m", "Merge branch 'lambda' into 'main'", "lambda")
    merge = scratch.git("rev-parse", "HEAD")
    scratch.forge.merged[merge] = 2
    scratch.forge.process_modes["support-cases-prod"] = "oldest_first"  # as docs/pipelines.md sets it
    code, seconds = scratch.job("apply:prod", {})
    timings.append(("default branch: apply:prod", code, seconds))
    expect(code == 0, "the job passes")
    expect(scratch.writes() == Counter(plan["totals"]["calls"]), f"supportlocal saw {dict(scratch.writes())}")
    return timings


def main() -> int:
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gitlab-ci-local-") as tmp:
        base = Path(tmp)
        with running_server(base / "supportlocal") as support, running_forge() as forge:
            make_repository(base / "repo")
            scratch = Scratch(base / "repo", base / "state", support, forge)
            (base / "state").mkdir()
            try:
                timings = pipelines(scratch)
            except (Failed, subprocess.CalledProcessError, KeyError, ValueError, OSError) as error:
                detail = getattr(error, "stderr", "") or ""
                print(f"FAILED: {error} {detail}".rstrip(), file=sys.stderr)
                return 1
    print("\nsummary")
    for what, code, seconds in timings:
        print(f"  {what:<48} exit {code}  {seconds:5.1f} s")
    print(f"  all three pipelines as expected in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
