"""A team's own repository, written by the installed distribution's `supportcases init`, through its whole
lifecycle with the real `pulumi` CLI against supportlocal: validate, plan, up, a reply, refresh, transcripts.

Nothing of this checkout is importable by the program or the commands: the repository's `.venv` is the
fresh virtualenv holding the wheel. supportlocal's call log asserts what each step sent.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from supportlocal.launcher import Endpoint, running_server
from tests.distribution.installed import Installed
from tests.helpers.pulumi_cli import PulumiProject

pytestmark = pytest.mark.engine

ACCESS_KEY = "AKIA333333333333"
STACK = "prod"
SOURCE = "https://git.example.com/platform/support-cases-as-code.git"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout


def new_repository(installed: Installed, wheel: Path, repo: Path) -> None:
    """An empty git repository, then `supportcases init` in it (the requirement: the wheel itself)."""
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.email", "team@example.com")
    git(repo, "config", "user.name", "Team")
    requirement = f"support-cases-as-code @ {wheel.as_uri()}"
    installed.run("supportcases", "init", "--source", SOURCE, "--requirement", requirement, cwd=repo)
    (repo / ".venv").symlink_to(installed.venv)  # the virtualenv Pulumi.yaml names


def writes(endpoint: Endpoint) -> Counter[str]:
    """The Support API calls since the last reset that are not reads."""
    return Counter(
        call["operation"] for call in endpoint.control.calls() if not call["operation"].startswith("Describe")
    )


def test_init_writes_only_the_teams_files(installed: Installed, wheel: Path, tmp_path: Path):
    repo = tmp_path / "team"
    new_repository(installed, wheel, repo)
    tracked = sorted(git(repo, "ls-files", "--others", "--exclude-standard").split())
    assert tracked == [
        ".github/workflows/support-cases.yml",
        ".gitignore",
        ".gitlab-ci.yml",
        ".pre-commit-config.yaml",
        "CODEOWNERS",
        f"Pulumi.{STACK}.yaml",
        "Pulumi.yaml",
        "__main__.py",
        "cases/README.md",
        "requirements.txt",
    ]
    assert (repo / "requirements.txt").read_text() == f"support-cases-as-code @ {wheel.as_uri()}\n"
    code = [line for line in (repo / "__main__.py").read_text().splitlines() if line.strip()]
    assert code == [
        "from provider import program  # support-cases-as-code: one AWS Support case per file under cases/",
        'program("cases")',
    ]
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"] == [{"repo": SOURCE, "rev": "v0.2.0", "hooks": [{"id": "support-cases-validate"}]}]
    again = installed.run("supportcases", "init", "--source", SOURCE, cwd=repo, check=False)
    assert again.returncode == 2 and "would overwrite" in again.stderr and "nothing written" in again.stderr


def test_a_teams_repository_through_its_whole_lifecycle(installed: Installed, wheel: Path, tmp_path: Path):
    repo = tmp_path / "team"
    new_repository(installed, wheel, repo)
    with running_server(tmp_path / "supportlocal", quotas=False) as support:
        aws = {
            "AWS_ENDPOINT_URL_SUPPORT": support.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": "team-secret",
        }
        project = PulumiProject(repo, stack=STACK, env_overrides=aws)
        project.env.pop("AWS_PROFILE", None)
        project.env = installed.env(project.env)  # the team's `supportcases` and `python` first on PATH

        def supportcases(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
            return installed.run("supportcases", *args, cwd=repo, env=project.env, check=check)

        # The stack is made once; its salt lands in the committed Pulumi.prod.yaml, the settings stay.
        before = (repo / f"Pulumi.{STACK}.yaml").read_text()
        project.init()
        config = (repo / f"Pulumi.{STACK}.yaml").read_text()
        assert config.startswith(before) and "\nencryptionsalt: v1:" in config
        # not committed yet: refused
        assert "is not committed" in supportcases("ci", "check-stack-config", STACK, check=False).stderr
        git(repo, "add", "--all")
        git(repo, "commit", "--quiet", "--message", "supportcases init")
        assert supportcases("ci", "check-stack-config", STACK).stdout.startswith(
            "stack config: Pulumi.prod.yaml"
        )

        # A case, written with `new` from the catalogue this distribution ships (the repository has none).
        supportcases(
            "new",
            "db/rds-failover",
            "--subject",
            "RDS Multi-AZ failover took 20 minutes",
            "--body",
            "db-prod failed over at 03:10 UTC; writes were unavailable for 20 minutes.",
            "--service",
            "amazon-relational-database-service-postgresql",
            "--category",
            "general-guidance",
            "--severity",
            "normal",
        )
        assert supportcases("validate").stdout == "1 case file OK\n"
        plan = supportcases("plan", "--stack", STACK, "--detailed-exitcode", check=False)
        assert plan.returncode == 2, plan.stdout + plan.stderr
        assert "CreateCase" in plan.stdout and "db/rds-failover" in plan.stdout
        assert writes(support) == Counter()  # plan never calls AWS

        # up opens the case, once.
        project.up()
        assert writes(support) == Counter({"CreateCase": 1})
        (case,) = project.outputs()["cases"].values()
        state = project.export_state()
        assert str(repo) not in str(state["deployment"].get("resources"))  # nothing of the checkout

        # AWS answers; refresh brings it into the state and sends nothing; transcripts write it down.
        support.control.reset_calls()
        support.control.reply(
            case["caseId"], "Please attach the RDS event log.", status="pending-customer-action"
        )
        project.refresh()
        assert writes(support) == Counter()
        transcripts = supportcases("transcripts", "--stack", STACK)
        assert "cases/db/rds-failover.thread.md" in transcripts.stdout
        thread = (repo / "cases" / "db" / "rds-failover.thread.md").read_text()
        assert "Please attach the RDS event log." in thread and "pending-customer-action" in thread

        # An unchanged repository: the preview changes nothing and nothing is sent.
        project.preview("--expect-no-changes")
        assert writes(support) == Counter()
