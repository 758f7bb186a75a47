"""Start ``python -m supportlocal`` as a subprocess for tests and demos."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from supportlocal.client import ControlClient

LISTENING = "supportlocal listening on "
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Endpoint:
    """A running server: its base URL, a control client, the process and what it printed."""

    url: str
    control: ControlClient
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)


@contextmanager
def running_server(
    data_dir: Path,
    *,
    port: int = 0,
    timeout: float = 20.0,
    quotas: bool = True,
    catalogue: Path | None = None,
    plans: Mapping[str, str] | None = None,
    retention_months: int | None = None,
) -> Iterator[Endpoint]:
    """Run supportlocal on ``data_dir`` until the block ends (then SIGTERM, and wait for it to exit).

    ``quotas=False`` starts it with ``--no-quotas`` (for tests that make many calls quickly);
    ``catalogue`` serves another catalogue snapshot than ``catalogue/aws-support.json``;
    ``plans`` (account id -> support plan) become ``--plan ACCOUNT=PLAN`` options;
    ``retention_months`` becomes ``--retention-months`` (default 24).
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    command = [sys.executable, "-m", "supportlocal", "--port", str(port), "--data", str(data_dir)]
    if not quotas:
        command.append("--no-quotas")
    if catalogue is not None:
        command += ["--catalogue", str(catalogue)]
    for account_id, plan in (plans or {}).items():
        command += ["--plan", f"{account_id}={plan}"]
    if retention_months is not None:
        command += ["--retention-months", str(retention_months)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, name="supportlocal-output", daemon=True).start()
    try:
        url = _wait_for_url(lines, timeout)
        if url is None:
            raise RuntimeError(
                f"supportlocal did not start within {timeout:.0f}s (exit code {process.poll()}); "
                f"its output:\n{''.join(output)}"
            )
        yield Endpoint(url=url, control=ControlClient(url), process=process, output=output)
    finally:
        _stop(process)


def _wait_for_url(lines: queue.Queue[str | None], timeout: float) -> str | None:
    deadline = threading.Event()
    timer = threading.Timer(timeout, deadline.set)
    timer.start()
    try:
        while not deadline.is_set():
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                return None
            if line.startswith(LISTENING):
                return line.removeprefix(LISTENING).strip()
        return None
    finally:
        timer.cancel()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
