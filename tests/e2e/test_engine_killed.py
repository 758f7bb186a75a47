"""Only the `pulumi` CLI killed: the dynamic provider it leaves running calls AWS no more."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import yaml

from supportlocal.launcher import running_server
from tests.helpers.process_tree import descendants, kill_tree
from tests.helpers.staged_project import staged_project

CASES = 6


def test_a_provider_left_running_by_a_killed_cli_stops_calling_aws(tmp_path: Path) -> None:
    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        project = staged_project(tmp_path / "project", endpoint.url, "AKIA333333333333")
        project.run("config", "set", "supportcases:callsPerSecond", "1")  # slow enough to land a kill
        for index in range(CASES):
            document = {"subject": f"Case {index}", "communicationBody": f"Body {index}."}
            (project.workdir / "cases" / f"c{index}.yaml").write_text(yaml.safe_dump(document))
        cli = project.start("up", "--yes", "--skip-preview", log=tmp_path / "up.log")
        deadline = time.monotonic() + 120
        while not any(c["operation"] == "CreateCase" for c in endpoint.control.calls()):
            assert time.monotonic() < deadline and cli.poll() is None
            time.sleep(0.05)
        left = descendants(cli.pid)
        os.kill(cli.pid, signal.SIGKILL)  # the CLI alone: its plugins live on in their own groups
        cli.wait()
        killed = len(endpoint.control.calls())
        time.sleep(4)  # at 1 call per second, a provider that went on would make about four more
        try:
            after = endpoint.control.calls()[killed:]
            assert len(after) <= 1, after  # at most the call already under way
            assert sum(c["operation"] == "CreateCase" for c in endpoint.control.calls()) < CASES
        finally:
            for pid in left:
                kill_tree(pid)
