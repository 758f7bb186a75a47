"""Timed ``pulumi`` runs that also watch the processes the engine starts.

Below the CLI, the dynamic provider runs as ``python -u -m pulumi.dynamic`` and the program as the
Python language host's ``pulumi-language-python-exec``. Every ``POLL_SECONDS`` the processes under the
CLI's pid are read from /proc: the peak resident set (``VmHWM``, kept by Linux for the life of the
process) and the CPU time used so far, so a run reports each process's peak memory and where the CPU
went (engine, language host, program, provider). Optionally ``py-spy`` is attached to the program and
the provider process as each appears, writing collapsed stacks for profiling (py-spy wrapped around the
Go CLI returned before the CLI was done).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.process_tree import descendants
from tests.helpers.pulumi_cli import PulumiProject

POLL_SECONDS = 0.05
TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("engine", "langhost", "program", "provider")


class RunFailed(RuntimeError):
    """A ``pulumi`` command exited non-zero; ``reason`` is the error line of its output."""

    def __init__(self, args: tuple[str, ...], output: str) -> None:
        lines = [line.strip() for line in output.splitlines()]
        raised = [line for line in lines if re.match(r"\w*(Error|Exception): ", line)]
        errors = raised[-1:] or [line for line in lines if line.startswith("error:")][:1]
        created = [line for line in lines if re.fullmatch(r"\+ \d+ created", line)]
        self.reason = "; ".join([*errors, *created]) or "no error line in the output"
        super().__init__(f"`pulumi {' '.join(args)}` failed: {self.reason}\n{output[-4000:]}")


@dataclass(frozen=True)
class Run:
    """One finished ``pulumi`` command: wall time, peak RSS (KiB) and CPU seconds per kind of process."""

    seconds: float
    peak_kib: dict[str, int]
    cpu_seconds: dict[str, float]
    output: str
    profiles: tuple[Path, ...] = ()  # py-spy's collapsed stacks, one file per Python process


def _kind(pid: int) -> str | None:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    if b"pulumi.dynamic" in argv:
        return "provider"
    if any(arg.endswith(b"pulumi-language-python-exec") for arg in argv):
        return "program"
    name = os.path.basename(argv[0]).decode(errors="replace")
    return {"pulumi": "engine", "pulumi-language-python": "langhost"}.get(name)


def _peak_and_cpu(pid: int) -> tuple[int, float] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    peak = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return peak, (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class Watcher(threading.Thread):
    """Follows the processes below ``pid`` until stopped."""

    def __init__(self, pid: int, spy: str | None = None, profile: Path | None = None) -> None:
        super().__init__(name="process-watcher", daemon=True)
        self.pid = pid
        self.spy, self.profile = spy, profile
        self.spies: dict[Path, subprocess.Popen[bytes]] = {}
        self.stop = threading.Event()
        self._kinds: dict[int, str | None] = {}
        self._last: dict[int, tuple[int, float]] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                children = descendants(self.pid)
            except OSError:  # a process ended while /proc was listed: look again at the next poll
                children = set()
            for child in {self.pid, *children}:
                # Read each time: a child shows its parent's command line until it has exec'd.
                self._kinds[child] = _kind(child) or self._kinds.get(child)
                if self._kinds[child] in ("program", "provider"):
                    self._attach(child, str(self._kinds[child]))
                if self._kinds[child]:
                    reading = _peak_and_cpu(child)
                    if reading is not None:  # a zombie's status has no VmHWM: keep the peak read before
                        peak = max(reading[0], self._last.get(child, (0, 0.0))[0])
                        self._last[child] = (peak, reading[1])
            self.stop.wait(POLL_SECONDS)

    def _attach(self, pid: int, kind: str) -> None:
        """Start py-spy on a Python process of the run (once per process; it stops when the process exits)."""
        if self.spy is None or self.profile is None:
            return
        path = self.profile.with_name(f"{self.profile.stem}-{kind}-{pid}.txt")
        if path not in self.spies:
            command = [self.spy, "record", "--pid", str(pid), "--format", "raw", "-o", str(path)]
            self.spies[path] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def profiles(self) -> tuple[Path, ...]:
        """Wait for py-spy to write each profile; the files written."""
        for spy in self.spies.values():
            spy.wait(timeout=60)
        return tuple(path for path in self.spies if path.exists())

    def peaks(self) -> dict[str, int]:
        """The highest peak RSS of any process of each kind, in KiB."""
        found = dict.fromkeys(KINDS, 0)
        for pid, (peak, _) in self._last.items():
            kind = self._kinds[pid] or ""
            found[kind] = max(found[kind], peak)
        return found

    def cpu(self) -> dict[str, float]:
        """CPU seconds used by the processes of each kind (as last read, a poll or less before each exit)."""
        found = dict.fromkeys(KINDS, 0.0)
        for pid, (_, seconds) in self._last.items():
            found[self._kinds[pid] or ""] += seconds
        return found


def run(project: PulumiProject, *args: str, profile: Path | None = None) -> Run:
    """Run ``pulumi ARGS`` on ``project`` (under py-spy into ``profile`` when given)."""
    command = project.command(*args)
    spy = None
    if profile is not None:
        spy = shutil.which("py-spy", path=project.env.get("PATH"))
        if spy is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install -r bench/requirements.txt")
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=project.workdir,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watcher = Watcher(process.pid, spy, profile)
    watcher.start()
    output, _ = process.communicate(timeout=project.timeout)
    seconds = time.perf_counter() - start
    watcher.stop.set()
    watcher.join()
    profiles = watcher.profiles()
    if process.returncode != 0:
        raise RunFailed(args, output)
    return Run(seconds, watcher.peaks(), watcher.cpu(), output, profiles)
