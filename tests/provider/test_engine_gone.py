"""A provider process whose Pulumi engine was killed stops calling AWS on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.helpers.pulumi_cli import ROOT

# The engine (here: a stand-in process) starts the provider through a launcher script that does not
# exec, as the SDK's pulumi-resource-pulumi-python does.
PROVIDER = textwrap.dedent(
    """
    import sys, time
    from provider.aws.calls import engine_alive
    print("alive" if engine_alive() else "gone", flush=True)
    for _ in range(200):
        if not engine_alive():
            print("gone", flush=True)
            sys.exit(0)
        time.sleep(0.05)
    print("still alive", flush=True)
    """
)


def test_the_provider_notices_when_its_engine_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "provider_process.py"
    script.write_text(PROVIDER)
    out = tmp_path / "out.txt"
    launcher = f"{sys.executable} {script} > {out} 2>&1"
    engine_code = f"import subprocess, time; subprocess.Popen(['bash', '-c', '{launcher}']); time.sleep(60)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    engine = subprocess.Popen([sys.executable, "-c", engine_code], env=env)
    deadline = time.monotonic() + 20
    while "alive" not in (out.read_text() if out.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text().splitlines() == ["alive"]
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    while len(out.read_text().splitlines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text().splitlines() == ["alive", "gone"]
