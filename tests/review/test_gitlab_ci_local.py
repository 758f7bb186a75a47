"""The GitLab pipeline run by gitlab-ci-local (from npm), through tools/gitlab-ci-local.sh: a merge
request with a broken case file, a clean one and its apply, against supportlocal and the notes API
stand-in. The script checks each outcome itself (supportlocal's call log, the notes, the artifacts);
about 25 s once Node 22 and gitlab-ci-local are in .ci-tools/ (one npm install, about 15 s)."""

from __future__ import annotations

import subprocess

from tests.helpers.pulumi_cli import ROOT


def test_the_gitlab_pipeline_under_gitlab_ci_local():
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "gitlab-ci-local.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    summary = done.stdout[done.stdout.index("\nsummary\n") :]
    assert "merge request, broken case file: plan:prod       exit 1" in summary
    assert "merge request, new case: plan:prod               exit 0" in summary
    assert "default branch: apply:prod                       exit 0" in summary
    assert "  ok: supportlocal saw {'CreateCase': 1}" in done.stdout
    assert "  ok: the note names cases/bad.yaml:3:15" in done.stdout
