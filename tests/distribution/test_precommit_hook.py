"""pre-commit (from PyPI) in a team's repository, with this project's hook at a local release tag.

The hook's repository is a temporary clone of this checkout's HEAD, tagged as `supportcases init` names
it; pre-commit installs the distribution from it into its own virtualenv (``language: python``). Good
files pass; a broken file and a deleted attachment block the commit; each run prints one summary.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from provider import __version__
from tests.distribution.installed import Installed
from tests.helpers.pulumi_cli import ROOT

pytestmark = pytest.mark.engine

SUMMARY = re.compile(r"^(\d+ problems? in \d+ of \d+ case files?|\d+ case files? OK)$", re.MULTILINE)
CASE = """\
subject: RDS Multi-AZ failover took 20 minutes
communicationBody: db-prod failed over at 03:10 UTC; writes were unavailable for 20 minutes.
serviceCode: amazon-relational-database-service-postgresql
categoryCode: general-guidance
attachments:
  - evidence/events.log
"""


def run(cwd: Path, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``command``, its output and errors together in ``stdout`` (git prints the hooks' on stderr)."""
    return subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout
    return done.stdout


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A clone of this checkout's HEAD with the release tag, as the team's hook repository."""
    clone = tmp_path / "support-cases-as-code"
    ok(run(tmp_path, "git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)))
    ok(run(clone, "git", "tag", f"v{__version__}"))
    return clone


def test_the_hook_from_another_repository_blocks_broken_files_and_deleted_evidence(
    installed: Installed, upstream: Path, tmp_path: Path
):
    repo = tmp_path / "team"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_CONSTRAINT": str(ROOT / "requirements.lock"),  # the hook's virtualenv at the lock's versions
        "GIT_AUTHOR_NAME": "Team",
        "GIT_AUTHOR_EMAIL": "team@example.com",
        "GIT_COMMITTER_NAME": "Team",
        "GIT_COMMITTER_EMAIL": "team@example.com",
    }
    env.pop("PYTHONPATH", None)
    ok(run(repo, "git", "init", "--quiet", "--initial-branch=main", env=env))
    installed.run("supportcases", "init", "--source", str(upstream), cwd=repo)
    assert f"rev: v{__version__}" in (repo / ".pre-commit-config.yaml").read_text()
    ok(run(repo, str(ROOT / ".venv" / "bin" / "pre-commit"), "install", env=env))

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return run(repo, "git", "commit", "--quiet", "--message", message, env=env)

    # Good files pass, the hook installed from the tag (no .venv in this repository).
    (repo / "cases" / "evidence").mkdir(parents=True)
    (repo / "cases" / "evidence" / "events.log").write_text("03:10 failover started\n")
    (repo / "cases" / "rds.yaml").write_text(CASE)
    ok(run(repo, "git", "add", "--all", env=env))
    done = commit("The team's repository and its first case")
    assert done.returncode == 0, done.stdout
    assert "validate support case files" in done.stdout and "Passed" in done.stdout
    assert not (repo / ".venv").exists()

    # A broken file blocks the commit, located, with one summary.
    (repo / "cases" / "broken.yaml").write_text("subject: s\ncommunicationBody: b\npriority: high\n")
    ok(run(repo, "git", "add", "cases/broken.yaml", env=env))
    done = commit("A broken case")
    assert done.returncode == 1, done.stdout
    assert "cases/broken.yaml:3:1: unknown key 'priority'" in done.stdout
    assert SUMMARY.findall(done.stdout) == ["1 problem in 1 of 1 case file"]
    ok(run(repo, "git", "rm", "--quiet", "--cached", "cases/broken.yaml", env=env))
    (repo / "cases" / "broken.yaml").unlink()

    # Deleting the attachment a case names blocks the commit, though no case file changed.
    ok(run(repo, "git", "rm", "--quiet", "cases/evidence/events.log", env=env))
    done = commit("Drop the evidence")
    assert done.returncode == 1, done.stdout
    assert "cases/rds.yaml:6:5: attachment 'evidence/events.log'" in done.stdout
    assert SUMMARY.findall(done.stdout) == ["1 problem in 1 of 1 case file"]

    # Evidence changed, its case still valid: the commit goes through, the case checked once.
    ok(run(repo, "git", "reset", "--quiet", "HEAD", "--", "cases/evidence/events.log", env=env))
    ok(run(repo, "git", "checkout", "--", "cases/evidence/events.log", env=env))
    (repo / "cases" / "evidence" / "events.log").write_text("03:10 failover started\n03:30 done\n")
    ok(run(repo, "git", "add", "--all", env=env))
    done = run(repo, str(ROOT / ".venv" / "bin" / "pre-commit"), "run", "--verbose", env=env)
    assert done.returncode == 0, done.stdout
    assert SUMMARY.findall(done.stdout) == ["1 case file OK"]
    assert ok(run(repo, "git", "status", "--porcelain", env=env)) == "M  cases/evidence/events.log\n"
